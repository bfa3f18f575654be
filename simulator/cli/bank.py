"""`interview-sim ingest | questions | validate | import`: the question bank."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..config import Settings
from .common import app, fail, friendly, make_engine, progress_bar


@app.command()
@friendly
def ingest() -> None:
    """Embed the corpus into the reference store (only what changed)."""
    engine = make_engine()
    report = engine.ingest(progress_bar("Embedding"))
    for notice in engine.notices:
        typer.echo(notice, err=True)
    typer.echo(str(report))


@app.command()
@friendly
def questions(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    category: Optional[str] = typer.Option(None, help="Only this category id."),
    difficulty: Optional[str] = typer.Option(None, help="easy, medium or hard."),
    kind: Optional[str] = typer.Option(None, help="concept, scenario, design or behavioral."),
) -> None:
    """List the questions of the corpus."""
    from ..bank import Corpus

    corpus = Corpus.load(Settings().corpus_dir)
    chosen = [
        q
        for q in corpus.questions
        if (category is None or q.category == category)
        and (difficulty is None or q.difficulty == difficulty)
        and (kind is None or q.kind == kind)
    ]
    if as_json:
        rows = [{**q.model_dump(mode="json"), "pack": corpus.pack_of[q.id]} for q in chosen]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for q in chosen:
        typer.echo(f"{q.id:<48} {q.category:<20} {q.difficulty:<6} {q.kind:<10} {q.prompt}")
    typer.echo(f"{len(chosen)} questions", err=True)


@app.command()
@friendly
def validate(
    path: Optional[list[Path]] = typer.Argument(None, help="Pack files or directories (default: the corpus)."),
    strict: bool = typer.Option(False, help="Treat warnings as errors."),
    semantic: bool = typer.Option(True, help="Check near-duplicates and key-point support (loads the model)."),
) -> None:
    """Check packs: schema, ids, categories, lengths, near-duplicates, key-point support."""
    from ..bank.validation import validate as run
    from ..embeddings import default_embedder

    settings = Settings()
    paths = path or [settings.corpus_dir]
    for p in paths:
        if not p.exists():
            fail(f"{p} does not exist: give a pack file or a directory of packs.", 2)
    findings = run(paths, settings.corpus_dir, default_embedder() if semantic else None)
    for f in findings:
        typer.echo(str(f))
    errors = sum(f.level == "error" or strict for f in findings)
    warnings = len(findings) - sum(f.level == "error" for f in findings)
    typer.echo(f"{errors} error(s), {warnings} warning(s).", err=True)
    if errors:
        raise typer.Exit(1)


@app.command("import")
@friendly
def import_(
    file: Path = typer.Argument(..., help="A markdown prep sheet (.md), a CSV (question,answer,...) or a YAML pack."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the pack (YAML)."),
    force: bool = typer.Option(False, help="Replace --out if it exists."),
    keep_duplicates: bool = typer.Option(False, help="Keep the questions that repeat one already in the bank."),
) -> None:
    """Import a prep sheet or CSV as a validated pack; questions the bank already asks are skipped and
    guesses are marked `needs_review`."""
    from ..bank.uploads import import_to_file

    settings = Settings()
    typer.echo("\n".join(import_to_file(file, out, settings.corpus_dir, settings.home / "tmp", keep_duplicates, force)))
