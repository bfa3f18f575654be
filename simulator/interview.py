"""Sessions: which question next (filters, surprise, job description), mock interviews, reports."""

from __future__ import annotations

import functools
import inspect
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Unpack

from .config import LLMSettings
from .corpus import Corpus, Question
from .delivery import TYPED_WPM as WORDS_PER_MINUTE
from .grading import Judgement
from .history import Attempt, History, RecordOptions, to_csv
from .text import clean, split_sentences, words

# Kinds a mock interview alternates between: "concepts" and "scenarios" (design counts as one).
CONCEPT_KINDS = ("concept",)
SCENARIO_KINDS = ("scenario", "design")
# A job description is read requirement by requirement: sentences (long ones cut at 60 words by
# split_sentences), fragments under 6 words joined to the next. One vector for a whole posting
# blurs "Kubernetes" and "drift monitoring" into an average that matches neither.
JOB_MIN_WORDS = 6
MAX_JOB_CHUNKS = 40

GradeFn = Callable[[str, str], Judgement]


class QuestionSearch(Protocol):
    """What ranking needs from the reference store (ReferenceStore satisfies it)."""

    def search_questions(
        self, text: str, n: int = 10, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]: ...


class Grading(Protocol):
    """What sessions need from the engine (Engine satisfies it)."""

    def grade(self, question_id: str, answer: str) -> Judgement: ...


# --- speaking time -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakingEstimate:
    words: int
    seconds: float

    def __str__(self) -> str:
        noun = "word" if self.words == 1 else "words"
        return f"{self.words} {noun} · about {format_duration(self.seconds)} spoken"


def speaking_estimate(text: str) -> SpeakingEstimate:
    """Word count and how long the answer takes to say at WORDS_PER_MINUTE."""
    n = len(words(text or ""))
    return SpeakingEstimate(n, round(n * 60 / WORDS_PER_MINUTE, 1))


def format_duration(seconds: float) -> str:
    """`45 s`, `2 min 10 s`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


# --- choosing questions --------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionFilter:
    """Empty tuples mean "any"."""

    categories: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()

    def matches(self, question: Question, pack: str) -> bool:
        return (
            (not self.categories or question.category in self.categories)
            and (not self.difficulties or question.difficulty in self.difficulties)
            and (not self.kinds or question.kind in self.kinds)
            and (not self.packs or pack in self.packs)
        )

    def where(self) -> dict[str, Any] | None:
        """The same filter for Chroma metadata (as search_questions takes it)."""
        fields = {"category": self.categories, "difficulty": self.difficulties, "kind": self.kinds, "pack": self.packs}
        where = {name: {"$in": list(values)} for name, values in fields.items() if values}
        return where or None


@dataclass(frozen=True)
class Ranked:
    question: Question
    similarity: float


def select(corpus: Corpus, flt: QuestionFilter | None = None) -> list[Question]:
    """The bank's questions that pass the filter, in bank order."""
    flt = flt or QuestionFilter()
    return [q for q in corpus.questions if flt.matches(q, corpus.pack_of.get(q.id, ""))]


def surprise(
    corpus: Corpus,
    flt: QuestionFilter | None = None,
    rng: random.Random | None = None,
    avoid: Collection[str] = (),
) -> Question | None:
    """A random question passing the filter, avoiding `avoid` (e.g. recent ones) while others remain."""
    pool = select(corpus, flt)
    fresh = [q for q in pool if q.id not in avoid] or pool
    return (rng or random.Random()).choice(fresh) if fresh else None


def job_chunks(text: str) -> list[str]:
    """A job description as requirement-sized pieces: its sentences, short fragments joined on."""
    chunks: list[str] = []
    pending = ""
    for sentence in split_sentences(clean(text)):
        pending = f"{pending} {sentence}".strip()
        if len(words(pending)) >= JOB_MIN_WORDS:
            chunks.append(pending)
            pending = ""
    if pending:
        chunks.append(pending)
    return chunks[:MAX_JOB_CHUNKS]


def search(
    store: QuestionSearch, corpus: Corpus, text: str, flt: QuestionFilter | None = None, n: int = 20
) -> list[Ranked]:
    """Questions nearest in meaning to a short text (a topic, a requirement), best first."""
    text = clean(text)
    if not words(text):
        return []
    hits = store.search_questions(text, n=n, where=(flt or QuestionFilter()).where())
    return _known(corpus, hits, n)


def rank_for_job(
    store: QuestionSearch, corpus: Corpus, job_description: str, flt: QuestionFilter | None = None, n: int = 20
) -> list[Ranked]:
    """Questions most relevant to a job description first.

    Each requirement of the description is searched on its own and a question keeps its best
    match: a posting that asks for "Kubernetes" in one line and "drift monitoring" in another
    should surface questions on both, not questions on the blurred average of the two.
    """
    where = (flt or QuestionFilter()).where()
    best: dict[str, float] = {}
    for chunk in job_chunks(job_description):
        for qid, sim in store.search_questions(chunk, n=n, where=where):
            best[qid] = max(sim, best.get(qid, -1.0))
    ordered = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    return _known(corpus, ordered, n)


