"""The bank's data: questions, packs, categories and rubrics as strict pydantic models."""

from __future__ import annotations

import hashlib
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["concept", "scenario", "design", "behavioral"]
Difficulty = Literal["easy", "medium", "hard"]
Weight = Literal["must", "nice"]

KINDS: tuple[Kind, ...] = get_args(Kind)
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class KeyPoint(_Strict):
    """One idea a good answer contains; `must` points weigh more than `nice` ones."""

    text: str = Field(min_length=1, max_length=300)
    weight: Weight = "must"


class Misconception(_Strict):
    """A wrong statement a candidate plausibly makes, its correction, and the key point it contradicts.

    A sentence of an answer that states it earns no credit for that key point, lowers the score,
    and is quoted in the feedback with the correction.
    """

    text: str = Field(min_length=10, max_length=300)
    correction: str = Field(min_length=10, max_length=400)
    contradicts: str = Field(min_length=1, max_length=300)  # a key point's text, verbatim


class Question(_Strict):
    """One interview question with the reference it is graded against."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)
    prompt: str = Field(min_length=8, max_length=1000)
    kind: Kind
    category: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    difficulty: Difficulty
    reference_answer: str = Field(min_length=20, max_length=4000)
    key_points: tuple[KeyPoint, ...] = Field(min_length=1, max_length=8)
    follow_ups: tuple[str, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Fields an importer guessed (e.g. "key_points", "difficulty"): a person should review them.
    needs_review: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _misconceptions_name_key_points(self) -> Question:
        points = {k.text for k in self.key_points}
        for i, m in enumerate(self.misconceptions):
            if m.contradicts not in points:
                raise ValueError(
                    f"misconceptions.{i}.contradicts must be the text of one of the question's key points, "
                    f"verbatim; {m.contradicts!r} is not"
                )
        return self

    def key_point(self, text: str) -> KeyPoint:
        """The key point with this text."""
        return next(k for k in self.key_points if k.text == text)

    @property
    def must_points(self) -> tuple[KeyPoint, ...]:
        return tuple(k for k in self.key_points if k.weight == "must")

    @property
    def in_bank(self) -> bool:
        """Whether the question comes from a pack (and so is indexed in the store)."""
        return True

    @property
    def authored_points(self) -> bool:
        """Whether a person wrote the key points (they then say what is essential)."""
        return True

    @property
    def one_point(self) -> bool:
        """Whether the question asks about one key point alone (a follow-up): then the answer as a
        whole may state it, not only one of its sentences."""
        return False

    def fingerprint(self) -> str:
        """Content hash of what grading depends on; changes when the reference changes."""
        parts = [self.prompt, self.reference_answer] + [f"{k.weight}:{k.text}" for k in self.key_points]
        parts += [f"{m.contradicts}:{m.text}" for m in self.misconceptions]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    @property
    def versioned_id(self) -> str:
        """`id@fingerprint`: names this version of the question in the store and in caches."""
        return f"{self.id}@{self.fingerprint()}"


class Pack(_Strict):
    """A YAML file of questions."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    questions: tuple[Question, ...] = Field(min_length=1)


class AdhocQuestion(Question):
    """A question given on the spot (`interview-sim grade --question`, evaluation rows): not in the
    bank, so not in the store. Its reference may be as short as a quiz answer ("By reference.")."""

    id: str = "adhoc"
    # No minimum length: "Why?" is a real follow-up question and "push" a full answer to a quiz one.
    prompt: str = Field(min_length=1, max_length=1000)
    kind: Kind = "concept"
    category: str = "adhoc"
    difficulty: Difficulty = "medium"
    reference_answer: str = Field(min_length=1, max_length=4000)
    # Key points cut from the reference's sentences say nothing about what is essential: they do
    # not scale the score as authored ones do.
    derived_key_points: bool = False

    @property
    def in_bank(self) -> bool:
        return False

    @property
    def authored_points(self) -> bool:
        return not self.derived_key_points


class PointQuestion(AdhocQuestion):
    """One key point of a bank question asked on its own, as a follow-up does (`adhoc.point_question`)."""

    @property
    def one_point(self) -> bool:
        return True


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str


class CategoryFile(_Strict):
    categories: tuple[Category, ...]


class Scale(_Strict):
    """The integer range every criterion is scored on (0-4 in the shipped rubrics)."""

    min: int = Field(ge=0)
    max: int = Field(le=10)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be above min ({self.min})")
        return self


class RubricCriterion(_Strict):
    """One thing the grader looks at, with what each level of the scale means."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    name: str = Field(min_length=3, max_length=80)
    weight: float = Field(gt=0.0, le=1.0)
    description: str = Field(min_length=10, max_length=400)
    levels: dict[int, str]


class Rubric(_Strict):
    """How answers to one kind of question are scored."""

    kind: Kind
    title: str = Field(min_length=3, max_length=120)
    scale: Scale
    criteria: tuple[RubricCriterion, ...] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique, got {ids}")
        total = sum(c.weight for c in self.criteria)
        # Weights are shares of the score: a rubric whose weights do not add up is a typo.
        if abs(total - 1.0) > 0.01:
            raise ValueError(f"criterion weights must add up to 1.0, they add up to {total:.2f}")
        expected = set(range(self.scale.min, self.scale.max + 1))
        for c in self.criteria:
            if set(c.levels) != expected:
                raise ValueError(f"criterion {c.id}: levels must be exactly {sorted(expected)}, got {sorted(c.levels)}")
        return self

    def score(self, scores: dict[str, float]) -> float:
        """The weighted criterion scores on the 0-10 scale of the product."""
        span = self.scale.max - self.scale.min
        total = sum(c.weight * (scores[c.id] - self.scale.min) / span for c in self.criteria)
        return max(0.0, min(10.0, 10.0 * total / sum(c.weight for c in self.criteria)))
