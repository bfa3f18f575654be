"""Rubrics: pydantic models and loading from rubrics/*.yaml, one rubric per question kind."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .corpus import Kind
from .errors import PackError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


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


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate one rubric file; raise PackError naming the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError(f"{path}: cannot read ({exc.strerror}).") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PackError(f"{path}: not a readable YAML file ({type(exc).__name__}); fix the syntax.") from None
    if not isinstance(data, dict):
        raise PackError(f"{path}: expected a mapping with 'kind', 'title', 'scale' and 'criteria'.")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
            criteria = data.get("criteria")
            cid = f"#{loc[1] + 1}"
            if isinstance(criteria, list) and loc[1] < len(criteria) and isinstance(criteria[loc[1]], dict):
                cid = str(criteria[loc[1]].get("id", cid))
            loc = [f"criteria[{cid}]", *loc[2:]]
        field = ".".join(str(p) for p in loc) or "(top level)"
        raise PackError(f"{path}: field {field}: {err['msg']}") from None


def load_rubrics(root: str | Path) -> dict[str, Rubric]:
    """Every rubric under `root`, by question kind; raise PackError if none or two share a kind."""
    root = Path(root)
    files = sorted(root.glob("*.yaml")) if root.is_dir() else []
    if not files:
        raise PackError(f"No rubrics found in {root}: set SIM_RUBRICS to the rubrics/ directory of the project.")
    rubrics: dict[str, Rubric] = {}
    where: dict[str, Path] = {}
    for f in files:
        rubric = load_rubric(f)
        if rubric.kind in rubrics:
            raise PackError(f"{f}: field kind: {rubric.kind} already has a rubric in {where[rubric.kind]}.")
        rubrics[rubric.kind] = rubric
        where[rubric.kind] = f
    return rubrics
