"""A question's thread in a mock interview: its answer and follow-ups, and the report row they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..bank import Corpus
from ..grading import Judgement
from .follow_ups import FollowUpTurn
from .report import ReportRow, TurnRow


@dataclass
class MockSlot:
    """One question of a mock interview and what happened to it: its answer, then its follow-ups."""

    question_id: str
    started_at: float | None = None
    answer: str | None = None
    attempt_id: int | None = None
    judgement: Judgement | None = None
    seconds_used: float | None = None
    timed_out: bool = False
    delivery: dict[str, Any] | None = None  # as stored with the attempt
    follow_ups: list[FollowUpTurn] = field(default_factory=list)  # asked, the last maybe not answered yet

    @property
    def answered(self) -> bool:
        return self.judgement is not None

    @property
    def asking(self) -> FollowUpTurn | None:
        """The follow-up waiting for its answer, if any."""
        last = self.follow_ups[-1] if self.follow_ups else None
        return last if last is not None and last.judgement is None else None


def slot_row(number: int, slot: MockSlot, corpus: Corpus) -> ReportRow:
    """A question's row of the report, with its follow-ups."""
    q = corpus.get(slot.question_id)
    j = slot.judgement
    turns = tuple(
        TurnRow(
            number=n,
            prompt=t.prompt,
            point=t.point,
            answer=t.answer or "",
            score=t.judgement.score,
            band=t.judgement.band,
            valid=t.judgement.valid,
            earned=t.earned,
            reason=t.judgement.reason or "",
            seconds_used=t.seconds_used,
            timed_out=t.timed_out,
            delivery=t.delivery,
            written_by=t.written_by,
        )
        for n, t in enumerate(slot.follow_ups, start=1)
        if t.judgement is not None
    )
    return ReportRow(
        number=number,
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
        follow_ups=turns,
    )
