"""Mock interviews: a timed list of questions, each answer graded and saved as it is submitted,
each followed by up to N follow-ups on what it missed; optionally adaptive in difficulty."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Unpack

from ..bank import Corpus, Question
from ..config import LLMSettings
from ..history import Attempt, History, RecordOptions
from .adaptive import START, next_difficulty, pick_adaptive
from .follow_ups import FollowUpTurn, next_follow_up, phrase_follow_up
from .report import CategoryScore, MockReport
from .selection import QuestionFilter, plan_questions
from .threads import MockSlot, slot_row

MAX_FOLLOW_UPS = 3
# A follow-up shares the question's clock: with less than this left, it could not be answered.
MIN_FOLLOW_UP_S = 15.0

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


@dataclass
class MockInterview:
    """A timed interview: no feedback until the end, every answer saved as it is graded.

    A question and its follow-ups share the question's time limit: the clock starts when the
    question is shown and runs through its follow-ups; when it runs out, the answer in progress
    is submitted as it stands and the next question comes.
    """

    id: str
    seconds_per_question: int
    slots: list[MockSlot]
    created_at: float = field(default_factory=time.time)
    index: int = 0
    stopped: bool = False
    follow_ups: int = 0  # the most asked after each answer (0-3)
    adaptive: bool = False
    flt: QuestionFilter | None = None  # the categories an adaptive choice stays within
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def finished(self) -> bool:
        return self.stopped or self.index >= len(self.slots)

    @property
    def current(self) -> MockSlot | None:
        return None if self.finished else self.slots[self.index]

    @property
    def asking(self) -> FollowUpTurn | None:
        """The follow-up the candidate is answering now, if any."""
        slot = self.current
        return slot.asking if slot is not None else None

    def start_current(self, now: float | None = None) -> MockSlot | None:
        """Start the clock of the current question (once)."""
        slot = self.current
        if slot is not None and slot.started_at is None:
            slot.started_at = time.time() if now is None else now
        return slot

    def remaining(self, now: float | None = None) -> float:
        """Seconds left for the current question and its follow-ups (the full time if its clock has not started)."""
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
        """Grade and save the current answer (as it stands when time is up): the question's, or the
        follow-up's being asked. Then ask the next follow-up, or move to the next question."""
        slot = self.start_current(now)
        if slot is None:
            return None
        now = time.time() if now is None else now
        late = self.remaining(now) <= 0 if timed_out is None else timed_out
        question = corpus.get(slot.question_id)
        asked = slot.asking
        if asked is not None:
            attempt = self._answer_follow_up(engine, history, question, slot, asked, answer, llm, now, late, extra)
        else:
            used = min(float(self.seconds_per_question), now - (slot.started_at or now))
            attempt = answer_question(
                engine,
                history,
                question,
                answer,
                llm,
                session_id=self.id,
                mode="mock",
                answer_seconds=round(used, 1),
                time_limit=self.seconds_per_question,
                timed_out=late,
                extra={**(extra or {}), "mock": {"follow_ups": self.follow_ups, "adaptive": self.adaptive}},
            )
            _keep(slot, answer, attempt, used, late)
        if late or not self._ask(engine, question, slot, now, llm, answer):
            self._next(corpus)
        return attempt

    def _answer_follow_up(
        self,
        engine: Engine,
        history: History,
        question: Question,
        slot: MockSlot,
        turn: FollowUpTurn,
        answer: str,
        llm: LLMSettings | None,
        now: float,
        late: bool,
        extra: dict[str, Any] | None,
    ) -> Attempt:
        """Grade a follow-up's answer on its one point and save it under the question's attempt."""
        used = max(0.0, min(now - turn.asked_at, float(self.seconds_per_question)))
        attempt = answer_question(
            engine,
            history,
            engine.point_question(question, turn.point),
            answer,
            llm,
            session_id=self.id,
            mode="follow-up",
            prompt=turn.prompt,
            parent_id=slot.attempt_id,
            answer_seconds=round(used, 1),
            time_limit=self.seconds_per_question,
            timed_out=late,
            extra={**(extra or {}), "follow_up": {"point": turn.point, "written_by": turn.written_by}},
        )
        _keep(turn, answer, attempt, used, late)
        return attempt

    def _ask(
        self, engine: Engine, question: Question, slot: MockSlot, now: float, llm: LLMSettings | None, answer: str
    ) -> bool:
        """Ask the next follow-up on the slot's answer, if one is due and time is left (in the LLM's
        words when one is configured and they pass the checks); whether one was asked."""
        if slot.judgement is None or len(slot.follow_ups) >= self.follow_ups:
            return False
        if self.remaining(now) < MIN_FOLLOW_UP_S:
            return False
        chosen = next_follow_up(engine, question, slot.judgement, [t.point for t in slot.follow_ups])
        if chosen is None:
            return False
        text, point = chosen
        turn = FollowUpTurn(text, point, asked_at=now)
        if llm is not None and llm.configured:
            phrased = phrase_follow_up(llm, engine.embedder, question, point, text, answer)
            turn.prompt, turn.note = phrased.text, phrased.dropped
            turn.written_by = llm.model if phrased.by_llm else None
        slot.follow_ups.append(turn)
        return True

    def _next(self, corpus: Corpus) -> None:
        """Move to the next question; when adaptive, choose it by the last thread's score."""
        done = self.slots[self.index]
        self.index += 1
        if not self.adaptive or self.finished or done.judgement is None:
            return
        row = slot_row(1, done, corpus)
        level = next_difficulty(row.difficulty, row.thread_score)
        upcoming = self.slots[self.index]
        kinds = (corpus.get(upcoming.question_id).kind,)
        used = {s.question_id for s in self.slots[: self.index]}
        pick = pick_adaptive(corpus, level, self.flt, used, kinds, self.rng)
        if pick is not None:
            others = {s.question_id for s in self.slots[self.index + 1 :]}
            if pick.id in others:  # planned later: swap, so no question is asked twice
                later = next(s for s in self.slots[self.index + 1 :] if s.question_id == pick.id)
                later.question_id = upcoming.question_id
            upcoming.question_id = pick.id

    def stop(self) -> None:
        """End early: the report covers what was answered."""
        self.stopped = True

    def report(self, corpus: Corpus) -> MockReport:
        return build_report(self, corpus)

    @classmethod
    def from_attempts(cls, attempts: Sequence[Attempt], corpus: Corpus) -> MockInterview:
        """A past interview rebuilt from its stored attempts (one session's: its answers and their
        follow-ups). A question not reached was never stored; one since removed from the bank is left out."""
        stored = [a for a in attempts if a.mode == "mock"]
        if not stored:
            raise ValueError("no answer of a mock interview among these attempts")
        mains = [a for a in stored if a.question_id in corpus.pack_of]
        slots = {
            a.id: MockSlot(
                a.question_id,
                started_at=a.created_at,
                answer=a.answer,
                attempt_id=a.id,
                judgement=a.judgement,
                seconds_used=a.answer_seconds,
                timed_out=a.timed_out,
                delivery=a.extra.get("delivery"),
            )
            for a in mains
        }
        for a in attempts:
            if a.mode == "follow-up" and a.parent_id in slots:
                slots[a.parent_id].follow_ups.append(
                    FollowUpTurn(
                        a.prompt,
                        a.extra.get("follow_up", {}).get("point", ""),
                        asked_at=a.created_at - (a.answer_seconds or 0),
                        answer=a.answer,
                        attempt_id=a.id,
                        judgement=a.judgement,
                        seconds_used=a.answer_seconds,
                        timed_out=a.timed_out,
                        delivery=a.extra.get("delivery"),
                        written_by=a.extra.get("follow_up", {}).get("written_by"),
                    )
                )
        first = stored[0]
        options = first.extra.get("mock", {})
        return cls(
            first.session_id,
            int(first.time_limit or 0),
            list(slots.values()),
            created_at=first.created_at,
            index=len(slots),
            follow_ups=int(options.get("follow_ups", max((len(s.follow_ups) for s in slots.values()), default=0))),
            adaptive=bool(options.get("adaptive", False)),
        )


