"""The pack validator: schema, ids, categories, lengths, near-duplicates, key-point support."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Literal

import numpy as np

from ..embeddings import Embedder
from ..errors import PackError
from ..text import split_sentences, words
from .files import CATEGORIES_FILE, load_categories, load_pack, pack_files
from .models import Question

# Two prompts at cosine >= 0.80 ask the same thing in other words. The seed prep sheet's questions
# score 0.82-1.00 against their curated copies in the bank ("...pick for quick APIs" / "...pick to
# expose a model as a quick API": 0.82), while no two of the bank's 223 distinct prompts reach 0.77
# (the closest: unit tests of feature code / data tests, 0.76; PSI vs KS test 0.64).
NEAR_DUPLICATE = 0.80
# A key point is supported when some sentence of the reference says it (cosine >= 0.5);
# below that the point asks for something the model answer never gives.
SUPPORTED = 0.50
REFERENCE_WORDS = (60, 250)
KEY_POINTS = (3, 6)
FOLLOW_UPS = (1, 3)
MISCONCEPTIONS = (2, 4)
# A misconception whose words are this close to its key point's (difflib ratio over lower-cased
# words) restates the point: the grader could not tell a candidate who says one from the other.
NEAR_COPY = 0.85


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    file: str
    question_id: str | None
    field: str | None
    message: str
    repeats: Question | None = None  # for a near-duplicate: the question it asks again

    def __str__(self) -> str:
        where = self.file + (f": question {self.question_id}" if self.question_id else "")
        where += f" field {self.field}" if self.field else ""
        return f"{self.level}: {where}: {self.message}"


def _bounds(f: str, q: Question) -> list[Finding]:
    out = []
    checks = [
        ("reference_answer", len(words(q.reference_answer)), REFERENCE_WORDS, "words"),
        ("key_points", len(q.key_points), KEY_POINTS, "key points"),
        ("follow_ups", len(q.follow_ups), FOLLOW_UPS, "follow-ups"),
        ("misconceptions", len(q.misconceptions), MISCONCEPTIONS, "misconceptions"),
    ]
    for field, n, (lo, hi), unit in checks:
        if not lo <= n <= hi:
            out.append(Finding("warning", f, q.id, field, f"{n} {unit}; expected {lo}-{hi}"))
    if not q.must_points:
        out.append(Finding("error", f, q.id, "key_points", "no key point has weight: must"))
    for field in ("tags", "sources"):
        if not getattr(q, field):
            out.append(Finding("warning", f, q.id, field, "empty"))
    for i, m in enumerate(q.misconceptions):
        ratio = SequenceMatcher(None, words(m.text.lower()), words(m.contradicts.lower())).ratio()
        if ratio >= NEAR_COPY:
            message = f"near-copy of the key point it contradicts (word ratio {ratio:.2f} >= {NEAR_COPY})"
            out.append(Finding("error", f, q.id, f"misconceptions.{i}", message))
    if q.needs_review:
        out.append(Finding("warning", f, q.id, "needs_review", "guessed by an importer: " + ", ".join(q.needs_review)))
    return out


def validate(
    paths: list[Path], corpus_dir: Path, embedder: Embedder | None = None, near_duplicate: float = NEAR_DUPLICATE
) -> list[Finding]:
    """Check the packs in `paths` (together with the corpus, for ids and duplicates)."""
    findings: list[Finding] = []
    files = sorted({f.resolve() for p in paths for f in pack_files(p)})
    if not files:
        return [Finding("error", str(paths[0] if paths else corpus_dir), None, None, "no pack files (*.yaml) found")]
    known: dict[str, str] = {}
    cat_file = corpus_dir / CATEGORIES_FILE
    if cat_file.exists():
        try:
            known = load_categories(corpus_dir)
        except PackError as exc:
            findings.append(Finding("error", str(cat_file), None, None, str(exc)))
    context = [f.resolve() for f in pack_files(corpus_dir) if f.resolve() not in files] if corpus_dir.is_dir() else []
    mine = {str(p) for p in files}
    questions: list[tuple[str, Question]] = []
    for path in files + context:
        f = str(path)
        try:
            pack = load_pack(path)
        except PackError as exc:
            findings.append(Finding("error", f, None, None, str(exc).removeprefix(f"{f}:").strip()))
            continue
        questions += [(f, q) for q in pack.questions]
        if f not in mine:
            continue
        for q in pack.questions:
            findings += _bounds(f, q)
            if known and q.category not in known:
                message = f"unknown category {q.category!r}; known: {', '.join(known)}"
                findings.append(Finding("error", f, q.id, "category", message))
    seen: dict[str, str] = {}
    for f, q in questions:
        if q.id in seen and (f in mine or seen[q.id] in mine):
            findings.append(Finding("error", f, q.id, "id", f"duplicate id, also in {seen[q.id]}"))
        seen.setdefault(q.id, f)
    if embedder is not None:
        findings += _semantic(questions, mine, embedder, near_duplicate)
    return findings


def _semantic(
    questions: list[tuple[str, Question]], mine: set[str], embedder: Embedder, near_duplicate: float
) -> list[Finding]:
    """Near-duplicate prompts and unsupported key points (needs the embedding model)."""
    out: list[Finding] = []
    prompts = embedder.embed_batch([q.prompt for _, q in questions])
    sims = prompts @ prompts.T
    outside = np.array([f not in mine for f, _ in questions])
    for i, (f, q) in enumerate(questions):
        if f not in mine:
            continue
        # Only a question that comes first (another file's, or earlier in these) can be repeated:
        # of two copies, the second is the duplicate, even when the first also repeats a third.
        earlier = np.where(outside | (np.arange(len(questions)) < i), sims[i], -1.0)
        j = int(np.argmax(earlier))
        if earlier[j] >= near_duplicate:
            other_file, other = questions[j]
            message = f"near-duplicate of {other.id} in {other_file} (cosine {sims[i, j]:.2f} >= {near_duplicate})"
            out.append(Finding("error", f, q.id, "prompt", message, repeats=other))
        sentences = split_sentences(q.reference_answer) or [q.reference_answer]
        vectors = embedder.embed_batch(sentences + [k.text for k in q.key_points])
        support = (vectors[len(sentences) :] @ vectors[: len(sentences)].T).max(axis=1)
        for k, (point, s) in enumerate(zip(q.key_points, support)):
            if s < SUPPORTED:
                out.append(
                    Finding(
                        "warning",
                        f,
                        q.id,
                        f"key_points.{k}",
                        f"{point.text!r} is not stated by the reference answer "
                        f"(best sentence cosine {s:.2f} < {SUPPORTED})",
                    )
                )
    return out
