"""Questions given on the spot, and key points derived from a reference when nobody wrote any."""

from __future__ import annotations

import re

from pydantic import ValidationError

from ..errors import InputError
from ..text import split_sentences
from .models import AdhocQuestion, KeyPoint, PointQuestion, Question

# Where a one-sentence answer splits into claims: "A; B", "A, while B", "A, and B", "(x), B".
_CLAUSE = re.compile(r"(?:;|,\s*while|,\s*whereas|,\s*and|(?<=\)),)\s+", re.I)
MAX_DERIVED = 8


def derive_key_points(answer: str, limit: int = MAX_DERIVED) -> tuple[KeyPoint, ...]:
    """Key points from an answer: its sentences, or the clauses of a one-sentence answer; all must-have."""
    parts = split_sentences(answer)
    if len(parts) == 1:
        parts = [p for p in _CLAUSE.split(parts[0]) if p]
    points = [p.strip(" .;,") for p in parts if len(p.strip(" .;,")) >= 8]
    return tuple(KeyPoint(text=p[:300], weight="must") for p in (points or [answer[:300]])[:limit])


def adhoc_question(prompt: str, reference: str, key_points: list[str] | None = None) -> AdhocQuestion:
    """A question built on the fly (no bank): key points given, or derived from the reference."""
    try:
        points = tuple(KeyPoint(text=k) for k in key_points) if key_points else derive_key_points(reference)
        return AdhocQuestion(
            prompt=prompt, reference_answer=reference, key_points=points, derived_key_points=not key_points
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


def point_question(question: Question, point: str, reference: str) -> PointQuestion:
    """One key point of `question` as a question of its own, what a follow-up about the point asks:
    graded against `reference`, the sentence of the reference answer that supports the point. The
    prompt stays the question's, so its words are left out of the comparison as they were the first time."""
    return PointQuestion(
        id=question.id,
        prompt=question.prompt,
        kind=question.kind,
        category=question.category,
        difficulty=question.difficulty,
        reference_answer=reference,
        key_points=(question.key_point(point).model_copy(update={"weight": "must"}),),
        misconceptions=tuple(m for m in question.misconceptions if m.contradicts == point),
    )
