"""What the embedding judge says besides the number: remarks and a follow-up question."""

from __future__ import annotations

from ..bank import Question
from ..text import content_words
from .judgement import KeyPointResult, MisconceptionResult
from .scoring import MISCONCEPTION_COST, Ceiling


def follow_up(question: Question, missed: list[str]) -> str | None:
    """A follow-up aimed at the most important missed point: an authored one if it fits."""
    if not missed:
        return question.follow_ups[0] if question.follow_ups else None
    target = set(content_words(missed[0])) - set(content_words(question.prompt))
    best = max(question.follow_ups, key=lambda f: len(target & set(content_words(f))), default=None)
    if best is not None and target & set(content_words(best)):
        return best
    return f"You did not cover this point: “{missed[0]}”. How would you explain it, with an example?"


def feedback(
    results: list[KeyPointResult],
    feats: dict[str, float],
    limit: Ceiling | None = None,
    misconceptions: list[MisconceptionResult] | None = None,
) -> list[str]:
    """Short, evidence-based remarks for the embedding judge (no LLM): wrong claims first."""
    cost = f"−{MISCONCEPTION_COST:g} points"
    notes = [f"You said “{m.evidence}”; in fact: {m.correction} ({cost})" for m in misconceptions or []]
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