def start_mock(
    corpus: Corpus,
    n: int,
    seconds_per_question: int,
    flt: QuestionFilter | None = None,
    rng: random.Random | None = None,
    follow_ups: int = 0,
    adaptive: bool = False,
    question_ids: Sequence[str] = (),
) -> MockInterview:
    """A new mock interview of n questions (fewer if the filter leaves fewer), with up to `follow_ups`
    follow-ups after each answer. Adaptive: the first question is of medium difficulty (or the nearest
    left) and each next one follows the last thread's score, within the filter's categories.
    `question_ids` (a job plan's) are asked in their order instead, the first n in the bank."""
    if n < 1:
        raise ValueError("a mock interview needs at least one question")
    if not 0 <= follow_ups <= MAX_FOLLOW_UPS:
        raise ValueError(f"follow-ups per question must be 0 to {MAX_FOLLOW_UPS}")
    rng = rng or random.Random()
    if adaptive:
        flt = replace(flt or QuestionFilter(), difficulties=())
    if question_ids:
        questions = [corpus.get(q) for q in dict.fromkeys(question_ids) if q in corpus.pack_of][:n]
        adaptive = False  # the plan chose the questions
    else:
        questions = plan_questions(corpus, n, flt, rng)
    slots = [MockSlot(q.id) for q in questions]
    if adaptive and questions:
        first = pick_adaptive(corpus, START, flt, kinds=(questions[0].kind,), rng=rng)
        if first is not None and first.id != slots[0].question_id:
            later = next((s for s in slots[1:] if s.question_id == first.id), None)
            if later is not None:
                later.question_id = slots[0].question_id
            slots[0].question_id = first.id
    return MockInterview(
        id=f"mock-{uuid.uuid4().hex[:12]}",
        seconds_per_question=seconds_per_question,
        slots=slots,
        follow_ups=follow_ups,
        adaptive=adaptive,
        flt=flt,
        rng=rng,
    )


def build_report(interview: MockInterview, corpus: Corpus) -> MockReport:
    """Per-question threads and scores, the overall score and categories from best to worst."""
    rows = [slot_row(i, slot, corpus) for i, slot in enumerate(interview.slots, start=1)]
    asked = [r for r in rows if r.answered] or rows
    by_category: dict[str, list[float]] = {}
    for r in asked:
        by_category.setdefault(r.category, []).append(r.thread_score)
    categories = sorted(
        (CategoryScore(c, corpus.category_title(c), round(sum(s) / len(s), 1), len(s)) for c, s in by_category.items()),
        key=lambda c: (-c.score, c.category),
    )
    return MockReport(
        interview.id,
        interview.created_at,
        interview.seconds_per_question,
        tuple(rows),
        tuple(categories),
        follow_ups=interview.follow_ups,
        adaptive=interview.adaptive,
    )


def _keep(turn: MockSlot | FollowUpTurn, answer: str, attempt: Attempt, used: float, late: bool) -> None:
    """What a turn (the question's answer, or a follow-up's) keeps of its stored attempt."""
    turn.answer, turn.attempt_id, turn.judgement = answer, attempt.id, attempt.judgement
    turn.seconds_used, turn.timed_out = round(used, 1), late
    turn.delivery = attempt.extra.get("delivery")
