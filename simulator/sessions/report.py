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
# A follow-up that earns a missed must-have point was answered only when the interviewer prompted
# for it: it recovers half of that point's share of what the main answer left (10 - its score).
PROMPTED_CREDIT = 0.5


def thread_score(main: float, missed: int, earned: int) -> float:
    """A question's score over its thread: the main answer's score, raised by the follow-ups that
    earned one of its `missed` must-have points, each by PROMPTED_CREDIT of that point's share of
    the gap to 10. Follow-ups that earned nothing leave it as it was; it never goes down."""
    if missed <= 0 or earned <= 0:
        return main
    return round(min(10.0, main + PROMPTED_CREDIT * (10.0 - main) * min(earned, missed) / missed), 1)


def format_duration(seconds: float) -> str:
    """`45 s`, `2 min 10 s`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@dataclass(frozen=True)
class TurnRow:
    """A follow-up in a question's thread: what was asked, the answer, and its grade on the one point."""

    number: int  # 1 for the first follow-up of the question
    prompt: str
    point: str  # the missed must-have point it asks about
    answer: str
    score: float
    band: str
    valid: bool
    earned: bool  # the answer covered the point
    reason: str
    seconds_used: float | None
    timed_out: bool
    delivery: dict[str, Any] | None = None
    written_by: str | None = None  # the LLM model that worded the follow-up; None: offline

    def record(self, parent: dict[str, Any]) -> dict[str, Any]:
        """The turn as an export row: the question's row (`parent`) with this turn's fields."""
        return {
            **parent,
            "turn": self.number,
            "asked": self.prompt,
            "point": self.point,
            "asked_by": self.written_by or "offline",
            "answer": self.answer,
            "score": self.score,
            "band": self.band,
            "valid": self.valid,
            "reason": self.reason,
            "seconds_used": self.seconds_used,
            "timed_out": self.timed_out,
            "key_points_hit": int(self.earned),
            "key_points_total": 1,
            "missed": "" if self.earned else self.point,
            **delivery_record(self.delivery),
        }


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
    follow_ups: tuple[TurnRow, ...] = ()

    @property
    def thread_score(self) -> float:
        """The question's score with its follow-ups (`thread_score`)."""
        earned = sum(t.earned for t in self.follow_ups)
        return thread_score(self.score, len(self.missed) if self.answered else 0, earned)

    def record(self) -> dict[str, Any]:
        """The main answer's row for the JSON and CSV exports: every field but the reference answer,
        with the answer mode (typed or spoken), the delivery figures and the thread's score. Turn 0 is
        the question itself; its follow-ups are turns 1, 2, ... (`records`)."""
        row = asdict(self)
        del row["reference_answer"], row["delivery"], row["follow_ups"]
        row["missed"] = "; ".join(self.missed)
        row = {"number": self.number, "turn": 0, "asked": self.prompt, "point": "", "asked_by": "", **row}
        return {**row, "thread_score": self.thread_score, **delivery_record(self.delivery)}

    def records(self) -> list[dict[str, Any]]:
        """The thread as export rows: the question's, then one per follow-up."""
        main = self.record()
        return [main, *(t.record(main) for t in self.follow_ups)]


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
    follow_ups: int = 0  # the most asked after each answer
    adaptive: bool = False  # each question's difficulty followed the last answer's score

    @property
    def overall(self) -> float:
        """Mean thread score over every question asked; an unanswered question counts 0."""
        return round(sum(r.thread_score for r in self.rows) / len(self.rows), 1) if self.rows else 0.0

    @property
    def difficulty_path(self) -> str:
        """The difficulties of the questions answered, in order: "medium → hard → hard → medium"."""
        return " → ".join(r.difficulty for r in self.rows if r.answered)

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
            "follow_ups_per_question": self.follow_ups,
            "adaptive": self.adaptive,
            "difficulty_path": self.difficulty_path,
            "overall": self.overall,
            "answered": self.answered,
            "questions": len(self.rows),
            "strongest": self.strongest.title if self.strongest else None,
            "weakest": self.weakest.title if self.weakest else None,
            "categories": [
                {"category": c.category, "title": c.title, "score": c.score, "questions": c.questions}
                for c in self.categories
            ],
            # One per question, its follow-ups inside it: the thread.
            "attempts": [{**r.record(), "follow_ups": r.records()[1:]} for r in self.rows],
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """One row per turn: a question's answer (turn 0), then its follow-ups' (turns 1, 2, ...)."""
        return to_csv([record for r in self.rows for record in r.records()])

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
        if self.adaptive:
            lines.append(f"- Difficulty path (adaptive): {self.difficulty_path or 'no answer'}")
        lines += ["", "| # | Question | Category | Score | Thread | Band | Time |", "|---|---|---|---|---|---|---|"]
        for r in self.rows:
            when = "not reached" if not r.answered else format_duration(r.seconds_used or 0)
            when += " (time ran out)" if r.timed_out else ""
            prompt, title = _cell(r.prompt), _cell(r.category_title)
            scores = f"{r.score:.1f} | {r.thread_score:.1f}"
            lines.append(f"| {r.number} | {prompt} | {title} | {scores} | {r.band} | {when} |")
        for r in self.rows:
            lines += ["", f"## {r.number}. {_cell(r.prompt)}", ""]
            lines += [f"Score **{r.score:.1f}** ({r.band}), key points {r.key_points_hit}/{r.key_points_total}."]
            if r.reason:
                lines += ["", f"Not graded: {verdict(r.reason)}"]
            lines += ["", "Your answer:", "", _fence(r.answer or "(no answer)")]
            if r.missed:
                lines += ["", "Missed must-have points:", ""] + [f"- {_cell(m)}" for m in r.missed]
            lines += _turns_markdown(r)
            lines += ["", "Model answer:", "", _fence(r.reference_answer)]
        return "\n".join(lines) + "\n"


def _turns_markdown(row: ReportRow) -> list[str]:
    """A question's follow-ups in Markdown, and the thread's score when there were any."""
    lines: list[str] = []
    for t in row.follow_ups:
        said = f"earned “{_cell(t.point)}”" if t.earned else f"still missing “{_cell(t.point)}”"
        lines += ["", f"### Follow-up {t.number}: {_cell(t.prompt)}", ""]
        if t.written_by:
            lines += [f"Worded by the LLM ({_cell(t.written_by)}).", ""]
        lines += [f"Score **{t.score:.1f}** ({t.band}): {said}." + (" Time ran out." if t.timed_out else "")]
        if t.reason:
            lines += ["", f"Not graded: {verdict(t.reason)}"]
        lines += ["", "Your answer:", "", _fence(t.answer or "(no answer)")]
    if row.follow_ups:
        said = "the answer's, raised by follow-ups that earned a point"
        lines += ["", f"Thread score **{row.thread_score:.1f}** ({said})."]
    return lines


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
