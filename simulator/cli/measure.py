"""`interview-sim bench | eval | eval-points | star-eval`: speed, and agreement with human labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..config import PACKAGE_ROOT
from .common import app, fail, friendly, make_engine, progress_bar


@app.command()
@friendly
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    concurrency: Optional[str] = typer.Option(
        None,
        "--concurrency",
        help="Only the load figures, for these numbers of simulated candidates grading at once, e.g. 1,5,20.",
    ),
    grades: int = typer.Option(80, "--grades", min=1, help="With --concurrency: answers graded in each run."),
    rounds: int = typer.Option(3, "--rounds", min=1, help="With --concurrency: rounds of runs (medians are shown)."),
    speech: bool = typer.Option(
        False, "--tts", help="Only the interviewer's voice: real-time factor and first audio per engine."
    ),
) -> None:
    """Measure grading latency, cold start, ingest speed and throughput under load against bare model calls,
    and the interviewer's voice."""
    from ..evaluation import bench as figures

    if speech:
        voice = figures.speech_figures()
        typer.echo(json.dumps(voice, indent=2) if as_json else figures.format_speech(voice))
        return
    if concurrency is None:
        report = figures.run()
        typer.echo(json.dumps(report, indent=2) if as_json else figures.format_report(report))
        return
    candidates = figures.candidates(concurrency)
    if not candidates:
        fail(f"--concurrency {concurrency!r}: give numbers of candidates separated by commas, e.g. 1,5,20.", 2)
    engine = make_engine()
    engine.ensure_indexed()
    load = figures.concurrency(engine, candidates, grades, rounds)
    typer.echo(json.dumps(load, indent=2) if as_json else figures.format_concurrency(load))


@app.command(name="eval")
@friendly
def eval_command(
    data: Path = typer.Option(
        ...,
        "--data",
        help="CSV with question, reference_answer, student_answer and score_avg (0-5) or label "
        "(correct, partially_correct_incomplete, contradictory, irrelevant, non_domain)[, question_id].",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
    fit_out: Optional[Path] = typer.Option(None, "--fit", help="Fit the calibration on DATA, write it to this file."),
    features: Optional[str] = typer.Option(None, "--features", help="With --fit: comma-separated features to use."),
    ablations: bool = typer.Option(False, "--ablations", help="With --fit: grouped-CV effect of each feature."),
) -> None:
    """Measure how the embedding judge agrees with human grades (Pearson, Spearman, RMSE, baseline) or labels.

    Rows that cannot be graded (a bad grade, a reference the product refuses) are skipped and listed.
    """
    from ..errors import InputError
    from ..evaluation import agreement, fitting, labels
    from ..grading.calibration import load_calibration

    dataset = agreement.read_data(data)
    if dataset.labelled:
        if fit_out is not None:
            raise InputError(f"{data} has labels, not score_avg grades: --fit needs a score_avg column.")
        report = labels.evaluate_labels(dataset.rows, progress=progress_bar("Grading"), skipped=dataset.skipped)
        typer.echo(json.dumps(labels.json_labels(report)) if as_json else labels.format_labels(report))
        return
    if fit_out is None:
        report = agreement.evaluate(dataset.rows, progress=progress_bar("Grading"), skipped=dataset.skipped)
        typer.echo(json.dumps(agreement.json_report(report)) if as_json else agreement.format_report(report))
        return
    # The fit grades what `eval` grades: rows the product cannot build are left out, and said so.
    rows, _, unbuilt = agreement.build(dataset.rows)
    for line in agreement.format_skipped(agreement.merged(dataset.skipped, unbuilt)):
        typer.echo(line, err=True)
    names = [f.strip() for f in features.split(",") if f.strip()] if features else None
    calibration, fitted = fitting.fit(
        rows, load_calibration(), names, progress=progress_bar("Grading"), source=data.name
    )
    fit_out.write_text(json.dumps(calibration.model_dump(mode="json"), indent=2) + "\n")
    typer.echo(fitting.format_fit(fitted))
    if ablations:
        typer.echo(fitting.format_ablations(fitting.ablations(fitted["table"], fitted["features"])))
    typer.echo(f"Wrote {fit_out}.", err=True)


@app.command(name="eval-points")
@friendly
def eval_points(
    data: Optional[Path] = typer.Option(
        None, "--data", help="YAML file or folder of labelled answers [default: tests/data/points of the checkout]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
) -> None:
    """Measure how the judge's key-point verdicts agree with labelled answers (recall, false hits, order)."""
    from ..evaluation import points

    engine = make_engine()
    items = points.read_labelled(data or PACKAGE_ROOT / "tests" / "data" / "points", engine.corpus)
    engine.ensure_indexed()
    report = points.measure(items, engine.corpus, engine.judge)
    typer.echo(json.dumps(report) if as_json else points.format_points(report))


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
