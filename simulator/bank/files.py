"""Reading and writing the bank's YAML files: one reader, one error namer, one writer for all of them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import PackError
from .models import CategoryFile, Pack, Rubric

CATEGORIES_FILE = "categories.yaml"
M = TypeVar("M", bound=BaseModel)


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
    """Name file, item (question or criterion, by its id) and field of the first validation error."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] in ("questions", "criteria") and isinstance(loc[1], int):
        items = data.get(str(loc[0])) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        item_id = str(item.get("id", f"#{loc[1] + 1}")) if isinstance(item, dict) else f"#{loc[1] + 1}"
        where = f" {'question' if loc[0] == 'questions' else 'criterion'} {item_id}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc) or "(top level)"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}:{where} field {field}: {err['msg']}{more}"


def load_model(path: str | Path, model: type[M], expected: str) -> M:
    """Read one YAML file as `model`; raise PackError naming file, item and field."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise PackError(f"{path}: expected a mapping with {expected}.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PackError(describe_error(path, data, exc)) from None


def load_pack(path: str | Path) -> Pack:
    """Load and validate one pack file."""
    return load_model(path, Pack, "'pack', 'title' and 'questions'")


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate one rubric file."""
    return load_model(path, Rubric, "'kind', 'title', 'scale' and 'criteria'")


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
    return {c.id: c.title for c in load_model(path, CategoryFile, "'categories'").categories}


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


def dump_pack(pack: Pack, exclude_defaults: bool = True) -> str:
    """A pack as YAML, in field order (without empty defaults unless asked)."""
    data = pack.model_dump(mode="json", exclude_defaults=exclude_defaults)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_atomic(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temp file and a rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