def _known(corpus: Corpus, hits: Sequence[tuple[str, float]], n: int) -> list[Ranked]:
    """Hits whose question is in the bank (an index can briefly lag behind an edited pack)."""
    out: list[Ranked] = []
    for qid, sim in hits:
        if qid in corpus.pack_of and not any(r.question.id == qid for r in out):
            out.append(Ranked(corpus.get(qid), round(sim, 4)))
    return out[:n]


# --- grading and recording -----------------------------------------------------------------


def accepts_llm(engine: Grading) -> bool:
    """Whether this engine's `grade` takes LLM settings (the LLM judge is optional)."""
    try:
        return "llm" in inspect.signature(engine.grade).parameters
    except (TypeError, ValueError):
        return False


def grader(engine: Grading, llm: LLMSettings | None = None) -> GradeFn:
    """`engine.grade`, with the LLM judge's settings passed through when there are any."""
    if llm is not None and llm.configured and accepts_llm(engine):
        return functools.partial(engine.grade, llm=llm)  # type: ignore[call-arg]
    return engine.grade


def answer_question(
    grade: GradeFn, history: History, question: Question, answer: str, **options: Unpack[RecordOptions]
) -> Attempt:
    """Grade an answer and write it to history before anyone sees the score."""
    return history.record(question, answer, grade(question.id, answer), **options)


# --- mock interviews -----------------------------------------------------------------------


def plan_questions(
    corpus: Corpus, n: int, flt: QuestionFilter | None = None, rng: random.Random | None = None
) -> list[Question]:
    """n questions alternating concepts and scenarios, spread over categories as far as possible."""
    rng = rng or random.Random()
    pool = select(corpus, flt)
    concepts = [q for q in pool if q.kind in CONCEPT_KINDS]
    scenarios = [q for q in pool if q.kind in SCENARIO_KINDS]
    others = [q for q in pool if q.kind not in CONCEPT_KINDS + SCENARIO_KINDS]
    for group in (concepts, scenarios, others):
        rng.shuffle(group)
    lanes = (concepts, scenarios)
    chosen: list[Question] = []
    used_categories: set[str] = set()
    turn = rng.randrange(2)
    while len(chosen) < n:
        # Alternate lanes; when one runs dry take from the other, then from the rest (behavioural).
        lane = lanes[turn % 2] or lanes[(turn + 1) % 2] or others
        if not lane:
            break
        # Prefer a category not asked yet; otherwise take the next question in the lane.
        pick = next((q for q in lane if q.category not in used_categories), lane[0])
        lane.remove(pick)
        chosen.append(pick)
        used_categories.add(pick.category)
        turn += 1
    return chosen


@dataclass
class MockSlot:
    """One question of a mock interview and what happened to it."""

    question_id: str
    started_at: float | None = None
    answer: str | None = None
    attempt_id: int | None = None
    judgement: Judgement | None = None
    seconds_used: float | None = None
    timed_out: bool = False

    @property
    def answered(self) -> bool:
        return self.judgement is not None


