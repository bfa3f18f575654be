"""Adding a pack to the bank from an uploaded file: read, validate against the bank, then write.

YAML packs are read with `load_pack`; markdown prep sheets and CSV go through the importers.
With the embedding model, questions that ask what a bank question asks are found and skipped by
default. Nothing is written to the bank until the person confirms, and then the pack is written
whole (temp file, then rename) or not at all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..embeddings import Embedder
from ..errors import PackError
from .corpus import Corpus
from .files import dump_pack, load_categories, load_pack, load_packs, pack_files, write_atomic
from .importers import import_file, write_pack
from .models import Pack, Question
from .validation import FOLLOW_UPS, KEY_POINTS, MISCONCEPTIONS, REFERENCE_WORDS, Finding, validate

MAX_PACK_BYTES = 5_000_000  # a 200-question pack is about 300 kB; more is not a pack
YAML_SUFFIXES = (".yaml", ".yml")
IMPORTED_SUFFIXES = (".md", ".markdown", ".csv")
ACCEPTED_SUFFIXES = YAML_SUFFIXES + IMPORTED_SUFFIXES
# The bank's usual question, as the validator's warnings measure it: the summary of an import names
# what its questions lack in these words rather than as field names.
SHAPE = {
    "reference_answer": f"a reference answer of {REFERENCE_WORDS[0]}-{REFERENCE_WORDS[1]} words",
    "key_points": f"{KEY_POINTS[0]}-{KEY_POINTS[1]} key points that the reference answer states",
    "follow_ups": f"{FOLLOW_UPS[0]}-{FOLLOW_UPS[1]} follow-ups",
    "misconceptions": f"{MISCONCEPTIONS[0]}-{MISCONCEPTIONS[1]} misconceptions",
    "tags": "tags",
    "sources": "sources",
}


@dataclass(frozen=True)
class Duplicate:
    """An uploaded question that asks what another asks: a bank question, or one earlier in the file."""

    question: Question
    repeats: Question
    in_bank: bool  # False: it repeats a question earlier in the same file


@dataclass(frozen=True)
class ImportPreview:
    """A pack read from a file, with what the validator and the bank have to say about it."""

    pack: Pack
    findings: tuple[Finding, ...]
    conflicts: tuple[str, ...]  # reasons it cannot be added as it is
    duplicates: tuple[Duplicate, ...] = ()  # found only with the embedding model

    @property
    def errors(self) -> list[str]:
        return [*self.conflicts, *(_plain(f) for f in self.findings if f.level == "error")]

    @property
    def warnings(self) -> list[str]:
        return [_plain(f) for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_add(self, skip_duplicates: bool = True) -> tuple[Question, ...]:
        """The questions that adding the pack would write: all, or all but the duplicates."""
        skipped = {d.question.id for d in self.duplicates} if skip_duplicates else set()
        return tuple(q for q in self.pack.questions if q.id not in skipped)

    def notes(self, questions: tuple[Question, ...]) -> tuple[list[str], dict[str, list[str]]]:
        """What to review in `questions`: a summary in a sentence or two, and each question's warnings
        (by its prompt)."""
        prompts = {q.id: q.prompt for q in questions}
        warnings = [f for f in self.findings if f.level == "warning" and f.question_id in prompts]
        summary = []
        guessed = [q for q in questions if q.needs_review]
        if guessed:
            fields = _listed(dict.fromkeys(g.replace("_", " ") for q in guessed for g in q.needs_review))
            summary.append(
                f"{_questions(len(guessed))} {'needs' if len(guessed) == 1 else 'need'} review: check their "
                f"{fields}, which the importer guessed or left empty."
            )
        fields_of = {f.field.split(".")[0] for f in warnings if f.field}
        thin = {f.question_id for f in warnings if f.field and f.field.split(".")[0] in SHAPE}
        if thin:
            lacking = _listed(words for field, words in SHAPE.items() if field in fields_of)
            summary.append(
                f"{_questions(len(thin))} {'differs' if len(thin) == 1 else 'differ'} from the bank's usual "
                f"question, which has {lacking}."
            )
        details: dict[str, list[str]] = {}
        for f in warnings:
            details.setdefault(prompts[str(f.question_id)], []).append(f"{f.field}: {f.message}")
        return summary, details


def _questions(n: int) -> str:
    return f"{n} question" if n == 1 else f"{n} questions"


def _listed(items: Iterable[str]) -> str:
    """'a, b and c'."""
    *rest, last = items
    return f"{', '.join(rest)} and {last}" if rest else last


def _plain(f: Finding) -> str:
    """A finding without the temp file's path, which means nothing to the person."""
    where = f"question {f.question_id}" if f.question_id else "pack"
    where += f", field {f.field}" if f.field else ""
    return f"{where}: {f.message}"


def _read(path: Path, corpus: Corpus, embedder: Embedder | None) -> Pack:
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return load_pack(path)
    if suffix not in IMPORTED_SUFFIXES:
        raise PackError(f"{path.name}: not a pack file; use one of {', '.join(ACCEPTED_SUFFIXES)}.")
    return import_file(path, corpus.categories, embedder)


