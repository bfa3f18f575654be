"""The offline judge: gate, key-point evidence from sentence embeddings, calibrated score.

This module batches and caches; what a number is made of lives in `scoring`, what is said about
it in `feedback`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..bank import Question
from ..embeddings import Embedder, Encoded, encode, holistic, model_version, point_alignment, similarities
from ..store import ReferenceStore, ReferenceVectors, demoted, reference_texts
from ..text import clean, split_sentences
from .calibration import Calibration, load_calibration
from .feedback import feedback, follow_up
from .gate import NO_ANSWER, NON_ANSWER_EXAMPLES, NON_ANSWER_SIMILARITY, Gate
from .injection import IGNORED, INSTRUCTION_EXAMPLES, ONLY_INSTRUCTIONS, instruction_mask
from .judgement import Judgement, KeyPointResult, MisconceptionResult, band_for
from .misconceptions import opposite_polarity, stated
from .scoring import features, final_score
from .star import StarReader

# 3: short answers graded under a ceiling, non-answers; 4: key points hit by word match, brief-answer ceiling;
# 5: misconceptions, negated key points and instructions to the grader earn nothing;
# 6: ... nor count as near their point by their words; follow-ups name the key point they ask about
GRADER_VERSION = "embedding-6"
UNRELATED = 0.25  # a sentence this far from the reference says nothing about it (see _grade)
MAX_CACHED_REFERENCES = 512  # per judge; a reference costs a few KB of token vectors


@dataclass(frozen=True)
class Reference:
    """A question's embedded reference, cached by the judge."""

    vectors: ReferenceVectors
    tokens: np.ndarray  # (t, d) content-word token vectors of the demoted reference sentences
    point_tokens: list[np.ndarray]  # the same for each key point
    misconception_tokens: list[np.ndarray]  # ... and for each authored misconception
    misconceptions: np.ndarray  # (m, d) sentence vectors of the demoted misconceptions
    follow_ups: np.ndarray  # (f, d) sentence vectors of the demoted authored follow-ups


@dataclass
class _Pending:
    """An answer that passed the text gate, waiting for its vectors."""

    index: int
    text: str
    sentences: list[str]
    at: int = 0  # where its sentences start in the batch of encoded texts
    star_at: int | None = None  # ... and, for a behavioural question, the same sentences as said (`star`)


