"""Question packs: pydantic models, YAML loading and the error messages a person can act on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import PackError

Kind = Literal["concept", "scenario", "design", "behavioral"]
Difficulty = Literal["easy", "medium", "hard"]
Weight = Literal["must", "nice"]

CATEGORIES_FILE = "categories.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class KeyPoint(_Strict):
    """One idea a good answer contains; `must` points weigh more than `nice` ones."""

    text: str = Field(min_length=3, max_length=300)
    weight: Weight = "must"


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
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Fields an importer guessed (e.g. "key_points", "difficulty"): a person should review them.
    needs_review: tuple[str, ...] = ()

    @property
    def must_points(self) -> tuple[KeyPoint, ...]:
        return tuple(k for k in self.key_points if k.weight == "must")

    def fingerprint(self) -> str:
        """Content hash of what grading depends on; changes when the reference changes."""
        parts = [self.prompt, self.reference_answer] + [f"{k.weight}:{k.text}" for k in self.key_points]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


class Pack(_Strict):
    """A YAML file of questions."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    questions: tuple[Question, ...] = Field(min_length=1)


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str


class _CategoryFile(_Strict):
    categories: tuple[Category, ...]


def read_yaml(path: Path) -> object:
    """A YAML file's data, or PackError naming the file (and line) and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PackError(f"{path}: not UTF-8 text; save the file as UTF-8 YAML.") from None
    except OSError as exc:
        raise PackError(f"{path}: cannot read ({exc.strerror}).") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise PackError(f"{path}:{line} broken YAML ({problem}); fix the syntax.") from None


def describe_error(path: Path, data: object, exc: ValidationError) -> str:
    """Name file, question id and field of the first validation error."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        qid = "?"
        questions = data.get("questions") if isinstance(data, dict) else None
        if isinstance(questions, list) and loc[1] < len(questions) and isinstance(questions[loc[1]], dict):
            qid = str(questions[loc[1]].get("id", f"#{loc[1] + 1}"))
        where = f" question {qid}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc) or "(top level)"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}:{where} field {field}: {err['msg']}{more}"


def load_pack(path: str | Path) -> Pack:
    """Load and validate one pack file; raise PackError naming file, question id and field."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise PackError(f"{path}: expected a mapping with 'pack', 'title' and 'questions'.")
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        raise PackError(describe_error(path, data, exc)) from None


def pack_files(root: str | Path) -> list[Path]:
    """Pack files under a directory (or the file itself), sorted for stable order."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.glob("*.yaml") if p.name != CATEGORIES_FILE)


def load_packs(root: str | Path) -> list[Pack]:
    """Every pack under `root`; raise PackError if there is none or ids collide."""
    files = pack_files(root)
    if not files:
        raise PackError(f"No question packs found in {root}: add a YAML pack or run `interview-sim import FILE`.")
    packs = [load_pack(f) for f in files]
    seen: dict[str, str] = {}
    for f, pack in zip(files, packs):
        for q in pack.questions:
            if q.id in seen:
                raise PackError(f"{f}: question {q.id} field id: duplicate, also in {seen[q.id]}.")
            seen[q.id] = str(f)
    return packs


def load_categories(root: str | Path) -> dict[str, str]:
    """Known category ids and titles from `categories.yaml` beside the packs."""
    path = Path(root) / CATEGORIES_FILE
    data = read_yaml(path)
    try:
        return {c.id: c.title for c in _CategoryFile.model_validate(data).categories}
    except ValidationError as exc:
        raise PackError(f"{path}: {exc.errors()[0]['msg']}") from None


def all_questions(packs: Iterable[Pack]) -> list[Question]:
    return [q for p in packs for q in p.questions]


class Corpus:
    """All packs of a directory, indexed by question id."""

    def __init__(self, packs: list[Pack], categories: dict[str, str] | None = None):
        self.packs = packs
        self.categories = categories or {}
        self.questions = all_questions(packs)
        self._by_id = {q.id: q for q in self.questions}
        self.pack_of = {q.id: p.pack for p in packs for q in p.questions}

    @classmethod
    def load(cls, root: str | Path) -> Corpus:
        root = Path(root)
        cats = load_categories(root) if (root / CATEGORIES_FILE).exists() else {}
        return cls(load_packs(root), cats)

    def get(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise PackError(
                f"Unknown question id {question_id!r}: run `interview-sim questions` to list the ids."
            ) from None