def preview_import(
    filename: str, data: bytes, corpus: Corpus, corpus_dir: Path, work_dir: Path, embedder: Embedder | None = None
) -> ImportPreview:
    """Read an uploaded file as a pack and check it; raise PackError when it is not a pack at all."""
    name = Path(filename).name or "upload.yaml"
    if len(data) > MAX_PACK_BYTES:
        raise PackError(f"{name}: {len(data) / 1e6:.1f} MB is too large for a question pack (limit 5 MB).")
    if not data.strip():
        raise PackError(f"{name}: the file is empty.")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            pack = _read(path, corpus, embedder)
        except PackError as exc:  # name the file as uploaded, not its temp copy
            raise PackError(str(exc).replace(f"{tmp}/", "")) from None
    return check_pack(pack, corpus, corpus_dir, work_dir, embedder)


def check_pack(
    pack: Pack, corpus: Corpus, corpus_dir: Path, work_dir: Path, embedder: Embedder | None = None
) -> ImportPreview:
    """What the validator and the bank say about a pack; with the model, which questions repeat others."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        # Validate the pack as it would be written, next to the bank's packs (ids, categories, duplicates).
        written = Path(tmp) / f"{pack.pack}.yaml"
        written.write_text(dump_pack(pack), encoding="utf-8")
        findings = validate([written], corpus_dir, embedder)
    conflicts = []
    clash = [q.id for q in pack.questions if q.id in corpus.pack_of]
    if clash:
        conflicts.append(f"question ids already in the bank: {', '.join(clash[:5])}{' …' if len(clash) > 5 else ''}")
    if any(p.pack == pack.pack for p in corpus.packs) or (corpus_dir / f"{pack.pack}.yaml").exists():
        conflicts.append(f"a pack named {pack.pack!r} is already in the bank: rename the pack")
    mine = {q.id: q for q in pack.questions}
    duplicates = tuple(
        Duplicate(mine[f.question_id], f.repeats, f.repeats not in pack.questions)
        for f in findings
        if f.repeats and f.question_id
    )
    # Ids that clash with the bank are reported once, as a conflict, not again as validator errors;
    # near-duplicates are listed as duplicates, which the person may skip, not as errors.
    kept = tuple(f for f in findings if f.field != "id" and f.repeats is None)
    return ImportPreview(pack, kept, tuple(conflicts), duplicates)


def add_pack(preview: ImportPreview, corpus_dir: Path, skip_duplicates: bool = True) -> Path:
    """Write a previewed pack into the bank as `<pack>.yaml`, whole or not at all (its duplicates skipped)."""
    if not preview.ok:
        raise PackError("The pack has errors: fix them and import it again. " + "; ".join(preview.errors))
    questions = preview.to_add(skip_duplicates)
    if not questions:
        raise PackError("Nothing to add: every question of the pack is already in the bank.")
    target = corpus_dir / f"{preview.pack.pack}.yaml"
    if target.exists():
        raise PackError(f"{target} already exists: rename the pack.")
    return write_atomic(target, dump_pack(preview.pack.model_copy(update={"questions": questions})))


def import_to_file(
    file: Path,
    out: Path,
    corpus_dir: Path,
    work_dir: Path,
    keep_duplicates: bool = False,
    overwrite: bool = False,
) -> list[str]:
    """Import a prep sheet, CSV or pack as a pack written to `out` (`overwrite`), without the questions
    the bank already asks unless `keep_duplicates`: what to tell the person, line by line."""
    from ..embeddings import default_embedder  # the model is loaded only here, to find duplicates

    embedder = default_embedder()
    categories = load_categories(corpus_dir)
    pack = import_file(file, categories, embedder)
    # A first pack may be imported into a bank that has categories and no pack yet.
    bank = Corpus(load_packs(corpus_dir) if pack_files(corpus_dir) else [], categories)
    preview = check_pack(pack, bank, corpus_dir, work_dir, embedder)
    lines = []
    if preview.duplicates:
        lines.append(f"{'Kept' if keep_duplicates else 'Skipped'} {len(preview.duplicates)} question(s) already asked:")
        for d in preview.duplicates:
            where = "" if d.in_bank else " (earlier in this file)"
            lines.append(f"  “{d.question.prompt}” repeats “{d.repeats.prompt}”{where}")
    questions = preview.to_add(skip_duplicates=not keep_duplicates)
    if not questions:
        raise PackError(
            f"Nothing to import: every question of {file} is already in the bank (--keep-duplicates keeps them)."
        )
    write_pack(pack.model_copy(update={"questions": questions}), out, overwrite=overwrite)
    lines.append(f"Imported {len(questions)} questions into {out}.")
    summary, details = preview.notes(questions)
    lines += summary
    if details:
        n = sum(len(messages) for messages in details.values())
        lines.append(f"The {n} warning(s) one by one: interview-sim validate {out}")
    return lines
