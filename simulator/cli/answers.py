"""`interview-sim grade`: an answer graded from the shell."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from .common import app, fail, friendly, make_engine, read_answer


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
        fail(f"--judge must be embedding or llm, not {judge!r}.", 2)
    if question_id and (question or reference):
        fail("give either --question-id or --question with --reference, not both.", 2)
    if not question_id and not (question and reference):
        fail("give --question-id ID, or --question TEXT with --reference TEXT.", 2)
    text = read_answer(answer)
    engine = make_engine()
    # The API key comes from the environment only: a command-line flag would land in shell history.
    llm = engine.settings.llm(base_url=base_url, model=model) if judge == "llm" else None
    if question_id:
        asked = engine.question(question_id)  # unknown id: a usage error before any model load
        engine.ensure_indexed()
    else:
        from ..bank import adhoc_question

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
