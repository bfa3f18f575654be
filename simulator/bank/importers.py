"""Importers: markdown interview-prep sheets (Q:/A:, Scenario:, cheat sheet) and CSV -> Pack.

What an importer has to guess is recorded in each question's `needs_review` so a person can
check it: key points derived from sentences, a default difficulty, a category matched by meaning.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from ..embeddings import Embedder
from ..errors import PackError
from .adhoc import derive_key_points
from .files import describe_error, dump_pack, load_pack, write_atomic
from .models import Difficulty, Kind, Pack

MAX_BYTES = 5_000_000  # a prep sheet is kilobytes; 5 MB is already thousands of questions


@dataclass(frozen=True)
class Draft:
    """A question as read from a file, before ids, categories and key points are settled."""

    prompt: str
    answer: str
    section: str = ""
    kind: Kind = "concept"
    category: str | None = None
    difficulty: Difficulty | None = None


# ---------------------------------------------------------------- text repair


def _repair_token(token: str) -> str:
    """Undo UTF-8 read as Mac Roman / cp1252 (emoji mojibake such as '\uf8ffüìñ')."""
    for codec in ("mac_roman", "cp1252"):
        try:
            fixed = token.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != token:
            return fixed
    return token


def clean_heading(text: str) -> str:
    """A heading without mojibake, emoji, numbering or markdown: '1. Process 📖' -> 'Process'."""
    import ftfy

    text = " ".join(_repair_token(t) for t in ftfy.fix_text(text).split())
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNPZ" or ch in "&+/")
    kept = re.sub(r"^[#\s]*\d+[.)]\s*", "", kept)
    return re.sub(r"\s+", " ", kept.replace("*", "").replace("_", " ")).strip(" -:")


def strip_markdown(text: str) -> str:
    text = re.sub(r"\$([^$]+)\$", r"\1", text)  # inline maths: $x$ -> x
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- readers


def read_markdown(text: str) -> tuple[str, list[Draft]]:
    """Title and drafts from a sheet in the seed's format."""
    import ftfy

    text = ftfy.fix_text(text)
    title, section, cheat_sheet = "", "", False
    drafts: list[Draft] = []
    current: dict[str, str] | None = None

    def close() -> None:
        nonlocal current
        if current and current.get("answer"):
            drafts.append(
                Draft(current["prompt"], strip_markdown(current["answer"]), section, current["kind"])  # type: ignore[arg-type]
            )
        current = None

    for line in text.splitlines():
        stripped = line.strip()
        if m := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            close()
            heading = clean_heading(m.group(2))
            if len(m.group(1)) == 1 and not title:
                title = heading
            else:
                section = heading
                cheat_sheet = "cheat sheet" in heading.lower()
            continue
        if m := re.match(r"^[*\-+]\s+\*\*(Q|Scenario)\s*:\s*(.+?)\*\*\s*$", stripped, re.I):
            close()
            kind = "scenario" if m.group(1).lower() == "scenario" else "concept"
            current = {"prompt": strip_markdown(m.group(2)), "kind": kind, "answer": ""}
            continue
        if current is not None and (m := re.match(r"^[*\-+]\s+\*A:?\*\s*:?\s*(.*)$", stripped)):
            current["answer"] = m.group(1)
            continue
        if cheat_sheet and (m := re.match(r"^\d+[.)]\s+\*\*(.+?)\*\*\s*:?\s*(.+)$", stripped)):
            close()
            topic = re.sub(r"^best\s+for\s+", "", strip_markdown(m.group(1)), flags=re.I).rstrip(":")
            topic = " ".join(w.lower() if w.istitle() else w for w in topic.split())  # "Quick APIs" -> "quick APIs"
            tools = strip_markdown(m.group(2)).rstrip(".")
            drafts.append(
                Draft(
                    f"Which tool would you pick for {topic}, and why?",
                    f"A common choice for {topic} is {tools}.",
                    section,
                )
            )
            continue
        if current is not None and current["answer"] and stripped and not stripped.startswith("---"):
            current["answer"] += " " + stripped  # an answer continued on the next line
    close()
    return title, drafts


