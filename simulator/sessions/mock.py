"""Mock interviews: a timed list of questions, each answer graded and saved as it is submitted."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from ..bank import Corpus, Question
from ..config import LLMSettings
from ..grading import Judgement
from ..history import Attempt, History, RecordOptions
from .report import CategoryScore, MockReport, ReportRow
from .selection import CONCEPT_KINDS, SCENARIO_KINDS, QuestionFilter, select

if TYPE_CHECKING:
    from ..engine import Engine


def answer_question(
    engine: Engine,
    history: History,
    question: Question,
    answer: str,
    llm: LLMSettings | None = None,
    **options: Unpack[RecordOptions],
) -> Attempt:
    """Grade an answer and write it to history before anyone sees the score."""
    return history.record(question, answer, engine.grade(question, answer, llm), **options)


def plan_questions(
    corpus: Corpus, n: int, flt: QuestionFilter | None = None, rng: random.Random | None = None
) -> list[Question]:
    """n questions alternating concepts and scenarios, spread over categories as far as possible."""
    rng = rng or random.Random()
    pool = select(corpus, flt)
    concepts = [q for q in pool if q.kind in CONCEPT_KINDS]
    scenarios = [q for q in pool if q.kind in SCENARIO_KINDS]
    others = [q for q in pool if q.kind not in CONCEPT_KINDS + SCENARIO_KINDS]
    for group in (concepts, scenarios, others):
        rng.shuffle(group)
    lanes = (concepts, scenarios)
    chosen: list[Question] = []
    used_categories: set[str] = set()
    turn = rng.randrange(2)
    while len(chosen) < n:
        # Alternate lanes; when one runs dry take from the other, then from the rest (behavioural).
        lane = lanes[turn % 2] or lanes[(turn + 1) % 2] or others
        if not lane:
            break
        # Prefer a category not asked yet; otherwise take the next question in the lane.
        pick = next((q for q in lane if q.category not in used_categories), lane[0])
        lane.remove(pick)
        chosen.append(pick)
        used_categories.add(pick.category)
        turn += 1
    return chosen


@dataclass
class MockSlot:
    """One question of a mock interview and what happened to it."""

    question_id: str
    started_at: float | None = None
    answer: str | None = None
    attempt_id: int | None = None
    judgement: Judgement | None = None
    seconds_used: float | None = None
    timed_out: bool = False
    delivery: dict[str, Any] | None = None  # as stored with the attempt

    @property
    def answered(self) -> bool:
        return self.judgement is not None


@dataclass
class MockInterview:
    """A timed interview: no feedback until the end, every answer saved as it is graded."""

    id: str
    seconds_per_question: int
    slots: list[MockSlot]
    created_at: float = field(default_factory=time.time)
    index: int = 0
    stopped: bool = False

    @property
    def finished(self) -> bool:
        return self.stopped or self.index >= len(self.slots)

    @property
    def current(self) -> MockSlot | None:
        return None if self.finished else self.slots[self.index]

    def start_current(self, now: float | None = None) -> MockSlot | None:
        """Start the clock of the current question (once)."""
        slot = self.current
        if slot is not None and slot.started_at is None:
            slot.started_at = time.time() if now is None else now
        return slot

    def remaining(self, now: float | None = None) -> float:
        """Seconds left for the current question (the full time if its clock has not started)."""
        slot = self.current
        if slot is None:
            return 0.0
        if slot.started_at is None:
            return float(self.seconds_per_question)
        now = time.time() if now is None else now
        return max(0.0, self.seconds_per_question - (now - slot.started_at))

    def expired(self, now: float | None = None) -> bool:
        slot = self.current
        return slot is not None and slot.started_at is not None and self.remaining(now) <= 0

    def submit(
        self,
        engine: Engine,
        history: History,
        corpus: Corpus,
        answer: str,
        llm: LLMSettings | None = None,
        now: float | None = None,
        timed_out: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Attempt | None:
        """Grade and save the current answer (as it stands when time is up), then move on."""
        slot = self.start_current(now)
        if slot is None:
            return None
        now = time.time() if now is None else now
        used = min(float(self.seconds_per_question), now - (slot.started_at or now))
        late = self.remaining(now) <= 0 if timed_out is None else timed_out
        attempt = answer_question(
            engine,
            history,
            corpus.get(slot.question_id),
            answer,
            llm,
            session_id=self.id,
            mode="mock",
            answer_seconds=round(used, 1),
            time_limit=self.seconds_per_question,
            timed_out=late,
            extra=extra,
        )
        slot.answer, slot.attempt_id, slot.judgement = answer, attempt.id, attempt.judgement
        slot.seconds_used, slot.timed_out = round(used, 1), late
        slot.delivery = attempt.extra.get("delivery")
        self.index += 1
        return attempt

    def stop(self) -> None:
        """End early: the report covers what was answered."""
        self.stopped = True

    def report(self, corpus: Corpus) -> MockReport:
        return build_report(self, corpus)


def start_mock(
    corpus: Corpus,
    n: int,
    seconds_per_question: int,
    flt: QuestionFilter | None = None,
    rng: random.Random | None = None,
) -> MockInterview:
    """A new mock interview of n questions (fewer if the filter leaves fewer)."""
    if n < 1:
        raise ValueError("a mock interview needs at least one question")
    questions = plan_questions(corpus, n, flt, rng)
    return MockInterview(
        id=f"mock-{uuid.uuid4().hex[:12]}",
        seconds_per_question=seconds_per_question,
        slots=[MockSlot(q.id) for q in questions],
    )


def build_report(interview: MockInterview, corpus: Corpus) -> MockReport:
    """Per-question scores, the overall score and categories from best to worst."""
    rows: list[ReportRow] = []
    for i, slot in enumerate(interview.slots, start=1):
        q = corpus.get(slot.question_id)
        j = slot.judgement
        rows.append(
            ReportRow(
                number=i,
                question_id=q.id,
                prompt=q.prompt,
                category=q.category,
                category_title=corpus.category_title(q.category),
                kind=q.kind,
                difficulty=q.difficulty,
                answered=j is not None,
                answer=slot.answer or "",
                score=j.score if j else 0.0,
                band=j.band if j else "not reached",
                valid=bool(j and j.valid),
                reason=(j.reason or "") if j else "",
                seconds_used=slot.seconds_used,
                timed_out=slot.timed_out,
                key_points_hit=sum(k.hit for k in j.key_points) if j else 0,
                key_points_total=len(q.key_points),
                missed=tuple(j.missed) if j else tuple(k.text for k in q.must_points),
                reference_answer=q.reference_answer,
                delivery=slot.delivery,
            )
        )
    asked = [r for r in rows if r.answered] or rows
    by_category: dict[str, list[float]] = {}
    for r in asked:
        by_category.setdefault(r.category, []).append(r.score)
    categories = sorted(
        (CategoryScore(c, corpus.category_title(c), round(sum(s) / len(s), 1), len(s)) for c, s in by_category.items()),
        key=lambda c: (-c.score, c.category),
    )
    return MockReport(
        interview.id, interview.created_at, interview.seconds_per_question, tuple(rows), tuple(categories)
    )
