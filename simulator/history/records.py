"""What the history returns: attempts, score and delivery points, mastery, missed points, review items."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Required, TypedDict, get_args

from fsrs import Rating

from ..grading import Judgement
from .schedule import RATING_WORDS, days, recall_chance

# The one user of a laptop install (no sign-in), and the owner of rows written before users existed.
LOCAL_USER = "local"

Mode = Literal["practice", "mock", "follow-up", "review"]
MODES: tuple[Mode, ...] = get_args(Mode)


@dataclass(frozen=True)
class Attempt:
    """One graded answer as stored."""

    id: int
    created_at: float
    session_id: str
    mode: Mode
    question_id: str
    category: str
    prompt: str
    answer: str
    judgement: Judgement
    answer_seconds: float | None = None
    time_limit: float | None = None
    timed_out: bool = False
    parent_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.judgement.score

    @property
    def valid(self) -> bool:
        return self.judgement.valid

    def row(self) -> dict[str, Any]:
        """A flat record for CSV/JSON exports (the full judgement is in `judgement`)."""
        j = self.judgement
        return {
            "id": self.id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.created_at)),
            "session_id": self.session_id,
            "mode": self.mode,
            "question_id": self.question_id,
            "category": self.category,
            "prompt": self.prompt,
            "answer": self.answer,
            "score": j.score,
            "band": j.band,
            "valid": j.valid,
            "reason": j.reason or "",
            "judge": j.judge,
            "model": j.model,
            "fallback_reason": j.fallback_reason or "",
            "key_points_hit": sum(k.hit for k in j.key_points),
            "key_points_total": len(j.key_points),
            "missed": "; ".join(j.missed),
            "answer_seconds": self.answer_seconds,
            "time_limit": self.time_limit,
            "timed_out": self.timed_out,
            "grade_ms": j.elapsed_ms,
            "parent_id": self.parent_id,
        }


@dataclass(frozen=True)
class ScorePoint:
    attempt_id: int
    created_at: float
    question_id: str
    category: str
    mode: Mode
    score: float
    valid: bool


@dataclass(frozen=True)
class DeliveryPoint:
    """Delivery of one answer, for trends: pace (spoken answers only), fillers, hedges."""

    attempt_id: int
    created_at: float
    spoken: bool
    words_per_minute: float | None
    fillers_per_minute: float
    hedge_count: int


@dataclass(frozen=True)
class CategoryMastery:
    """Mastery of a category: the mean of the latest score of each question practised in it."""

    category: str
    questions: int
    attempts: int
    mastery: float
    last_at: float


@dataclass(frozen=True)
class MissedPoint:
    question_id: str
    text: str
    weight: str
    missed: int
    seen: int

    @property
    def rate(self) -> float:
        return self.missed / self.seen if self.seen else 0.0


@dataclass(frozen=True)
class ReviewItem:
    """A card in the review queue, scheduled by FSRS: a question, or one of its key points that is
    often missed (`point`), with when it is due and why."""

    question_id: str
    due_at: float
    updated_at: float
    missed: tuple[str, ...]  # must-have points the last answer missed
    rating: Rating  # of the last answer (see `schedule.rating_for`)
    stability: float  # days until the chance of recalling it falls to 90%
    difficulty: float  # FSRS's 1 (easy) to 10 (hard)
    last_review_at: float | None
    point: str | None = None  # the key point this card is for; None: the whole question
    misses: int = 0  # times the point was missed (point cards)

    def is_due(self, now: float) -> bool:
        return self.due_at <= now

    def recall_chance(self, now: float) -> float:
        """FSRS's retrievability at `now`: the chance of recalling it, 0 to 1."""
        return recall_chance(self.stability, self.last_review_at, now)

    def why(self, now: float) -> str:
        """Why it is in the queue and due when it is, in one line."""
        memory = f"recall chance now {self.recall_chance(now):.0%}, memory holds for about {days(self.stability)}"
        if self.point is not None:
            times = "once" if self.misses == 1 else f"{self.misses} times"
            last = "missed it" if self.rating == Rating.Again else "covered it"
            return f"the point '{self.point}' you missed {times} · your last answer {last} · {memory}"
        line = f"last answer rated {RATING_WORDS[self.rating]} · {memory}"
        return line + (f" · missed: {'; '.join(self.missed)}" if self.missed else "")


def score_change(attempts: list[Attempt]) -> float | None:
    """The last attempt's score less that of the latest earlier one graded by the same judge and
    model; None when there is none: scores of two judges are not on one scale."""
    last = attempts[-1].judgement
    same = [a for a in attempts[:-1] if (a.judgement.judge, a.judgement.model) == (last.judge, last.model)]
    return None if not same else last.score - same[-1].score


class RecordOptions(TypedDict, total=False):
    """What `History.record` takes besides the question, answer and judgement (for pass-through callers)."""

    session_id: Required[str]
    mode: Mode
    prompt: str | None
    answer_seconds: float | None
    time_limit: float | None
    timed_out: bool
    parent_id: int | None
    extra: dict[str, Any] | None
