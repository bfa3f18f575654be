"""The offline judge: gate, key-point evidence from sentence embeddings, calibrated score."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import ValidationError

from ..corpus import KeyPoint, Question
from ..embeddings import Embedder, model_version
from ..errors import InputError
from ..text import clean, content_words, demote, split_sentences, words
from .calibration import Calibration, load_calibration
from .gate import Gate
from .judgement import Judgement, KeyPointResult, band_for

if TYPE_CHECKING:
    from ..store import ReferenceStore

GRADER_VERSION = "embedding-1"
WEIGHTS = {"must": 2.0, "nice": 1.0}  # a must-have point counts twice a nice-to-have one


@dataclass(frozen=True)
class ReferenceVectors:
    """What grading needs from a question, embedded once (at ingest for corpus questions)."""

    reference: np.ndarray  # (d,) unit vector of the reference answer
    key_points: np.ndarray  # (k, d) one unit vector per key point


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


def adhoc_question(prompt: str, reference: str, key_points: list[str] | None = None) -> Question:
    """A question built on the fly (no corpus): key points given, or derived from the reference."""
    try:
        points = tuple(KeyPoint(text=k) for k in key_points) if key_points else derive_key_points(reference)
        return Question(
            id="adhoc",
            prompt=prompt,
            kind="concept",
            category="adhoc",
            difficulty="medium",
            reference_answer=reference,
            key_points=points,
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

    def reference_vectors(self, question: Question) -> ReferenceVectors:
        if self.store is not None and question.id != "adhoc":
            cached = self.store.reference_vectors(question)
            if cached is not None:
                return cached
        return embed_reference(self.embedder, question)

    def judge(self, question: Question, answer: str) -> Judgement:
        """Grade one answer to one question."""
        started = time.perf_counter()
        text = clean(answer)
        verdict = self.gate.check_length(answer) or self.gate.check_text(text, question)
        if verdict is not None:
            return self._invalid(question, verdict, started)
        sentences = split_sentences(text)
        sentence_vectors = self.embedder.embed_batch(demoted(sentences, question))
        answer_vector = holistic(sentence_vectors)
        ref = self.reference_vectors(question)
        similarity = float(answer_vector @ ref.reference)
        verdict = self.gate.check_topic(similarity, self._nearest_other(question, answer_vector), self.calibration)
        if verdict is not None:
            return self._invalid(question, verdict, started, sentences, {"holistic": similarity})

        kp_sims = sentence_vectors @ ref.key_points.T  # (sentences, key points)
        results = []
        for j, kp in enumerate(question.key_points):
            best = int(np.argmax(kp_sims[:, j]))
            sim = float(kp_sims[best, j])
            hit = sim >= self.calibration.hit_threshold
            results.append(
                KeyPointResult(
                    text=kp.text,
                    weight=kp.weight,
                    hit=hit,
                    similarity=round(max(-1.0, min(1.0, sim)), 4),
                    evidence=sentences[best] if hit else None,
                    evidence_index=best if hit else None,
                )
            )
        feats = features(similarity, results, text, question)
        score = round(self.calibration.score(feats), 1)
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
            feedback=feedback(results, feats),
            sentences=sentences,
            features={k: round(v, 4) for k, v in feats.items()},
            model=self.model,
            grader_version=f"{GRADER_VERSION}/{self.calibration.version}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )

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


def features(similarity: float, results: list[KeyPointResult], answer: str, question: Question) -> dict[str, float]:
    """The evidence the calibrated score is computed from; names match calibration.json."""
    weights = np.array([WEIGHTS[r.weight] for r in results])
    sims = np.array([r.similarity for r in results])
    hits = np.array([r.hit for r in results], dtype=float)
    answer_words = len(words(answer))
    reference_words = max(1, len(words(question.reference_answer)))
    answer_terms = set(content_words(answer))
    reference_terms = set(content_words(question.reference_answer)) - set(content_words(question.prompt))
    return {
        "holistic": similarity,
        "kp_mean": float(weights @ sims / weights.sum()),
        "kp_hit": float(weights @ hits / weights.sum()),
        "lexical": len(answer_terms & reference_terms) / max(1, len(reference_terms)),
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


def feedback(results: list[KeyPointResult], feats: dict[str, float]) -> list[str]:
    """Short, evidence-based remarks for the embedding judge (no LLM)."""
    notes = []
    hit = [r for r in results if r.hit]
    must = [r for r in results if r.weight == "must"]
    notes.append(
        f"Covered {len(hit)} of {len(results)} key points ({sum(r.hit for r in must)} of {len(must)} must-have)."
    )
    if feats["length"] < 0.5:
        notes.append("The answer is short for this question: explain the why and give an example.")
    if not hit:
        notes.append("No sentence clearly matched a key point: name the core concepts explicitly.")
    return notes
