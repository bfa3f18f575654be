"""The interviewer's follow-ups in a mock interview: which missed point to probe, and how to ask."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..bank import Question
from ..embeddings import Embedder
from ..grading import Judgement
from ..grading.feedback import follow_up
from ..store import demoted

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass
class FollowUpTurn:
    """A follow-up asked after a main answer, and (once answered) its grade on the one point."""

    prompt: str
    point: str  # the missed must-have point it probes; its answer is graded against it alone
    asked_at: float
    answer: str | None = None
    attempt_id: int | None = None
    judgement: Judgement | None = None
    seconds_used: float | None = None
    timed_out: bool = False
    delivery: dict[str, Any] | None = None

    @property
    def earned(self) -> bool:
        """The answer covered the point."""
        return self.judgement is not None and self.judgement.valid and any(k.hit for k in self.judgement.key_points)


def authored_fit(embedder: Embedder, question: Question) -> np.ndarray:
    """Cosines of the question's authored follow-ups (rows) to its key points (columns), as the
    embedding judge compares them (the question's own words left out)."""
    asks, points = list(question.follow_ups), [k.text for k in question.key_points]
    if not asks or not points:
        return np.zeros((len(asks), len(points)), dtype=np.float32)
    vectors = embedder.embed_batch(demoted([*asks, *points], question))
    return np.asarray(vectors[: len(asks)] @ vectors[len(asks) :].T)


def next_follow_up(
    engine: Engine, question: Question, judgement: Judgement, asked: Collection[str] = ()
) -> tuple[str, str] | None:
    """The follow-up to ask after `judgement` and its point: aimed at the most important missed
    must-have point not asked about yet, in an authored follow-up's words when one is about that
    point, else in the generated "You did not cover..." form. None when the answer was not graded
    or no must-have point is left to probe: an interviewer does not probe what was covered."""
    if not judgement.valid:
        return None
    left = [p for p in judgement.missed if p not in asked]
    if not left:
        return None
    text, point = follow_up(question, left[:1], authored_fit(engine.embedder, question))
    return (text, point) if text and point else None
