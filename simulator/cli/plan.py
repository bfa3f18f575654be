"""`interview-sim plan`: a résumé set against a job description, the gap plan printed."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InputError
from .common import app, friendly, make_engine, progress_bar


@app.command()
@friendly
def plan(
    resume: Path = typer.Option(..., "--resume", help="The résumé: PDF, DOCX, Markdown or text."),
    job: Path = typer.Option(..., "--job", help="The job description, a text or Markdown file."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Which of a job's requirements your résumé covers, questions on the gaps first, and behavioral
    questions from your résumé. Nothing is stored."""
    from ..prep import gap_plan, load_resume

    candidate = load_resume(resume)
    try:
        posting = job.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"The job description {job} cannot be read ({exc.strerror or exc}).") from None
    engine = make_engine()
    engine.ingest(progress_bar("Embedding"))  # cheap once the bank is indexed
    result = gap_plan(engine.embedder, engine.store, engine.corpus, candidate, posting)
    typer.echo(result.to_json() if as_json else result.to_text())
