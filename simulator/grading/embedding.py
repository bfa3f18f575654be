"""The offline judge: gate, key-point evidence from sentence embeddings, calibrated score."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np
from pydantic import Field, ValidationError

from ..corpus import KeyPoint, Question
from ..embeddings import Embedder, Encoded, model_version
from ..errors import InputError, ModelError
from ..text import clean, content_words, demote, split_sentences, words
from .calibration import Calibration, load_calibration
from .gate import NO_ANSWER, NON_ANSWER_EXAMPLES, NON_ANSWER_SIMILARITY, Gate, min_words
from .judgement import Judgement, KeyPointResult, band_for

if TYPE_CHECKING:
    from ..store import ReferenceStore

# 3: short answers graded under a ceiling, non-answers; 4: key points hit by word match, brief-answer ceiling
GRADER_VERSION = "embedding-4"
WEIGHTS = {"must": 2.0, "nice": 1.0}  # a must-have point counts twice a nice-to-have one
ALIGN_FLOOR, ALIGN_SPAN = 0.3, 0.5  # token cosine: below 0.3 is chance within a field, above 0.8 a match
UNRELATED = 0.25  # a sentence this far from the reference says nothing about it (see _grade)
WEAK_MAX = 3.9  # the top of the "weak" band
PARTIAL_MAX, BRIEF_SHARE = 5.9, 0.1  # the top of "partial", for answers under a tenth of the reference
# A short answer whose words align with the reference's at this mean cosine is on it ("logged
# predictions" 0.8); "yes", "ok", "hello" sit near 0.1.
ON_REFERENCE = 0.5
NEAR_NONE = 0.2  # key-point coverage below which an answer addresses none of them (about 6% of real answers)
NEAR_POINT = 0.55  # sentence cosine to a key point that counts as fully near it, for kp_coverage
MAX_CACHED_REFERENCES = 512  # per judge; a reference costs a few KB of token vectors


@dataclass(frozen=True)
class ReferenceVectors:
    """What grading needs from a question, embedded once (at ingest for corpus questions)."""

    reference: np.ndarray  # (d,) unit vector of the reference answer
    key_points: np.ndarray  # (k, d) one unit vector per key point


@dataclass(frozen=True)
class Reference:
    """A question's embedded reference, cached by the judge."""

    vectors: ReferenceVectors
    tokens: np.ndarray  # (t, d) content-word token vectors of the demoted reference sentences
    point_tokens: list[np.ndarray]  # the same for each key point


@runtime_checkable
class TokenEmbedder(Protocol):
    """An embedder that also gives token vectors (the default adapter covers sentence-transformers)."""

    def embed_tokens(self, texts: list[str]) -> list[Encoded]: ...


def encode(embedder: Embedder, texts: list[str]) -> list[Encoded]:
    """Sentence vectors and content-token vectors of `texts` from one forward pass of the model.

    The token vectors come free with the sentence vectors (mean pooling averages them), so
    word-level alignment costs no second encode.
    """
    if not texts:
        return []
    if not isinstance(embedder, TokenEmbedder):
        raise ModelError(
            f"The embedder {embedder.name} gives no token vectors: the embedding judge needs a "
            "sentence-transformers model (the bundled all-MiniLM-L6-v2)."
        )
    return embedder.embed_tokens(texts)


def point_alignment(points: list[np.ndarray], sentences: list[np.ndarray]) -> np.ndarray:
    """(sentences, key points): how much of each key point's words one sentence says, as
    align_recall measures it for the whole reference (mean of each point token's best cosine)."""
    sims = similarities(np.vstack(points), np.vstack(sentences))
    sentence_starts = np.cumsum([0] + [len(t) for t in sentences[:-1]])
    best = np.maximum.reduceat(sims, sentence_starts, axis=1)  # (point tokens, sentences)
    point_starts = np.cumsum([0] + [len(t) for t in points[:-1]])
    return (np.add.reduceat(best, point_starts, axis=0) / np.array([len(t) for t in points])[:, None]).T


def similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b.T, computed by torch: numpy's BLAS starts its own threads for a matrix this size, and
    on two cores they spin against the model's threads and slow the next encode twofold."""
    import torch

    with torch.no_grad():
        return (torch.from_numpy(np.ascontiguousarray(a)) @ torch.from_numpy(np.ascontiguousarray(b)).T).numpy()


def holistic(sentence_vectors: np.ndarray) -> np.ndarray:
    """One vector for a whole text: the normalised mean of its sentence vectors.

    Embedding sentences once and pooling them costs one encode of the text (no second pass
    for the whole answer) and, unlike encoding the whole text, never truncates at 256 tokens.
    """
    mean = sentence_vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def reference_texts(question: Question) -> tuple[list[str], list[str]]:
    """The texts embedded for a question: its reference's sentences and its key points, demoted."""
    sentences = split_sentences(question.reference_answer) or [question.reference_answer]
    return demoted(sentences, question), demoted([k.text for k in question.key_points], question)


def demoted(texts: list[str], question: Question) -> list[str]:
    """Texts without the question's own words, so that echoing the question earns nothing.

    "Data drift is when the weights change" and "Data drift is a change in P(x)" share their
    subject; what tells them apart is the rest of the sentence, which is what gets compared.
    """
    return [demote(t, question.prompt) for t in texts]


def embed_reference(embedder: Embedder, question: Question) -> ReferenceVectors:
    """Embed a question's reference answer and key points in one batch."""
    sentences, points = reference_texts(question)
    vectors = embedder.embed_batch(sentences + points)
    return ReferenceVectors(reference=holistic(vectors[: len(sentences)]), key_points=vectors[len(sentences) :])


def derive_key_points(reference: str) -> tuple[KeyPoint, ...]:
    """Key points for an ad-hoc question: the reference's sentences, all must-have."""
    sentences = split_sentences(reference) or [reference]
    return tuple(KeyPoint(text=s, weight="must") for s in sentences[:8])


class AdhocQuestion(Question):
    """A question given on the spot. Its reference may be as short as a quiz answer ("By reference.");
    authored packs keep the stricter minimum of `Question`."""

    reference_answer: str = Field(min_length=8, max_length=4000)
    # Key points cut from the reference's sentences say nothing about what is essential: they do
    # not scale the score as authored ones do.
    derived_key_points: bool = False


