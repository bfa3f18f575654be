"""Which question next: filters, a surprise pick, search by meaning, ranking for a job description."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..bank import Corpus, Question
from ..text import clean, split_sentences, words

# Kinds a mock interview alternates between: "concepts" and "scenarios" (design counts as one).
CONCEPT_KINDS = ("concept",)
SCENARIO_KINDS = ("scenario", "design")

# A job description is read requirement by requirement: sentences (long ones cut at 60 words by
# split_sentences), fragments under 6 words joined to the next. One vector for a whole posting
# blurs "Kubernetes" and "drift monitoring" into an average that matches neither.
JOB_MIN_WORDS = 6
MAX_JOB_CHUNKS = 40

# Search by meaning lists only questions whose prompt is at least this close to the query. On the
# bank (223 prompts, MiniLM), 17 MLOps queries find their best question at 0.43-0.88 and on-topic
# ones down to 0.30 ("quantisation": the INT8 questions at 0.30-0.35), while 31 of 32 unrelated
# queries ("chocolate cake recipe", "asdf qwerty zxcv") stay under 0.29, at 0.18 on average. A
# shared word can still pass: "marathon training plan" reaches 0.42 on a question about training runs.
RELEVANT = 0.30


class QuestionSearch(Protocol):
    """What ranking needs from the reference store (ReferenceStore satisfies it)."""

    def search_questions(
        self, text: str, n: int = 10, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]: ...


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
    store: QuestionSearch,
    corpus: Corpus,
    text: str,
    flt: QuestionFilter | None = None,
    n: int = 20,
    floor: float = RELEVANT,
) -> list[Ranked]:
    """Questions close in meaning to a short text (a topic, a requirement), best first; none when
    no prompt reaches `floor`."""
    text = clean(text)
    if not words(text):
        return []
    hits = store.search_questions(text, n=n, where=(flt or QuestionFilter()).where())
    return _known(corpus, [(qid, sim) for qid, sim in hits if sim >= floor], n)


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
