"""`interview-sim star-eval`: how the STAR reader agrees with labelled behavioural answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..config import PACKAGE_ROOT
from .common import app, fail, friendly


@app.command(name="star-eval")
@friendly
def star_eval(
    data: Optional[Path] = typer.Option(
        None, "--data", help="Folder of labelled answers, one YAML file per split [default: tests/data/star]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
    confusions: bool = typer.Option(False, "--confusions", help="Also list each sentence labelled wrongly."),
) -> None:
    """Precision and recall of the STAR verdicts per part, per split (train.yaml, test.yaml) and on all."""
    from ..embeddings import default_embedder
    from ..evaluation import star

    folder = data or PACKAGE_ROOT / "tests" / "data" / "star"
    if not folder.is_dir():
        fail(f"{folder} is not a folder of labelled answers (one YAML file per split).")
    splits = {f.stem: star.load(f) for f in sorted(folder.glob("*.yaml"))}
    if not splits:
        fail(f"No labelled answers (*.yaml) in {folder}.")
    embedder = default_embedder()
    report = {name: star.evaluate(answers, embedder) for name, answers in splits.items()}
    report["all"] = star.evaluate([a for answers in splits.values() for a in answers], embedder)
    if as_json:
        typer.echo(json.dumps(report if confusions else {k: {**v, "confusions": []} for k, v in report.items()}))
        return
    typer.echo(star.format_report(report))
    if confusions:
        for name, figures in report.items():
            if name == "all":
                continue
            for c in figures["confusions"]:
                typer.echo(f"{name} {c['answer']}: {c['gold']} read as {c['predicted']}: {c['sentence']}")
