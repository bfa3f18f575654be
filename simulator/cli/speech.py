"""`interview-sim transcribe | speak`: a spoken answer transcribed, and the interviewer's voice rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..config import Settings
from .common import app, fail, friendly, read_answer


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
    from ..bank import Corpus
    from ..errors import PackError
    from ..speech import JobTerms, analyse_spoken, prompt_for, transcriber

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
def speak(
    text: Optional[str] = typer.Argument(None, help="What to say (or - to read it from stdin)."),
    question_id: Optional[str] = typer.Option(None, "--question-id", "-q", help="Say this question of the bank."),
    out: Path = typer.Option(..., "--out", "-o", help="The WAV file to write."),
) -> None:
    """Say a text or a question in the interviewer's voice (offline: Piper, else espeak-ng) into a WAV file."""
    from ..speech import tts

    if (text is None) == (question_id is None):
        fail("give either TEXT or --question-id ID.", 2)
    settings = Settings()
    if question_id:
        from ..bank import Corpus

        text = Corpus.load(settings.corpus_dir).get(question_id).prompt
    assert text is not None
    speech = tts.speak(read_answer(text), settings.home)
    if speech.audio is None:
        fail(speech.notice or "No speech engine could say it.")
    try:
        out.write_bytes(speech.audio or b"")
    except OSError as exc:
        fail(f"{out} cannot be written ({exc.strerror}): give another --out path.")
    how = "from the cache" if speech.cached else f"in {speech.seconds:.2f} s"
    typer.echo(f"Wrote {out}: {speech.duration:.1f} s of speech by {speech.engine} ({how}).")
    if speech.notice:
        typer.echo(f"Note: {speech.notice}", err=True)