@dataclass(frozen=True)
class _Planned:
    """A reference to embed in the batch: where its texts start, how many sentences and key points."""

    key: str
    at: int
    sentences: int
    points: int
    misconceptions: int
    follow_ups: int
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
        self.star = StarReader(embedder)

    @cached_property
    def _non_answers(self) -> np.ndarray:
        """Vectors of the gate's non-answer examples (embedded on first use; a repeat is harmless)."""
        return self.embedder.embed_batch(list(NON_ANSWER_EXAMPLES))

    @cached_property
    def _instructions(self) -> np.ndarray:
        """Vectors of what an instruction to the grader says (`injection`)."""
        return self.embedder.embed_batch(list(INSTRUCTION_EXAMPLES))

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
        for p in pending:
            if questions[p.index].kind == "behavioral":  # STAR reads the sentences as said, not demoted
                p.star_at = len(texts)
                texts += p.sentences
        plan, refs = self._plan_references([questions[p.index] for p in pending], texts)
        encoded = encode(self.embedder, texts)
        refs.update(self._take_references(plan, encoded))
        # Each judgement reports its own work plus its share of the batch's encode.
        shared = (time.perf_counter() - started) / max(1, len(pending))
        for p in pending:
            question = questions[p.index]
            own = encoded[p.at : p.at + len(p.sentences)]
            graded = self._grade(
                question, p.text, p.sentences, own, refs[question.versioned_id], time.perf_counter() - shared
            )
            if p.star_at is not None and graded.valid:
                said = np.stack([e.vector for e in encoded[p.star_at : p.star_at + len(p.sentences)]])
                graded.star = self.star.analyse(p.sentences, said)  # feedback beside the score, not in it
            results[p.index] = graded
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
        # Sentences that address the grader earn nothing and are reported (`injection`).
        instructions = instruction_mask(sentences, sentence_vectors, self._instructions)
        ignored = [s for s, flagged in zip(sentences, instructions) if flagged]
        filler |= instructions
        if filler.all():
            reason = ONLY_INSTRUCTIONS if ignored else NO_ANSWER
            return self._invalid(question, reason, started, sentences, ignored=ignored)
        # Sentences unrelated to the reference ("Ignore all previous instructions...", small talk)
        # are left out of the evidence when the answer has related ones: padding neither helps an
        # answer nor dilutes it (an off-topic answer stays off-topic with a sentence of junk added).
        # A question about one point is answered by the whole answer: "You can tell without labels."
        # says little on its own and is half of the point with the next sentence.
        related = np.flatnonzero((sentence_vectors @ ref.vectors.reference >= UNRELATED) & ~filler)
        used = related if len(related) and not question.one_point else np.flatnonzero(~filler)
        sentence_vectors = sentence_vectors[used]
        answer_vector = holistic(sentence_vectors)
        similarity = float(answer_vector @ ref.vectors.reference)
        verdict = self.gate.check_topic(similarity, self._nearest_other(question, answer_vector, ref), self.calibration)
        if verdict is not None:
            return self._invalid(question, verdict, started, sentences, {"holistic": similarity}, ignored)

        used_sentences = [sentences[i] for i in used]
        tokens = [encoded[i].tokens for i in used]
        results, wrong = self._points(question, ref, used_sentences, sentence_vectors, tokens)
        results = [
            r.model_copy(update={"evidence_index": int(used[r.evidence_index])}) if r.evidence_index is not None else r
            for r in results
        ]
        wrong = [m.model_copy(update={"evidence_index": int(used[m.evidence_index])}) for m in wrong]
        answer_tokens = np.vstack([encoded[i].tokens for i in used])
        feats = features(
            similarity, results, similarities(answer_tokens, ref.tokens), text, question, self.calibration.hit_threshold
        )
        feats["misconceptions"] = float(len(wrong))
        fitted, limit = final_score(self.calibration, feats, question, text)
        score = round(fitted, 1)
        missed = [r.text for r in sorted(results, key=lambda r: r.similarity) if not r.hit and r.weight == "must"]
        missed_nice = [r.text for r in results if not r.hit and r.weight == "nice"]
        ask, point = follow_up(question, missed + missed_nice, ref.follow_ups @ ref.vectors.key_points.T)
        return Judgement(
            question_id=question.id,
            valid=True,
            score=score,
            band=band_for(score),
            key_points=results,
            missed=missed,
            missed_nice=missed_nice,
            follow_up=ask,
            follow_up_point=point,
            misconceptions=wrong,
            feedback=feedback(results, feats, score, limit, wrong) + ([IGNORED] if ignored else []),
            ignored_instructions=ignored,
            ceiling=None if limit is None else limit.score,
            sentences=sentences,
            features={k: round(v, 4) for k, v in feats.items()},
            model=self.model,
            grader_version=f"{GRADER_VERSION}/{self.calibration.version}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _points(
        self,
        question: Question,
        ref: Reference,
        sentences: list[str],
        sentence_vectors: np.ndarray,
        tokens: list[np.ndarray],
    ) -> tuple[list[KeyPointResult], list[MisconceptionResult]]:
        """Each key point's verdict and evidence, and the misconceptions the sentences state.

        A key point is hit by the sentence that says most of its words in context (word match), not
        by the sentence vector nearest to it: on labelled answers (tests/data/points) word match tells
        stated points from unstated ones far better (docs/ACCURACY.md has the figures), and one long
        sentence that states several points is one vector far from each of them. A sentence is no
        evidence for a point when it states a misconception that contradicts the point, or when its
        polarity is the opposite of the point's (`misconceptions`). Indices are into `sentences`.
        """
        kp_sims = sentence_vectors @ ref.vectors.key_points.T  # (sentences, key points)
        kp_words = point_alignment(ref.point_tokens, tokens)
        # A sentence that says the opposite of a point, or states a misconception against it, is no
        # evidence for the point, nor by its words near it (`scoring.features`: kp_credit).
        against = opposite_polarity(question, sentences)
        found: list[MisconceptionResult] = []
        if question.misconceptions:
            matches = point_alignment(ref.misconception_tokens, tokens)
            claims = (matches + sentence_vectors @ ref.misconceptions.T) / 2
            for i, s in stated(question, sentences, (kp_words + kp_sims) / 2, claims):
                m = question.misconceptions[i]
                found.append(MisconceptionResult(**m.model_dump(), evidence=sentences[s], evidence_index=s))
                against[s, [k.text for k in question.key_points].index(m.contradicts)] = True
        credible = np.where(against, 0.0, kp_words)
        evidence = list(sentences)
        if question.one_point and len(sentences) > 1:
            # The answer as a whole, unless one of its sentences says the opposite: "You can tell
            # without labels. Compare each feature with a reference window." states the point in two.
            whole = point_alignment(ref.point_tokens, [np.vstack(tokens)]) * ~against.any(axis=0)
            credible = np.vstack([credible, whole])
            evidence.append(" ".join(sentences))
        results = []
        for j, kp in enumerate(question.key_points):
            best = int(np.argmax(credible[:, j]))
            hit = bool(credible[best, j] >= self.calibration.hit_threshold)
            at = best if hit and best < len(sentences) else None  # None: the whole answer
            results.append(
                KeyPointResult(
                    text=kp.text,
                    weight=kp.weight,
                    hit=hit,
                    similarity=round(max(-1.0, min(1.0, float(kp_sims[:, j].max()))), 4),
                    word_match=round(max(-1.0, min(1.0, float(credible[best, j]))), 4),
                    evidence=evidence[best] if hit else None,
                    evidence_index=at,
                )
            )
        # One sentence, one misconception: keep the first sentence that states each.
        first = {m.text: m for m in reversed(found)}
        return results, sorted(first.values(), key=lambda m: m.evidence_index)

    def _plan_references(
        self, questions: Sequence[Question], texts: list[str]
    ) -> tuple[list[_Planned], dict[str, Reference]]:
        """The cached references, and for the others: their texts appended to `texts`, where each starts."""
        plan: dict[str, _Planned] = {}
        known: dict[str, Reference] = {}
        for question in questions:
            key = question.versioned_id
            cached = self._references.get(key)
            if cached is not None:
                known[key] = cached
            if cached is not None or key in plan:
                continue
            stored = self._stored_vectors(question)
            sentences, points = reference_texts(question)
            wrong = demoted([m.text for m in question.misconceptions], question)
            asks = demoted(list(question.follow_ups), question)
            plan[key] = _Planned(key, len(texts), len(sentences), len(points), len(wrong), len(asks), stored)
            texts += sentences + points + wrong + asks
        return list(plan.values()), known

    def _take_references(self, plan: list[_Planned], encoded: list[Encoded]) -> dict[str, Reference]:
        """The references of `plan`, built from the encoded batch and cached."""
        fresh = {}
        for item in plan:
            sentences = encoded[item.at : item.at + item.sentences]
            at = item.at + item.sentences
            points = encoded[at : at + item.points]
            at += item.points
            wrong = encoded[at : at + item.misconceptions]
            asks = encoded[at + item.misconceptions : at + item.misconceptions + item.follow_ups]
            vectors = item.stored or ReferenceVectors(
                reference=holistic(np.stack([e.vector for e in sentences])),
                key_points=np.stack([e.vector for e in points]),
            )
            fresh[item.key] = Reference(
                vectors,
                np.vstack([e.tokens for e in sentences]),
                [e.tokens for e in points],
                [e.tokens for e in wrong],
                _vectors(wrong, len(sentences[0].vector)),
                _vectors(asks, len(sentences[0].vector)),
            )
            self._remember(item.key, fresh[item.key])
        return fresh

    def _remember(self, key: str, reference: Reference) -> None:
        while len(self._references) >= MAX_CACHED_REFERENCES:
            self._references.pop(next(iter(self._references)))
        self._references[key] = reference

    def _stored_vectors(self, question: Question) -> ReferenceVectors | None:
        """The reference and key-point vectors embedded at ingest, when the question is indexed."""
        if self.store is None or not question.in_bank:
            return None
        return self.store.reference_vectors(question)

    def _nearest_other(self, question: Question, vector: np.ndarray, ref: Reference) -> tuple[str, float] | None:
        """The bank's nearest other reference; for an ad-hoc question, the nearest on another topic."""
        if self.store is None:
            return None
        unlike = None if question.in_bank else ref.vectors.reference
        return self.store.nearest_other_reference(vector, exclude=question.id, unlike=unlike)

    def _invalid(
        self,
        question: Question,
        reason: str,
        started: float,
        sentences: list[str] | None = None,
        feats: dict[str, float] | None = None,
        ignored: list[str] | None = None,
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
            ignored_instructions=ignored or [],
            features=feats or {},
            model=self.model,
            grader_version=f"{GRADER_VERSION}/{self.calibration.version}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )


def _vectors(encoded: list[Encoded], dim: int) -> np.ndarray:
    """The sentence vectors of `encoded` as rows, (0, dim) when there are none."""
    return np.array([e.vector for e in encoded]) if encoded else np.zeros((0, dim))
