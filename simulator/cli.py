"""`interview-sim`: ingest, list, validate, grade and benchmark from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Optional, TypeVar

import typer

from .config import PACKAGE_ROOT, Settings
from .errors import SimulatorError

app = typer.Typer(
    help="MLOps mock-interview simulator: grade answers offline against reference answers.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def friendly(func: F) -> F:
    """Turn the project's errors into one line on stderr and a non-zero exit, no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SimulatorError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def _engine(settings: Settings | None = None) -> Any:
    from .engine import Engine

    return Engine(settings)


def _progress(label: str) -> Callable[[int, int], None]:
    """A progress bar on stderr that stays out of --json output."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit="q", file=sys.stderr, leave=False)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def _read_answer(answer: str) -> str:
    if answer != "-":
        return answer
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")


@app.command()
@friendly
def ingest() -> None:
    """Embed the corpus into the reference store (only what changed)."""
    engine = _engine()
    report = engine.ingest(_progress("Embedding"))
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
    from .bank import Corpus

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
    from .bank.validation import validate as run
    from .embeddings import default_embedder

    settings = Settings()
    paths = path or [settings.corpus_dir]
    for p in paths:
        if not p.exists():
            _fail(f"{p} does not exist: give a pack file or a directory of packs.", 2)
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
    from .bank.uploads import import_to_file

    settings = Settings()
    typer.echo("\n".join(import_to_file(file, out, settings.corpus_dir, settings.home / "tmp", keep_duplicates, force)))


@app.command()
@friendly
def grade(
    answer: str = typer.Option(..., "--answer", "-a", help="The answer text, or - to read it from stdin."),
    question_id: Optional[str] = typer.Option(None, "--question-id", "-q", help="A corpus question id."),
    question: Optional[str] = typer.Option(None, "--question", help="An ad-hoc question (with --reference)."),
    reference: Optional[str] = typer.Option(None, "--reference", help="Reference answer of the ad-hoc question."),
    key_point: Optional[list[str]] = typer.Option(None, "--key-point", help="Key point (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the judgement as JSON."),
    judge: str = typer.Option("embedding", "--judge", help="embedding (offline) or llm (rubric feedback)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible URL (else OPENAI_BASE_URL)."),
    model: Optional[str] = typer.Option(None, "--model", help="LLM model name (else SIM_LLM_MODEL)."),
) -> None:
    """Grade one answer, against a corpus question or an ad-hoc one."""
    if judge not in {"embedding", "llm"}:
        _fail(f"--judge must be embedding or llm, not {judge!r}.", 2)
    if question_id and (question or reference):
        _fail("give either --question-id or --question with --reference, not both.", 2)
    if not question_id and not (question and reference):
        _fail("give --question-id ID, or --question TEXT with --reference TEXT.", 2)
    text = _read_answer(answer)
    engine = _engine()
    # The API key comes from the environment only: a command-line flag would land in shell history.
    llm = engine.settings.llm(base_url=base_url, model=model) if judge == "llm" else None
    if question_id:
        asked = engine.question(question_id)  # unknown id: a usage error before any model load
        engine.ensure_indexed()
    else:
        from .bank import adhoc_question

        assert question and reference
        asked = adhoc_question(question, reference, key_point)
    judgement = engine.grade(asked, text, llm=llm)
    if llm is not None and not llm.configured and judgement.valid:
        judgement = judgement.model_copy(
            update={
                "fallback_reason": "LLM unavailable: no server configured; set OPENAI_BASE_URL and SIM_LLM_MODEL "
                "or pass --base-url and --model."
            }
        )
    if as_json:
        typer.echo(json.dumps(judgement_json(judgement), indent=2, ensure_ascii=False))
    else:
        typer.echo(render(judgement))


def judgement_json(j: Any) -> dict[str, Any]:
    data: dict[str, Any] = j.model_dump(mode="json")
    data["provenance"] = j.provenance
    return data


def render(j: Any) -> str:
    """A judgement as plain text for the terminal."""
    if not j.valid:
        return f"Not graded (score 0): {j.reason}"
    lines = [f"Score {j.score:.1f}/10 ({j.band}) - {j.provenance}"]
    if j.disagreement_note:
        lines.append(f"  ! {j.disagreement_note}")
    for c in j.criteria:
        lines.append(f"  {c.name}: {c.score:g}/{c.max_score:g} - {c.justification}")
    for k in j.key_points:
        mark = "✓" if k.hit else "✗"
        lines.append(f"  {mark} [{k.weight}] {k.text} (similarity {k.similarity:.2f}, words {k.word_match:.2f})")
        if k.hit:
            lines.append(f"      evidence: “{k.evidence}”")
    lines += [f"  {note}" for note in j.feedback]
    if j.outline:
        lines.append("A stronger answer would cover:")
        lines += [f"  - {point}" for point in j.outline]
    if j.follow_up:
        lines.append(f"Follow-up: {j.follow_up}")
    return "\n".join(lines)


@app.command()
@friendly
def transcribe(
    file: Path = typer.Argument(..., help="A WAV recording of a spoken answer."),
    question_id: Optional[str] = typer.Option(
        None, "--question-id", "-q", help="Count this question's job terms (default: the whole bank's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the transcript and delivery metrics as JSON."),
) -> None:
    """Transcribe a spoken answer offline and show its delivery: pace, fillers, hedges, pauses, job terms."""
    from .bank import Corpus
    from .errors import PackError
    from .speech import JobTerms, analyse_spoken, prompt_for, transcriber

    settings = Settings()
    try:
        corpus = Corpus.load(settings.corpus_dir)
    except PackError:
        if question_id:
            raise
        corpus = Corpus([])  # no bank: everything but the job terms
    jobs = JobTerms(corpus.questions)
    question = corpus.get(question_id) if question_id else None
    terms = jobs.for_question(question) if question else jobs.all()
    transcript = transcriber(settings).transcribe(file, prompt=prompt_for(question, terms) if question else None)
    delivery = analyse_spoken(transcript, terms)
    if as_json:
        data = {
            "text": transcript.text,
            "delivery": delivery.model_dump(mode="json"),
            "transcript": transcript.model_dump(mode="json"),
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(transcript.text)
    typer.echo("")
    typer.echo(f"{delivery.word_count} words in {delivery.duration_s:.1f} s ({transcript.engine})")
    if transcript.fallback:
        typer.echo(f"Note: {transcript.fallback}")
    for note in delivery.notes:
        typer.echo(f"  {note}")
    if delivery.filler_count == 0:
        typer.echo("  0 filler words.")
    if delivery.most_used:
        typer.echo("  Most used: " + ", ".join(f"{c.term} ×{c.count}" for c in delivery.most_used))


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
) -> None:
    """Measure grading latency, cold start, ingest speed and throughput under load against bare model calls."""
    from .evaluation import bench as figures

    if concurrency is None:
        report = figures.run()
        typer.echo(json.dumps(report, indent=2) if as_json else figures.format_report(report))
        return
    candidates = figures.candidates(concurrency)
    if not candidates:
        _fail(f"--concurrency {concurrency!r}: give numbers of candidates separated by commas, e.g. 1,5,20.", 2)
    engine = _engine()
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
    from .errors import InputError
    from .evaluation import agreement, fitting, labels
    from .grading.calibration import load_calibration

    dataset = agreement.read_data(data)
    if dataset.labelled:
        if fit_out is not None:
            raise InputError(f"{data} has labels, not score_avg grades: --fit needs a score_avg column.")
        report = labels.evaluate_labels(dataset.rows, progress=_progress("Grading"), skipped=dataset.skipped)
        typer.echo(json.dumps(labels.json_labels(report)) if as_json else labels.format_labels(report))
        return
    if fit_out is None:
        report = agreement.evaluate(dataset.rows, progress=_progress("Grading"), skipped=dataset.skipped)
        typer.echo(json.dumps(agreement.json_report(report)) if as_json else agreement.format_report(report))
        return
    # The fit grades what `eval` grades: rows the product cannot build are left out, and said so.
    rows, _, unbuilt = agreement.build(dataset.rows)
    for line in agreement.format_skipped(agreement.merged(dataset.skipped, unbuilt)):
        typer.echo(line, err=True)
    names = [f.strip() for f in features.split(",") if f.strip()] if features else None
    calibration, fitted = fitting.fit(rows, load_calibration(), names, progress=_progress("Grading"), source=data.name)
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
    from .evaluation import points

    engine = _engine()
    items = points.read_labelled(data or PACKAGE_ROOT / "tests" / "data" / "points", engine.corpus)
    engine.ensure_indexed()
    report = points.measure(items, engine.corpus, engine.judge)
    typer.echo(json.dumps(report) if as_json else points.format_points(report))


@app.command(name="app")
@friendly
def run_app(
    port: int = typer.Option(8501, "--port", help="Port to serve the app on."),
    address: str = typer.Option("127.0.0.1", "--address", help="Address to listen on (127.0.0.1: this machine only)."),
) -> None:
    """Start the web app (Streamlit) on the packaged app.py."""
    import os

    from .config import packaged

    script = packaged("app.py")
    if not script.is_file():
        _fail("The app is not part of this installation: reinstall the package (the wheel carries app.py).")
    # Streamlit reads its settings from the working directory: the project's own config travels as flags.
    args = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    args += ["--server.address", address, "--server.headless", "true", "--server.fileWatcherType", "none"]
    args += ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal", "--theme.base", "light"]
    os.execv(sys.executable, args)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
