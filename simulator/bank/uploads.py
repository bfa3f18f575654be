"""Adding a pack to the bank from an uploaded file: read, validate against the bank, then write.

YAML packs are read with `load_pack`; markdown prep sheets and CSV go through the importers.
Nothing is written to the bank until the person confirms, and then the pack is written whole
(temp file, then rename) or not at all.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..embeddings import Embedder
from ..errors import PackError
from .corpus import Corpus
from .files import dump_pack, load_pack, write_atomic
from .importers import import_file
from .models import Pack
from .validation import Finding, validate

MAX_PACK_BYTES = 5_000_000  # a 200-question pack is about 300 kB; more is not a pack
YAML_SUFFIXES = (".yaml", ".yml")
IMPORTED_SUFFIXES = (".md", ".markdown", ".csv")
ACCEPTED_SUFFIXES = YAML_SUFFIXES + IMPORTED_SUFFIXES


@dataclass(frozen=True)
class ImportPreview:
    """A pack read from a file, with what the validator and the bank have to say about it."""

    pack: Pack
    findings: tuple[Finding, ...]
    conflicts: tuple[str, ...]  # reasons it cannot be added as it is

    @property
    def errors(self) -> list[str]:
        return [*self.conflicts, *(_plain(f) for f in self.findings if f.level == "error")]

    @property
    def warnings(self) -> list[str]:
        return [_plain(f) for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


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
        # Validate the pack as it would be written, next to the bank's packs (ids, categories).
        written = Path(tmp) / f"{pack.pack}.yaml"
        written.write_text(dump_pack(pack), encoding="utf-8")
        findings = validate([written], corpus_dir)
    conflicts = []
    clash = [q.id for q in pack.questions if q.id in corpus.pack_of]
    if clash:
        conflicts.append(f"question ids already in the bank: {', '.join(clash[:5])}{' …' if len(clash) > 5 else ''}")
    if any(p.pack == pack.pack for p in corpus.packs) or (corpus_dir / f"{pack.pack}.yaml").exists():
        conflicts.append(f"a pack named {pack.pack!r} is already in the bank: rename the pack")
    # Ids that clash with the bank are reported once, as a conflict, not again as validator errors.
    return ImportPreview(pack, tuple(f for f in findings if f.field != "id"), tuple(conflicts))


def add_pack(preview: ImportPreview, corpus_dir: Path) -> Path:
    """Write a previewed pack into the bank as `<pack>.yaml`, whole or not at all."""
    if not preview.ok:
        raise PackError("The pack has errors: fix them and import it again. " + "; ".join(preview.errors))
    target = corpus_dir / f"{preview.pack.pack}.yaml"
    if target.exists():
        raise PackError(f"{target} already exists: rename the pack.")
    return write_atomic(target, dump_pack(preview.pack))