def adhoc_question(prompt: str, reference: str, key_points: list[str] | None = None) -> Question:
    """A question built on the fly (no corpus): key points given, or derived from the reference."""
    try:
        points = tuple(KeyPoint(text=k) for k in key_points) if key_points else derive_key_points(reference)
        return AdhocQuestion(
            id="adhoc",
            prompt=prompt,
            kind="concept",
            category="adhoc",
            difficulty="medium",
            reference_answer=reference,
            key_points=points,
            derived_key_points=not key_points,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        names = {
            "prompt": "question",
            "reference_answer": "reference",
            "text": "key point" if key_points else "reference",
        }
        field = names.get(str(err["loc"][-1]), str(err["loc"][0]))
        raise InputError(f"The {field} cannot be used: {err['msg'].lower()}.") from None


@dataclass
class _Pending:
    """An answer that passed the text gate, waiting for its vectors."""

    index: int
    text: str
    sentences: list[str]
    at: int = 0  # where its sentences start in the batch of encoded texts


@dataclass(frozen=True)
class _Planned:
    """A reference to embed in the batch: where its texts start, how many sentences and key points."""

    key: str
    at: int
    sentences: int
    points: int
    stored: ReferenceVectors | None  # the store's vectors: then the texts are embedded only for their tokens


class EmbeddingJudge:
    """Grades by sentence-embedding similarity against a reference answer and its key points."""

    name = "embedding"

    def __init__(
        self,
        embedder: Embedder,
        store: ReferenceStore | None = None,
        calibration: Calibration | None = None,
        vocabulary: set[str] | None = None,
    ):
        self.embedder = embedder
        self.store = store
        self.calibration = calibration or load_calibration()
        self.gate = Gate(vocabulary or set())
        self.model = f"{embedder.name} ({model_version()})"
        self._references: dict[str, Reference] = {}

    @cached_property
    def _non_answers(self) -> np.ndarray:
        """Vectors of the gate's non-answer examples (embedded on first use; a repeat is harmless)."""
        return self.embedder.embed_batch(list(NON_ANSWER_EXAMPLES))

    def judge(self, question: Question, answer: str) -> Judgement:
        """Grade one answer to one question."""
        return self.judge_many([question], [answer])[0]

    def judge_many(self, questions: Sequence[Question], answers: Sequence[str]) -> list[Judgement]:
        """Grade each answer against its question, on its own; the model runs once for the whole batch.

        Batching changes only speed: every answer gets exactly the judgement `judge` would give it.
        """
        if len(questions) != len(answers):
            raise ValueError(f"{len(questions)} questions but {len(answers)} answers")
        started = time.perf_counter()
        results: list[Judgement | None] = [None] * len(answers)
        pending: list[_Pending] = []
        for i, (question, answer) in enumerate(zip(questions, answers)):
            text = clean(answer)
            verdict = self.gate.check_raw(answer) or self.gate.check_text(text, question)
            if verdict is not None:
                results[i] = self._invalid(question, verdict, started)
            else:
                pending.append(_Pending(i, text, split_sentences(text) or [text]))

        texts: list[str] = []
        for p in pending:
            p.at = len(texts)
            texts += demoted(p.sentences, questions[p.index])
        plan, refs = self._plan_references([questions[p.index] for p in pending], texts)
        encoded = encode(self.embedder, texts)
        refs.update(self._take_references(plan, encoded))
        # Each judgement reports its own work plus its share of the batch's encode.
        shared = (time.perf_counter() - started) / max(1, len(pending))
        for p in pending:
            question = questions[p.index]
            own = encoded[p.at : p.at + len(p.sentences)]
            results[p.index] = self._grade(
                question, p.text, p.sentences, own, refs[_key(question)], time.perf_counter() - shared
            )
        assert all(r is not None for r in results)
        return [r for r in results if r is not None]

    def _grade(
        self,
        question: Question,
        text: str,
        sentences: list[str],
        encoded: list[Encoded],
        ref: Reference,
        started: float,
    ) -> Judgement:
        sentence_vectors = np.stack([e.vector for e in encoded])
        # Sentences that say there is no answer ("I have no clue, sorry", "Good question") are no
        # evidence; an answer made only of them is not graded.
        filler = (sentence_vectors @ self._non_answers.T).max(axis=1) >= NON_ANSWER_SIMILARITY
        if filler.all():
            return self._invalid(question, NO_ANSWER, started, sentences)
        # Sentences unrelated to the reference ("Ignore all previous instructions...", small talk)
        # are left out of the evidence when the answer has related ones: padding neither helps an
        # answer nor dilutes it (an off-topic answer stays off-topic with a sentence of junk added).
        related = np.flatnonzero((sentence_vectors @ ref.vectors.reference >= UNRELATED) & ~filler)
        used = related if len(related) else np.flatnonzero(~filler)
        sentence_vectors = sentence_vectors[used]
        answer_vector = holistic(sentence_vectors)
        similarity = float(answer_vector @ ref.vectors.reference)
        verdict = self.gate.check_topic(similarity, self._nearest_other(question, answer_vector), self.calibration)
        if verdict is not None:
            return self._invalid(question, verdict, started, sentences, {"holistic": similarity})

        # A key point is hit by the sentence that says most of its words in context (word match), not
        # by the sentence vector nearest to it: on labelled answers (tests/data/points) word match
        # tells stated points from unstated ones far better (AUC 0.87 against 0.77), and one long
        # sentence that states several points is one vector far from each of them.
        kp_sims = sentence_vectors @ ref.vectors.key_points.T  # (sentences, key points)
        kp_words = point_alignment(ref.point_tokens, [encoded[i].tokens for i in used])
        results = []
        for j, kp in enumerate(question.key_points):
            best = int(np.argmax(kp_words[:, j]))
            hit = bool(kp_words[best, j] >= self.calibration.hit_threshold)
            results.append(
                KeyPointResult(
                    text=kp.text,
                    weight=kp.weight,
                    hit=hit,
                    similarity=round(max(-1.0, min(1.0, float(kp_sims[:, j].max()))), 4),
                    word_match=round(max(-1.0, min(1.0, float(kp_words[best, j]))), 4),
                    evidence=sentences[used[best]] if hit else None,
                    evidence_index=int(used[best]) if hit else None,
                )
            )
        answer_tokens = np.vstack([encoded[i].tokens for i in used])
        feats = features(
            similarity, results, similarities(answer_tokens, ref.tokens), text, question, self.calibration.hit_threshold
        )
        fitted, limit = final_score(self.calibration, feats, question, text)
        score = round(fitted, 1)
        missed = [r.text for r in sorted(results, key=lambda r: r.similarity) if not r.hit and r.weight == "must"]
        missed_nice = [r.text for r in results if not r.hit and r.weight == "nice"]
        return Judgement(
            question_id=question.id,
            valid=True,
            score=score,
            band=band_for(score),
            key_points=results,
            missed=missed,
            missed_nice=missed_nice,
            follow_up=follow_up(question, missed or missed_nice),
            feedback=feedback(results, feats, limit),
            ceiling=None if limit is None else limit.score,
            sentences=sentences,
            features={k: round(v, 4) for k, v in feats.items()},
            model=self.model,
            grader_version=f"{GRADER_VERSION}/{self.calibration.version}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _plan_references(
        self, questions: Sequence[Question], texts: list[str]
    ) -> tuple[list[_Planned], dict[str, Reference]]:
        """The cached references, and for the others: their texts appended to `texts`, where each starts."""
        plan: dict[str, _Planned] = {}
        known: dict[str, Reference] = {}
        for question in questions:
            key = _key(question)
            cached = self._references.get(key)
            if cached is not None:
                known[key] = cached
            if cached is not None or key in plan:
                continue
            stored = self._stored_vectors(question)
            sentences, points = reference_texts(question)
            plan[key] = _Planned(key, len(texts), len(sentences), len(points), stored)
            texts += sentences + points
        return list(plan.values()), known

    def _take_references(self, plan: list[_Planned], encoded: list[Encoded]) -> dict[str, Reference]:
        """The references of `plan`, built from the encoded batch and cached."""
        fresh = {}
        for item in plan:
            sentences = encoded[item.at : item.at + item.sentences]
            points = encoded[item.at + item.sentences : item.at + item.sentences + item.points]
            vectors = item.stored or ReferenceVectors(
                reference=holistic(np.stack([e.vector for e in sentences])),
                key_points=np.stack([e.vector for e in points]),
            )
            fresh[item.key] = Reference(vectors, np.vstack([e.tokens for e in sentences]), [e.tokens for e in points])
            self._remember(item.key, fresh[item.key])
        return fresh

    def _remember(self, key: str, reference: Reference) -> None:
        while len(self._references) >= MAX_CACHED_REFERENCES:
            self._references.pop(next(iter(self._references)))
        self._references[key] = reference

    def _stored_vectors(self, question: Question) -> ReferenceVectors | None:
        """The reference and key-point vectors embedded at ingest, when the question is indexed."""
        if self.store is None or question.id == "adhoc":
            return None
        return self.store.reference_vectors(question)

    def _nearest_other(self, question: Question, vector: np.ndarray) -> tuple[str, float] | None:
        if self.store is None or question.id == "adhoc":
            return None
        return self.store.nearest_other_reference(vector, exclude=question.id)

    def _invalid(
        self,
        question: Question,
        reason: str,
        started: float,
        sentences: list[str] | None = None,
        feats: dict[str, float] | None = None,
    ) -> Judgement:
        return Judgement(
            question_id=question.id,
            valid=False,
            reason=reason,
            score=0.0,
            band="invalid",
            missed=[k.text for k in question.must_points],
            follow_up=None,
            sentences=sentences or [],
            features=feats or {},
            model=self.model,
            grader_version=f"{GRADER_VERSION}/{self.calibration.version}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )


def _key(question: Question) -> str:
    return f"{question.id}@{question.fingerprint()}"


class Ceiling(NamedTuple):
    """The most any judge may give an answer, and why (shown with the judgement)."""

    score: float
    reason: str


def ceiling(feats: dict[str, float], question: Question, answer: str) -> Ceiling | None:
    """Product rules that the human-graded data cannot teach: when an answer is weak at best.

    - Shorter than the question needs (`gate.min_words`), or one word: a few words can name the
      right thing but explain nothing ("Kubernetes"), and one word cannot be told from a wrong one
      by similarity ("one" for "unlimited"). They score WEAK_MAX at most, and less in proportion
      when their words are not on the reference ("yes", "ok": align_precision under ON_REFERENCE).
      Against a quiz reference of a few words, a few words can be the whole answer ("push and
      pop"), and then nothing caps them.
    - Near none of the key points: similar words, nothing the reference asks for.
    - Under a tenth of the reference's length (BRIEF_SHARE): a line where the question needs a
      paragraph ("small share of traffic" for a 90-word canary reference scored 7.2) is partial at
      most. The human-graded data cannot teach this: its references are 31 words at most, so there
      the rule only reaches answers the first one already holds lower.
    """
    n, need = len(words(answer)), min_words(question)
    if n < need or n == 1:
        top = WEAK_MAX * min(1.0, max(0.0, feats["align_precision"]) / ON_REFERENCE)
        why = f"a full answer has at least {need}" if n < need else "one word names, it does not explain"
        return Ceiling(
            round(top, 1),
            f"Too short for this question ({n} word{'s' if n != 1 else ''}; {why}), "
            f"so it scores {WEAK_MAX} at most: explain the why and give an example.",
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
    graders of short quiz answers graded, and what an interview must not.
    """
    score = calibration.score(feats)
    if not getattr(question, "derived_key_points", False):
        bound = calibration.key_point_bound
        score *= bound + (1.0 - bound) * feats["kp_credit"]
    limit = ceiling(feats, question, answer)
    return (score if limit is None else min(score, limit.score)), limit


def stem(word: str) -> str:
    """A light suffix stripper, enough for "deploys" / "deployed" / "deploying" to meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


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


def follow_up(question: Question, missed: list[str]) -> str | None:
    """A follow-up aimed at the most important missed point: an authored one if it fits."""
    if not missed:
        return question.follow_ups[0] if question.follow_ups else None
    target = set(content_words(missed[0])) - set(content_words(question.prompt))
    best = max(question.follow_ups, key=lambda f: len(target & set(content_words(f))), default=None)
    if best is not None and target & set(content_words(best)):
        return best
    return f"You did not cover this point: “{missed[0]}”. How would you explain it, with an example?"


def feedback(results: list[KeyPointResult], feats: dict[str, float], limit: Ceiling | None = None) -> list[str]:
    """Short, evidence-based remarks for the embedding judge (no LLM)."""
    notes = []
    hit = [r for r in results if r.hit]
    must = [r for r in results if r.weight == "must"]
    notes.append(
        f"Covered {len(hit)} of {len(results)} key points ({sum(r.hit for r in must)} of {len(must)} must-have)."
    )
    if limit is not None:
        notes.append(limit.reason)
    elif feats["length"] < 0.5:
        notes.append("The answer is short for this question: explain the why and give an example.")
    if not hit:
        notes.append("No sentence clearly matched a key point: name the core concepts explicitly.")
    return notes