def read_csv(text: str) -> list[Draft]:
    """Drafts from `question,answer[,category,difficulty,kind]` rows."""
    try:
        return _read_csv(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise PackError(f"not a readable CSV ({exc}); save it as comma-separated UTF-8 text.") from None


def _read_csv(reader: csv.DictReader[str]) -> list[Draft]:
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if not {"question", "answer"} <= set(columns):
        raise PackError(
            f"CSV needs the columns question,answer[,category,difficulty,kind]; found: {','.join(columns) or 'none'}."
        )
    drafts = []
    for row in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not row.get("question") or not row.get("answer"):
            continue
        kind = row.get("kind") or "concept"
        difficulty = row.get("difficulty") or None
        drafts.append(
            Draft(
                row["question"],
                row["answer"],
                kind=kind,  # type: ignore[arg-type]  # checked when the Question is built
                category=row.get("category") or None,
                difficulty=difficulty,  # type: ignore[arg-type]
            )
        )
    return drafts


# ---------------------------------------------------------------- building the pack


def slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-") or "pack"


class CategoryMatcher:
    """Maps a question to the nearest known category by meaning (section title + prompt)."""

    def __init__(self, categories: dict[str, str], embedder: Embedder | None):
        self.ids = list(categories)
        self.embedder = embedder
        self.vectors = embedder.embed_batch(list(categories.values())) if embedder and categories else None

    def __call__(self, draft: Draft) -> str | None:
        if draft.category:
            return draft.category
        if self.vectors is None or self.embedder is None:
            return None
        v = self.embedder.embed_batch([f"{draft.prompt} {draft.answer}"])[0]
        return self.ids[int(np.argmax(self.vectors @ v))]


def build_pack(name: str, title: str, drafts: list[Draft], match: CategoryMatcher, source: str) -> Pack:
    """A validated Pack from drafts, with what was guessed marked for review."""
    questions = []
    for n, d in enumerate(drafts, 1):
        # Misconceptions are left empty: only a person can say what candidates get wrong.
        guessed = ["key_points", "misconceptions"]
        category = match(d)
        if d.category is None:
            guessed.append("category")
        if d.difficulty is None:
            guessed.append("difficulty")
        tags = [slug(d.section, 30)] if d.section else []
        questions.append(
            {
                "id": f"{name}-{n:02d}-{slug(d.prompt, 36)}",
                "prompt": d.prompt,
                "kind": d.kind,
                "category": category or "lifecycle",
                "difficulty": d.difficulty or "medium",
                "reference_answer": d.answer,
                "key_points": [k.model_dump() for k in derive_key_points(d.answer, limit=6)],
                "tags": tags,
                "sources": [source],
                "needs_review": guessed,
            }
        )
    data = {"pack": name, "title": title or name, "description": f"Imported from {source}.", "questions": questions}
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        raise PackError(describe_error(Path(source), data, exc)) from None


def import_file(path: str | Path, categories: dict[str, str], embedder: Embedder | None = None) -> Pack:
    """Read a markdown sheet, a CSV or a YAML pack into a validated Pack (nothing is written)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PackError(f"{path}: cannot read ({exc.strerror}).") from None
    if size == 0:
        raise PackError(f"{path} is empty: nothing to import.")
    if size > MAX_BYTES:
        raise PackError(f"{path} is {size / 1e6:.1f} MB; the importer reads files up to {MAX_BYTES // 1_000_000} MB.")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_pack(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise PackError(f"{path} is a binary file: import a markdown (.md) sheet, a CSV or a YAML pack.")
    text = raw.decode("utf-8", errors="replace")
    name = slug(path.stem)
    match = CategoryMatcher(categories, embedder)
    if suffix == ".csv":
        try:
            drafts = read_csv(text)
        except PackError as exc:
            raise PackError(f"{path}: {exc}") from None
        title = path.stem
        if not drafts:
            raise PackError(f"{path}: no rows with both a question and an answer.")
    elif suffix in (".md", ".markdown", ".txt"):
        title, drafts = read_markdown(text)
        if not drafts:
            raise PackError(
                f"{path}: no questions found; expected '**Q: ...**' / '- *A:* ...' pairs, "
                "'**Scenario: ...**' blocks or a cheat sheet."
            )
    else:
        raise PackError(f"{path}: unknown file type {suffix or '(none)'}; import .md, .csv or .yaml.")
    return build_pack(name, title, drafts, match, path.name)


def write_pack(pack: Pack, out: str | Path, overwrite: bool = False) -> Path:
    """Write a pack as YAML atomically: a reader never sees half a file."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise PackError(f"{out} exists: choose another --out or pass --force to replace it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(out, dump_pack(pack, exclude_defaults=False))
