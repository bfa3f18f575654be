"""From evidence to a number: the features, the calibrated score, and the rules that cap it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..bank import Question
from ..text import content_words, stem, words
from .calibration import Calibration
from .gate import min_words
from .judgement import KeyPointResult

WEIGHTS = {"must": 2.0, "nice": 1.0}  # a must-have point counts twice a nice-to-have one
ALIGN_FLOOR, ALIGN_SPAN = 0.3, 0.5  # token cosine: below 0.3 is chance within a field, above 0.8 a match
WEAK_MAX = 3.9  # the top of the "weak" band
PARTIAL_MAX, BRIEF_SHARE = 5.9, 0.1  # the top of "partial", for answers under a tenth of the reference
# A short answer whose words align with the reference's at this mean cosine is on it ("logged
# predictions" 0.8); "yes", "ok", "hello" sit near 0.1.
ON_REFERENCE = 0.5
NEAR_NONE = 0.2  # key-point coverage below which an answer addresses none of them
NEAR_POINT = 0.55  # sentence cosine to a key point that counts as fully near it, for kp_coverage
# Points off for each authored misconception the answer states: a confident false claim costs more
# than leaving the point out (which only loses its share of the key-point credit).
MISCONCEPTION_COST = 3.0


class Ceiling(NamedTuple):
    """The most any judge may give an answer, and why (shown with the judgement)."""

    score: float
    reason: str


def ceiling(feats: dict[str, float], question: Question, answer: str) -> Ceiling | None:
    """Product rules that the human-graded data cannot teach: when an answer is weak at best.

    - Shorter than the question needs (`gate.min_words`), or one word: a few words can name the
      right thing but explain nothing ("use Kubernetes"), and one word cannot be told from a wrong
      one by similarity ("one" for "unlimited"). They score WEAK_MAX at most, and less in
      proportion when their words are not on the reference (align_precision under ON_REFERENCE).
      Against a quiz reference of a few words, a few words can be the whole answer ("push and
      pop"), and against a one-word reference ("push") one word is; then nothing caps them. (One
      word against a reference that needs an explanation is not graded at all: `gate.BARE`.)
    - A follow-up's answer that does not state its one point (`Question.one_point`): whatever else it says.
    - Near none of the key points: similar words, nothing the reference asks for.
    - Under a tenth of the reference's length (BRIEF_SHARE): a line where the question needs a
      paragraph ("small share of traffic" for a 90-word canary reference scored 7.2) is partial at
      most. The human-graded data cannot teach this: its references are 31 words at most, so there
      the rule only reaches answers the first one already holds lower.
    """
    n, need = len(words(answer)), min_words(question)
    if n < need or (n == 1 and len(words(question.reference_answer)) > 1):
        top = WEAK_MAX * min(1.0, max(0.0, feats["align_precision"]) / ON_REFERENCE)
        why = f"a full answer has at least {need}" if n < need else "one word names, it does not explain"
        return Ceiling(
            round(top, 1),
            f"Too short for this question ({n} word{'s' if n != 1 else ''}; {why}), "
            f"so it scores {WEAK_MAX} at most: explain the why and give an example.",
        )
    if question.one_point and not feats["kp_hit"]:
        return Ceiling(
            WEAK_MAX, f"It does not state the point the follow-up asks about, so it scores {WEAK_MAX} at most."
        )
    if feats["kp_coverage"] < NEAR_NONE:
        return Ceiling(WEAK_MAX, f"The answer comes near none of the key points, so it scores {WEAK_MAX} at most.")
    reference_words = len(words(question.reference_answer))
    if n < BRIEF_SHARE * reference_words:
        return Ceiling(
            PARTIAL_MAX,
            f"Brief for this question ({n} words; the model answer has {reference_words}), so it scores "
            f"{PARTIAL_MAX} at most: explain the why and give an example.",
        )
    return None


def final_score(
    calibration: Calibration, feats: dict[str, float], question: Question, answer: str
) -> tuple[float, Ceiling | None]:
    """The fitted score, scaled by authored key points, then held under the answer's ceiling (returned too).

    Authored key points scale the score: an answer keeps `key_point_bound` of it, and the rest in
    proportion to its key-point coverage by word match (must-have points weigh double). Similarity alone rates a
    fluent answer in the right words that says wrong things as half right, which is how the human
    graders of short quiz answers graded, and what an interview must not. Each authored
    misconception the answer states costs MISCONCEPTION_COST.
    """
    score = calibration.score(feats)
    if question.authored_points:
        bound = calibration.key_point_bound
        score *= bound + (1.0 - bound) * feats["kp_credit"]
    score = max(0.0, score - MISCONCEPTION_COST * feats["misconceptions"])
    limit = ceiling(feats, question, answer)
    return (score if limit is None else min(score, limit.score)), limit


def features(
    similarity: float,
    results: list[KeyPointResult],
    token_sims: np.ndarray,
    answer: str,
    question: Question,
    hit_threshold: float,
) -> dict[str, float]:
    """The evidence the calibrated score is computed from; names match calibration.json.

    `token_sims` holds the cosine of every content-word token of the answer (rows) with every one
    of the reference (columns), question words removed from both.
    """
    weights = np.array([WEIGHTS[r.weight] for r in results])
    sims = np.array([r.similarity for r in results])
    hits = np.array([r.hit for r in results], dtype=float)
    answer_words = len(words(answer))
    reference_words = max(1, len(words(question.reference_answer)))
    asked = {stem(w) for w in content_words(question.prompt)}
    answer_terms = {stem(w) for w in content_words(answer)} - asked
    reference_terms = {stem(w) for w in content_words(question.reference_answer)} - asked
    found = token_sims.max(axis=0)  # per reference token: its best match in the answer
    # How near a missed point came, by its sentence vector (0 to 1 at NEAR_POINT) and by its words
    # (0 at the word match any text of the field reaches, 1 at a hit): the mean of the two.
    matches = np.array([r.word_match for r in results])
    by_vector = np.clip(sims / NEAR_POINT, 0.0, 1.0)
    near = (by_vector + np.clip((matches - ALIGN_FLOOR) / (hit_threshold - ALIGN_FLOOR), 0.0, 1.0)) / 2
    return {
        "holistic": similarity,
        "kp_mean": float(weights @ sims / weights.sum()),
        "kp_hit": float(weights @ hits / weights.sum()),
        # A hit point counts fully, a missed one in proportion to how near its sentence vector came.
        "kp_coverage": float(weights @ np.where(hits > 0, 1.0, by_vector) / weights.sum()),
        # The same, with a missed point counted by how near its sentence vector and its words came.
        "kp_credit": float(weights @ np.where(hits > 0, 1.0, near) / weights.sum()),
        # Alignment: how much of the reference each of its words finds in the answer, and back.
        "align_recall": float(found.mean()),
        # The same, less the ~0.3 that any text of the field reaches ("model", "data" match something):
        # 0 at or below ALIGN_FLOOR, 1 from ALIGN_FLOOR + ALIGN_SPAN.
        "align_coverage": float(np.clip((found - ALIGN_FLOOR) / ALIGN_SPAN, 0.0, 1.0).mean()),
        "align_precision": float(token_sims.max(axis=1).mean()),
        "lexical": len(answer_terms & reference_terms) / max(1, len(reference_terms)),
        "lexical_precision": len(answer_terms & reference_terms) / max(1, len(answer_terms)),
        # Saturating length: short answers are penalised, long ones are not rewarded for length.
        "length": min(1.0, answer_words / (0.5 * reference_words)),
    }
