"""The report of a mock interview: per-question rows, category scores, and its exports."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from typing import Any

from ..grading import band_for
from ..history import to_csv
from ..history.export import delivery_record
from ..text import split_sentences

STRONG_BANDS = ("good", "excellent")  # a category is called the strongest only from "good" up


def format_duration(seconds: float) -> str:
    """`45 s`, `2 min 10 s`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@dataclass(frozen=True)
class ReportRow:
    number: int
    question_id: str
    prompt: str
    category: str
    category_title: str
    kind: str
    difficulty: str
    answered: bool
    answer: str
    score: float
    band: str
    valid: bool
    reason: str
    seconds_used: float | None
    timed_out: bool
    key_points_hit: int
    key_points_total: int
    missed: tuple[str, ...]
    reference_answer: str
    delivery: dict[str, Any] | None = None  # as stored with the attempt (`Delivery` as JSON)

    def record(self) -> dict[str, Any]:
        """The row for the JSON and CSV exports: every field but the reference answer, with the
        answer mode (typed or spoken) and the delivery figures."""
        row = asdict(self)
        del row["reference_answer"], row["delivery"]
        row["missed"] = "; ".join(self.missed)
        return {**row, **delivery_record(self.delivery)}


def verdict(reason: str) -> str:
    """What a not-graded answer's reason says happened, in its first sentence, without advice to retry."""
    first = (split_sentences(reason) or [reason])[0]
    first = re.sub(r"[,;:]?\s*(?:then\s+)?try again\b[^.!?]*", "", first, flags=re.IGNORECASE).strip()
    return first if first.endswith((".", "!", "?")) else f"{first}."


@dataclass(frozen=True)
class CategoryScore:
    category: str
    title: str
    score: float
    questions: int


@dataclass(frozen=True)
class MockReport:
    interview_id: str
    created_at: float
    seconds_per_question: int
    rows: tuple[ReportRow, ...]
    categories: tuple[CategoryScore, ...]  # best first

    @property
    def overall(self) -> float:
        """Mean score over every question asked; an unanswered question counts 0."""
        return round(sum(r.score for r in self.rows) / len(self.rows), 1) if self.rows else 0.0

    @property
    def answered(self) -> int:
        return sum(r.answered for r in self.rows)

    @property
    def strongest(self) -> CategoryScore | None:
        """The best category, when it scored at least "good": a weak best is no strength."""
        if self.categories and band_for(self.categories[0].score) in STRONG_BANDS:
            return self.categories[0]
        return None

    @property
    def weakest(self) -> CategoryScore | None:
        """None when every category scored the same (it would also be the best)."""
        if len(self.categories) < 2 or self.categories[-1].score == self.categories[0].score:
            return None
        return self.categories[-1]

    def strengths(self) -> list[str]:
        """The strongest and weakest categories in words (the Markdown and HTML reports both say them)."""
        said = [
            f"Strongest category: {self.strongest.title} ({self.strongest.score:.1f})"
            if self.strongest
            else "No strong category yet."
        ]
        if self.weakest:
            said.append(f"Weakest category: {self.weakest.title} ({self.weakest.score:.1f})")
        return said

    def to_json(self) -> str:
        data = {
            "interview_id": self.interview_id,
            "date": _date(self.created_at),
            "seconds_per_question": self.seconds_per_question,
            "overall": self.overall,
            "answered": self.answered,
            "questions": len(self.rows),
            "strongest": self.strongest.title if self.strongest else None,
            "weakest": self.weakest.title if self.weakest else None,
            "categories": [
                {"category": c.category, "title": c.title, "score": c.score, "questions": c.questions}
                for c in self.categories
            ],
            "attempts": [r.record() for r in self.rows],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        return to_csv([r.record() for r in self.rows])

    def to_markdown(self) -> str:
        """The report as a Markdown document; answers are fenced so their text stays text."""
        lines = [
            f"# Mock interview report ({_date(self.created_at)})",
            "",
            f"**Overall: {self.overall:.1f} / 10** over {len(self.rows)} questions "
            f"({self.answered} answered, {format_duration(self.seconds_per_question)} each).",
            "",
        ]
        lines += [f"- {said}" for said in self.strengths()]
        lines += ["", "| # | Question | Category | Score | Band | Time |", "|---|---|---|---|---|---|"]
        for r in self.rows:
            when = "not reached" if not r.answered else format_duration(r.seconds_used or 0)
            when += " (time ran out)" if r.timed_out else ""
            prompt = _cell(r.prompt)
            lines.append(f"| {r.number} | {prompt} | {_cell(r.category_title)} | {r.score:.1f} | {r.band} | {when} |")
        for r in self.rows:
            lines += ["", f"## {r.number}. {_cell(r.prompt)}", ""]
            lines += [f"Score **{r.score:.1f}** ({r.band}), key points {r.key_points_hit}/{r.key_points_total}."]
            if r.reason:
                lines += ["", f"Not graded: {verdict(r.reason)}"]
            lines += ["", "Your answer:", "", _fence(r.answer or "(no answer)")]
            if r.missed:
                lines += ["", "Missed must-have points:", ""] + [f"- {_cell(m)}" for m in r.missed]
            lines += ["", "Model answer:", "", _fence(r.reference_answer)]
        return "\n".join(lines) + "\n"


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _cell(text: str) -> str:
    """One line of text safe inside a Markdown table or heading."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", " ".join(text.split()))


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in the text, so the text cannot close it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"