@dataclass
class MockInterview:
    """A timed interview: no feedback until the end, every answer saved as it is graded."""

    id: str
    seconds_per_question: int
    slots: list[MockSlot]
    created_at: float = field(default_factory=time.time)
    index: int = 0
    stopped: bool = False

    @property
    def finished(self) -> bool:
        return self.stopped or self.index >= len(self.slots)

    @property
    def current(self) -> MockSlot | None:
        return None if self.finished else self.slots[self.index]

    def start_current(self, now: float | None = None) -> MockSlot | None:
        """Start the clock of the current question (once)."""
        slot = self.current
        if slot is not None and slot.started_at is None:
            slot.started_at = time.time() if now is None else now
        return slot

    def remaining(self, now: float | None = None) -> float:
        """Seconds left for the current question (the full time if its clock has not started)."""
        slot = self.current
        if slot is None:
            return 0.0
        if slot.started_at is None:
            return float(self.seconds_per_question)
        now = time.time() if now is None else now
        return max(0.0, self.seconds_per_question - (now - slot.started_at))

    def expired(self, now: float | None = None) -> bool:
        slot = self.current
        return slot is not None and slot.started_at is not None and self.remaining(now) <= 0

    def submit(
        self,
        grade: GradeFn,
        history: History,
        corpus: Corpus,
        answer: str,
        now: float | None = None,
        timed_out: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Attempt | None:
        """Grade and save the current answer (as it stands when time is up), then move on."""
        slot = self.start_current(now)
        if slot is None:
            return None
        now = time.time() if now is None else now
        used = min(float(self.seconds_per_question), now - (slot.started_at or now))
        late = self.remaining(now) <= 0 if timed_out is None else timed_out
        attempt = answer_question(
            grade,
            history,
            corpus.get(slot.question_id),
            answer,
            session_id=self.id,
            mode="mock",
            answer_seconds=round(used, 1),
            time_limit=self.seconds_per_question,
            timed_out=late,
            extra=extra,
        )
        slot.answer, slot.attempt_id, slot.judgement = answer, attempt.id, attempt.judgement
        slot.seconds_used, slot.timed_out = round(used, 1), late
        self.index += 1
        return attempt

    def stop(self) -> None:
        """End early: the report covers what was answered."""
        self.stopped = True

    def report(self, corpus: Corpus) -> MockReport:
        return build_report(self, corpus)


def start_mock(
    corpus: Corpus,
    n: int,
    seconds_per_question: int,
    flt: QuestionFilter | None = None,
    rng: random.Random | None = None,
) -> MockInterview:
    """A new mock interview of n questions (fewer if the filter leaves fewer)."""
    if n < 1:
        raise ValueError("a mock interview needs at least one question")
    questions = plan_questions(corpus, n, flt, rng)
    return MockInterview(
        id=f"mock-{uuid.uuid4().hex[:12]}",
        seconds_per_question=seconds_per_question,
        slots=[MockSlot(q.id) for q in questions],
    )


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    number: int
    question_id: str
    prompt: str
    category: str
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

    def record(self) -> dict[str, Any]:
        """The row for the JSON and CSV exports: every field but the reference answer."""
        row = asdict(self)
        del row["reference_answer"]
        row["missed"] = "; ".join(self.missed)
        return row


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
        return self.categories[0] if self.categories else None

    @property
    def weakest(self) -> CategoryScore | None:
        """None when every category scored the same (it would also be the strongest)."""
        if len(self.categories) < 2 or self.categories[-1].score == self.categories[0].score:
            return None
        return self.categories[-1]

    def to_json(self) -> str:
        data = {
            "interview_id": self.interview_id,
            "date": _date(self.created_at),
            "seconds_per_question": self.seconds_per_question,
            "overall": self.overall,
            "answered": self.answered,
            "questions": len(self.rows),
            "strongest": self.strongest.category if self.strongest else None,
            "weakest": self.weakest.category if self.weakest else None,
            "categories": [
                {"category": c.category, "score": c.score, "questions": c.questions} for c in self.categories
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
        if self.strongest:
            lines.append(f"- Strongest category: {self.strongest.title} ({self.strongest.score:.1f})")
        if self.weakest:
            lines.append(f"- Weakest category: {self.weakest.title} ({self.weakest.score:.1f})")
        lines += ["", "| # | Question | Category | Score | Band | Time |", "|---|---|---|---|---|---|"]
        for r in self.rows:
            when = "not reached" if not r.answered else format_duration(r.seconds_used or 0)
            when += " (time ran out)" if r.timed_out else ""
            prompt = _cell(r.prompt)
            lines.append(f"| {r.number} | {prompt} | {r.category} | {r.score:.1f} | {r.band} | {when} |")
        for r in self.rows:
            lines += ["", f"## {r.number}. {_cell(r.prompt)}", ""]
            lines += [f"Score **{r.score:.1f}** ({r.band}), key points {r.key_points_hit}/{r.key_points_total}."]
            if r.reason:
                lines += ["", f"Not graded: {r.reason}"]
            lines += ["", "Your answer:", "", _fence(r.answer or "(no answer)")]
            if r.missed:
                lines += ["", "Missed must-have points:", ""] + [f"- {_cell(m)}" for m in r.missed]
            lines += ["", "Model answer:", "", _fence(r.reference_answer)]
        return "\n".join(lines) + "\n"


def build_report(interview: MockInterview, corpus: Corpus) -> MockReport:
    """Per-question scores, the overall score and categories from best to worst."""
    rows: list[ReportRow] = []
    for i, slot in enumerate(interview.slots, start=1):
        q = corpus.get(slot.question_id)
        j = slot.judgement
        rows.append(
            ReportRow(
                number=i,
                question_id=q.id,
                prompt=q.prompt,
                category=q.category,
                kind=q.kind,
                difficulty=q.difficulty,
                answered=j is not None,
                answer=slot.answer or "",
                score=j.score if j else 0.0,
                band=j.band if j else "not reached",
                valid=bool(j and j.valid),
                reason=(j.reason or "") if j else "",
                seconds_used=slot.seconds_used,
                timed_out=slot.timed_out,
                key_points_hit=sum(k.hit for k in j.key_points) if j else 0,
                key_points_total=len(q.key_points),
                missed=tuple(j.missed) if j else tuple(k.text for k in q.must_points),
                reference_answer=q.reference_answer,
            )
        )
    asked = [r for r in rows if r.answered] or rows
    by_category: dict[str, list[float]] = {}
    for r in asked:
        by_category.setdefault(r.category, []).append(r.score)
    categories = sorted(
        (
            CategoryScore(c, corpus.categories.get(c, c), round(sum(s) / len(s), 1), len(s))
            for c, s in by_category.items()
        ),
        key=lambda c: (-c.score, c.category),
    )
    return MockReport(
        interview.id, interview.created_at, interview.seconds_per_question, tuple(rows), tuple(categories)
    )


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
