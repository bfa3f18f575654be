"""The report of a mock interview as one self-contained HTML file to share: no script, no request
leaves it (styles and the chart are inline), readable on a phone and printable to PDF.

Everything the candidate or an LLM wrote goes through `html.escape`; markup is only ever built from
this module's own strings.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from html import escape
from typing import Any

from ..grading import Judgement, band_for
from .report import MockReport, ReportRow, TurnRow, format_duration, verdict

# The bands' colours, as on the app's pages (ui.judgement_view.BAND_HEX).
BAND_HEX = {
    "excellent": "#21a366",
    "good": "#1c83e1",
    "partial": "#ff8700",
    "weak": "#e03c31",
    "invalid": "#a3a8b8",
    "not reached": "#a3a8b8",
}

# Defence in depth: even markup that slipped through could neither run a script nor fetch anything.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1f2430;background:#f6f7f9}
main{max-width:860px;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:0 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:1rem;margin:1rem 0}
.figures{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:.5rem 0}
.figures div{min-width:7rem}
.figures b{display:block;font-size:1.4rem}
.meta{color:#5c6370;font-size:.9rem}
.band{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-size:.85rem}
.answer{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f7f9;border-left:3px solid #c5cad3;
padding:.5rem .75rem;margin:.25rem 0}
mark{background:#c8f0d8;border-bottom:2px solid #21a366;padding:0 .1rem}
mark.wrong{background:#fde0de;border-bottom-color:#e03c31}
ul{padding-left:1.25rem;margin:.25rem 0}
.hit{color:#1a7f4f}
.miss{color:#b42318}
.note{background:#fff6e5;border-left:3px solid #ff8700;padding:.25rem .75rem}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eceef1}
svg{max-width:100%;height:auto}
.figures.small b{font-size:1rem}
.turn{border-left:3px solid #1c83e1;padding-left:.75rem;margin:1rem 0}
.asked{font-style:italic}
@media (max-width:600px){main{padding:.5rem}section{padding:.75rem}h1{font-size:1.3rem}}
@media print{
body{background:#fff;font-size:11pt}
main{max-width:none;padding:0}
section{border:none;border-top:1px solid #ccc;border-radius:0;padding:.5rem 0}
h2,h3{break-after:avoid}
li,tr,svg,.figures{break-inside:avoid}
mark,.band,svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@page{margin:15mm}
}
"""


