"""What the embedding judge says besides the number: remarks and a follow-up question."""

from __future__ import annotations

import numpy as np

from ..bank import Question
from .judgement import KeyPointResult, MisconceptionResult, band_for
from .scoring import MISCONCEPTION_COST, Ceiling

# An authored follow-up this near a key point (cosine of the demoted texts) asks about it. Over the
# bank's 333 follow-ups the nearest key point sits at a median 0.32; at 0.5 and above (about one in
# eight) the pair is about one thing: "null rate goes from 2% to 30%" / "monitor null rates per feature".
FOLLOW_UP_FITS = 0.5
ASK = "You did not cover this point: “{point}”. How would you explain it, with an example?"


def follow_up(question: Question, missed: list[str], fit: np.ndarray) -> tuple[str | None, str | None]:
    """A follow-up question and the key point it asks about (its answer is graded on that point).

    An authored follow-up about a missed point, the most important first; else one generated for
    the most important missed point. With nothing missed, an authored follow-up about a key point,
    else an open one (no point: there is no reference to grade its answer against). `fit` holds the
    cosines of the authored follow-ups (rows) to the key points (columns).
    """
    points = [k.text for k in question.key_points]
    for point in missed:
        column = fit[:, points.index(point)]
        if column.size and column.max() >= FOLLOW_UP_FITS:
            return question.follow_ups[int(column.argmax())], point
    if missed:
        return ASK.format(point=missed[0]), missed[0]
    if not question.follow_ups:
        return None, None
    i, j = np.unravel_index(int(fit.argmax()), fit.shape)
    return question.follow_ups[i], points[j] if fit[i, j] >= FOLLOW_UP_FITS else None


def feedback(
    results: list[KeyPointResult],
    feats: dict[str, float],
    score: float,
    limit: Ceiling | None = None,
    misconceptions: list[MisconceptionResult] | None = None,
) -> list[str]:
    """Short, evidence-based remarks for the embedding judge (no LLM): wrong claims first; a
    good band over few covered must-have points says where the score comes from."""
    cost = f"−{MISCONCEPTION_COST:g} points"
    notes = [f"You said “{m.evidence}”; in fact: {m.correction} ({cost})" for m in misconceptions or []]
    hit = [r for r in results if r.hit]
    must = [r for r in results if r.weight == "must"]
    notes.append(
        f"Covered {len(hit)} of {len(results)} key points ({sum(r.hit for r in must)} of {len(must)} must-have)."
    )
    if band_for(score) in ("good", "excellent") and 2 * sum(r.hit for r in must) < len(must):
        notes.append(
            f"Scored {band_for(score)} for how close the whole answer comes to the model answer, but few key "
            "points are stated clearly enough to count: say the missing ones outright."
        )
    if limit is not None:
        notes.append(limit.reason)
    elif feats["length"] < 0.5:
        notes.append("The answer is short for this question: explain the why and give an example.")
    if not hit:
        notes.append("No sentence clearly matched a key point: name the core concepts explicitly.")
    return notes
