"""Adaptive difficulty: the next question is harder after a strong answer, easier after a weak one."""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import replace

from ..bank import Corpus, Question
from ..grading import band_for
from .report import STRONG_BANDS
from .selection import QuestionFilter, select

LEVELS = ("easy", "medium", "hard")
START = "medium"  # room to move either way
WEAK_BANDS = ("weak", "invalid")  # below "partial": a partial answer keeps the level


def next_difficulty(current: str, score: float) -> str:
    """One level up after a score in a strong band (good, excellent), one down after a weak one,
    the same after a partial one; the ends of the scale hold."""
    at = LEVELS.index(current) if current in LEVELS else LEVELS.index(START)
    band = band_for(score)
    if band in STRONG_BANDS:
        at = min(at + 1, len(LEVELS) - 1)
    elif band in WEAK_BANDS:
        at = max(at - 1, 0)
    return LEVELS[at]


def pick_adaptive(
    corpus: Corpus,
    difficulty: str,
    flt: QuestionFilter | None = None,
    avoid: Collection[str] = (),
    kinds: Collection[str] = (),
    rng: random.Random | None = None,
) -> Question | None:
    """A question not in `avoid`, within the filter's categories (its difficulties are the adaptive
    choice's to make): at `difficulty` if one is left, else at the nearest level; among those, one
    of `kinds` (the lane the plan had for this turn) if any."""
    flt = replace(flt or QuestionFilter(), difficulties=())
    pool = [q for q in select(corpus, flt) if q.id not in avoid]
    if not pool:
        return None
    target = LEVELS.index(difficulty) if difficulty in LEVELS else LEVELS.index(START)

    def distance(q: Question) -> int:
        return abs(LEVELS.index(q.difficulty) - target) if q.difficulty in LEVELS else len(LEVELS)

    nearest = min(map(distance, pool))
    level = [q for q in pool if distance(q) == nearest]
    lane = [q for q in level if q.kind in kinds] or level
    return (rng or random.Random()).choice(lane)