def report_html(report: MockReport, judgements: Sequence[Judgement | None]) -> str:
    """The report as one HTML document; `judgements` are the rows' (None for a question not reached)."""
    if len(judgements) != len(report.rows):
        raise ValueError(f"{len(judgements)} judgements for {len(report.rows)} questions")
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.created_at))
    body = [
        f"<h1>Mock interview report</h1><p class='meta'>{_e(date)}</p>",
        _summary(report),
        *(_question(row, j) for row, j in zip(report.rows, judgements, strict=True)),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Mock interview report ({_e(date)})</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _summary(report: MockReport) -> str:
    used = sum(r.seconds_used or 0 for r in report.rows)
    figures = (
        ("Overall", f"{report.overall:.1f} / 10"),
        ("Answered", f"{report.answered} of {len(report.rows)}"),
        ("Time used", format_duration(used)),
        ("Per question", format_duration(report.seconds_per_question)),
        ("Follow-ups", f"up to {report.follow_ups} per question"),
    )
    parts = ["<section><h2>Summary</h2><div class='figures'>"]
    parts += [f"<div>{_e(name)}<b>{_e(value)}</b></div>" for name, value in figures]
    parts.append("</div>")
    if report.adaptive:
        parts.append(f"<p>Difficulty path (adaptive): <b>{_e(report.difficulty_path or 'no answer')}</b></p>")
    parts.append("<h3>Strengths and gaps</h3><ul>")
    parts += [f"<li>{_e(said)}</li>" for said in report.strengths()]
    missed = sum(len(r.missed) for r in report.rows if r.answered)
    if missed:
        parts.append(f"<li>{missed} must-have point{'s' if missed != 1 else ''} missed in the answers given.</li>")
    parts.append("</ul>")
    if report.categories:
        parts.append("<h3>By category</h3><table><tr><th>Category</th><th>Score</th><th>Questions</th></tr>")
        parts += [
            f"<tr><td>{_e(c.title)}</td><td>{c.score:.1f}</td><td>{c.questions}</td></tr>" for c in report.categories
        ]
        parts.append("</table>")
    parts.append(f"<h3>Scores</h3>{_chart(report.rows)}</section>")
    return "".join(parts)


def _chart(rows: Sequence[ReportRow]) -> str:
    """Per-question bars on a 0-10 scale, as an inline SVG: the score above each, or why there is none."""
    slot, height, top, left = 80, 150, 20, 24
    width = left + max(1, len(rows)) * slot
    parts = [
        # Drawn at its own size, never wider than the page: three bars do not fill a laptop screen.
        f"<svg viewBox='0 0 {width} {height + top + 20}' width='{width}' role='img' "
        "aria-label='Score of each question' font-size='11' text-anchor='middle'>"
    ]
    for mark in (0, 5, 10):
        y = top + height - height * mark / 10
        parts.append(f"<line x1='{left}' y1='{y}' x2='{width}' y2='{y}' stroke='#dde1e7'/>")
        parts.append(f"<text x='{left - 6}' y='{y + 4}' text-anchor='end' fill='#5c6370'>{mark}</text>")
    for i, r in enumerate(rows):
        x = left + i * slot
        bar = round(height * r.thread_score / 10, 1)  # the question's score: its thread's
        label = f"{r.thread_score:.1f}" if r.valid else ("not reached" if not r.answered else "not graded")
        parts.append(f"<g><title>Q{r.number}: {_e(r.prompt)}</title>")
        if bar > 0:
            color = BAND_HEX.get(band_for(r.thread_score), "#a3a8b8")
            parts.append(
                f"<rect x='{x + 16}' y='{top + height - bar}' width='{slot - 32}' height='{bar}' fill='{color}'/>"
            )
        parts.append(f"<text x='{x + slot / 2}' y='{top + height - bar - 4}'>{_e(label)}</text>")
        parts.append(f"<text x='{x + slot / 2}' y='{top + height + 15}'>Q{r.number}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def _question(row: ReportRow, j: Judgement | None) -> str:
    when = "not reached" if not row.answered else format_duration(row.seconds_used or 0)
    when += " (time ran out)" if row.timed_out else ""
    meta = " · ".join((row.category_title, row.kind, row.difficulty, when))
    color = BAND_HEX.get(row.band, "#a3a8b8")
    parts = [
        f"<section><h2>{row.number}. {_e(row.prompt)}</h2><p class='meta'>{_e(meta)}</p>",
        f"<p>Score <b>{row.score:.1f} / 10</b> <span class='band' style='background:{color}'>{_e(row.band)}</span>"
        f" · key points {row.key_points_hit}/{row.key_points_total}"
        + (f" · thread <b>{row.thread_score:.1f} / 10</b>" if row.follow_ups else "")
        + "</p>",
    ]
    if j is None:
        parts.append("<p>Not reached.</p>")
        parts.append(_list("Must-have points to cover", row.missed, "miss"))
    else:
        parts.append(f"<p class='meta'>Graded by: {_e(j.provenance)}</p>")
        if row.reason:
            parts.append(f"<p class='note'>Not graded: {_e(verdict(row.reason))}</p>")
        parts.append(f"<h3>Answer</h3>{_answer(row.answer, j)}")
        parts.append(_key_points(j))
        parts.append(_list("Missed must-have points", row.missed, "miss"))
        parts.append(_list("Missed nice-to-have points", j.missed_nice, "miss"))
        parts.append(_misconceptions(j))
        parts.append(_list("Feedback", j.feedback))
        if j.follow_up and not row.follow_ups:
            parts.append(f"<h3>Follow-up to prepare</h3><p>{_e(j.follow_up)}</p>")
        parts.append(_delivery(row.delivery))
        parts += [_turn(t) for t in row.follow_ups]
    parts.append(f"<h3>Model answer</h3><div class='answer'>{_e(row.reference_answer)}</div></section>")
    return "".join(parts)


def _turn(t: TurnRow) -> str:
    """A follow-up of the thread: what the interviewer asked, the answer, and whether it earned the point."""
    color = BAND_HEX.get(t.band, "#a3a8b8")
    cls, said = ("hit", "✓ earned") if t.earned else ("miss", "✗ still missing")
    said = f"<span class='{cls}'>{said}: {_e(t.point)}</span>"
    late = " · time ran out" if t.timed_out else ""
    parts = [
        f"<div class='turn'><h3>Follow-up {t.number}</h3><p class='asked'>{_e(t.prompt)}</p>",
        f"<p class='meta'>Worded by the LLM ({_e(t.written_by)}).</p>" if t.written_by else "",
        f"<div class='answer'>{_e(t.answer) if t.answer.strip() else '(no answer)'}</div>",
        f"<p>Score <b>{t.score:.1f} / 10</b> <span class='band' style='background:{color}'>{_e(t.band)}</span>"
        f" · {said}{_e(late)}</p>",
    ]
    if t.reason:
        parts.append(f"<p class='note'>Not graded: {_e(verdict(t.reason))}</p>")
    parts.append(_delivery(t.delivery))
    return "".join(parts) + "</div>"


def _answer(answer: str, j: Judgement) -> str:
    """The answer as written, with the sentences that earned key points (and those that stated a
    misconception) marked where they are found in it."""
    if not answer.strip():
        return "<div class='answer'>(no answer)</div>"
    marks = [(k.evidence, "", f"Key point: {k.text}") for k in j.key_points if k.hit and k.evidence]
    marks += [(m.evidence, "wrong", f"Misconception: {m.text}") for m in j.misconceptions]
    spans: list[tuple[int, int, str, str]] = []
    for sentence, cls, title in marks:
        # The judge's sentences are cleaned (whitespace folded): find them with any whitespace between words.
        found = re.search(r"\s+".join(map(re.escape, sentence.split())), answer)
        if found and sentence.strip():
            spans.append((found.start(), found.end(), cls, title))
    out, pos = [], 0
    for start, end, cls, title in sorted(spans):
        if start < pos:  # one sentence may earn several points: marked once
            continue
        attr = f" class='{cls}'" if cls else ""
        out.append(f"{_e(answer[pos:start])}<mark{attr} title='{_e(title)}'>{_e(answer[start:end])}</mark>")
        pos = end
    out.append(_e(answer[pos:]))
    return f"<div class='answer'>{''.join(out)}</div>"


def _key_points(j: Judgement) -> str:
    if not j.key_points:
        return ""
    items = []
    for k in j.key_points:
        weight = "must-have" if k.weight == "must" else "nice to have"
        if k.hit:
            said = f"<br><mark>{_e(k.evidence)}</mark>" if k.evidence else ""
            items.append(f"<li class='hit'>✓ {_e(k.text)} <span class='meta'>({weight})</span>{said}</li>")
        else:
            items.append(f"<li class='miss'>✗ {_e(k.text)} <span class='meta'>({weight})</span></li>")
    return f"<h3>Key points</h3><ul>{''.join(items)}</ul>"


def _misconceptions(j: Judgement) -> str:
    if not j.misconceptions:
        return ""
    items = [
        f"<li><mark class='wrong'>{_e(m.evidence)}</mark><br>Misconception: {_e(m.text)}<br>"
        f"Correction: {_e(m.correction)}</li>"
        for m in j.misconceptions
    ]
    return f"<h3>Misconceptions stated</h3><ul>{''.join(items)}</ul>"


def _list(title: str, items: Sequence[str], cls: str = "") -> str:
    if not items:
        return ""
    attr = f" class='{cls}'" if cls else ""
    return f"<h3>{_e(title)}</h3><ul{attr}>{''.join(f'<li>{_e(i)}</li>' for i in items)}</ul>"


def _delivery(d: dict[str, Any] | None) -> str:
    """The delivery figures stored with the answer, when any were measured."""
    if not d:
        return ""
    figures = [("Answer", "spoken" if d.get("spoken") else "typed")]
    if d.get("word_count") is not None:
        figures.append(("Words", str(d["word_count"])))
    if d.get("duration_s") is not None:
        est = " (estimated)" if d.get("estimated") else ""
        figures.append(("Duration", f"{format_duration(d['duration_s'])}{est}"))
    if d.get("words_per_minute") is not None:
        figures.append(("Words per minute", f"{d['words_per_minute']:.0f}"))
    figures.append(("Fillers", f"{d.get('filler_count', 0)} ({d.get('fillers_per_minute', 0.0):.1f} per minute)"))
    figures.append(("Hedges", str(d.get("hedge_count", 0))))
    if d.get("spoken"):
        figures.append(("Long pauses", str(len(d.get("long_pauses", [])))))
    cells = "".join(f"<div>{_e(name)}<b>{_e(value)}</b></div>" for name, value in figures)
    notes = _list("Delivery notes", d.get("notes", []))
    return f"<h3>Delivery</h3><div class='figures small'>{cells}</div>{notes}"
