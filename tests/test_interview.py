"""Sessions without Streamlit: choosing questions, job-description ranking, mock interviews, reports."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simulator import Engine, Settings
from simulator.bank import Corpus
from simulator.config import LLMSettings
from simulator.embeddings import MiniLMEmbedder
from simulator.history import History
from simulator.sessions import (
    QuestionFilter,
    answer_question,
    format_duration,
    rank_for_job,
    search,
    select,
    start_mock,
    surprise,
)
from simulator.sessions.mock import plan_questions
from simulator.sessions.selection import MAX_JOB_CHUNKS, job_chunks

from .helpers import FakeEngine, copy_corpus


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_corpus(tmp_path_factory.mktemp("seed-corpus"))


@pytest.fixture(scope="module")
def bank(seed_dir: Path) -> Corpus:
    return Corpus.load(seed_dir)


@pytest.fixture(scope="module")
def seed_engine(embedder: MiniLMEmbedder, seed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The real judge and a real Chroma store over the seed pack only (12 questions: fast)."""
    home = tmp_path_factory.mktemp("seed-home")
    engine = Engine(Settings().with_(home=home, corpus_dir=seed_dir), embedder)
    engine.ingest()
    return engine


@pytest.fixture
def history(sim_home: Path) -> History:
    return History(sim_home / "history.sqlite3")


def test_durations_read_as_minutes_and_seconds() -> None:
    assert [format_duration(s) for s in (0, 45, 60, 130)] == ["0 s", "45 s", "1 min", "2 min 10 s"]


def test_filters_select_by_every_field(bank: Corpus) -> None:
    assert len(select(bank)) == len(bank.questions)
    scenarios = select(bank, QuestionFilter(kinds=("scenario",)))
    assert scenarios and {q.kind for q in scenarios} == {"scenario"}
    both = select(bank, QuestionFilter(categories=("tooling",), difficulties=("easy",)))
    assert both and all(q.category == "tooling" and q.difficulty == "easy" for q in both)
    assert select(bank, QuestionFilter(packs=("no-such-pack",))) == []
    assert QuestionFilter().where() is None
    assert QuestionFilter(kinds=("scenario", "design")).where() == {"kind": {"$in": ["scenario", "design"]}}


def test_surprise_respects_the_filter_and_avoids_recent_questions(bank: Corpus) -> None:
    rng = random.Random(7)
    flt = QuestionFilter(categories=("tooling",))
    tooling = {q.id for q in select(bank, flt)}
    seen = {surprise(bank, flt, rng).id for _ in range(40)}  # type: ignore[union-attr]
    assert seen == tooling
    recent = tooling - {sorted(tooling)[0]}
    assert surprise(bank, flt, rng, avoid=recent).id == sorted(tooling)[0]  # type: ignore[union-attr]
    assert surprise(bank, flt, rng, avoid=tooling) is not None  # all recent: any will do
    assert surprise(bank, QuestionFilter(packs=("none",)), rng) is None


def test_a_mock_interview_alternates_concepts_and_scenarios(bank: Corpus) -> None:
    for seed in range(10):
        questions = plan_questions(bank, 4, rng=random.Random(seed))
        kinds = ["scenario" if q.kind in ("scenario", "design") else "concept" for q in questions]
        assert len(questions) == len({q.id for q in questions}) == 4
        assert kinds.count("scenario") == 2 and kinds[0] != kinds[1]  # the seed pack has two scenarios
        assert len({q.category for q in questions}) >= 3  # spread over categories
    everything = plan_questions(bank, 50, rng=random.Random(1))
    assert sorted(q.id for q in everything) == sorted(q.id for q in bank.questions)
    only_concepts = plan_questions(bank, 3, QuestionFilter(kinds=("concept",)), random.Random(2))
    assert len(only_concepts) == 3 and {q.kind for q in only_concepts} == {"concept"}


def test_job_descriptions_are_read_requirement_by_requirement() -> None:
    text = "About us. We run Kubernetes clusters for model serving with canary releases. You monitor drift with PSI."
    assert job_chunks(text) == [
        "About us. We run Kubernetes clusters for model serving with canary releases.",
        "You monitor drift with PSI.",
    ]
    assert len(job_chunks("We run Kubernetes clusters for model serving. " * 100)) == MAX_JOB_CHUNKS
    assert job_chunks("   ") == []


class FakeStore:
    """Scripted search results per query text, to test how chunks are combined."""

    def __init__(self, results: dict[str, list[tuple[str, float]]]):
        self.results = results
        self.calls: list[tuple[str, Any]] = []

    def search_questions(self, text: str, n: int = 10, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        self.calls.append((text, where))
        return next((hits for key, hits in self.results.items() if key in text), [])


def test_ranking_keeps_each_questions_best_chunk_and_drops_unknown_ids(bank: Corpus) -> None:
    first = "Kubernetes " * 70 + "."
    second = "Drift monitoring " * 40 + "."
    store = FakeStore(
        {
            "Kubernetes": [("seed-manage-100-models", 0.6), ("gone-question", 0.9), ("seed-shadow-deployment", 0.3)],
            "Drift": [("seed-data-vs-concept-drift", 0.7), ("seed-shadow-deployment", 0.5)],
        }
    )
    ranked = rank_for_job(store, bank, f"{first} {second}", QuestionFilter(kinds=("concept",)))
    assert [(r.question.id, r.similarity) for r in ranked] == [
        ("seed-data-vs-concept-drift", 0.7),
        ("seed-manage-100-models", 0.6),
        ("seed-shadow-deployment", 0.5),
    ]
    assert len(store.calls) >= 2 and all(where == {"kind": {"$in": ["concept"]}} for _, where in store.calls)
    assert search(store, bank, "  ") == []


def test_a_job_description_brings_its_topics_first(seed_engine: Engine) -> None:
    posting = (
        "We are hiring an MLOps engineer. You will version our training datasets and keep large data files out "
        "of git, with reproducible pipelines. You will also train large language models that do not fit on a "
        "single GPU, using model and pipeline parallelism. Competitive salary and a friendly team."
    )
    top = [r.question.id for r in rank_for_job(seed_engine.store, seed_engine.corpus, posting, n=4)]
    assert "seed-model-too-large-for-gpu" in top
    assert {"seed-dvc-vs-git-lfs", "seed-tool-data-versioning"} & set(top)
    hits = search(seed_engine.store, seed_engine.corpus, "shadow traffic to a new model", n=3)
    assert hits[0].question.id == "seed-shadow-deployment"


def test_llm_settings_reach_the_engine_with_the_answer(history: History, bank: Corpus) -> None:
    llm = LLMSettings(base_url="http://127.0.0.1:9/v1", model="m", api_key="sk-x")
    engine = FakeEngine()
    q = bank.get("seed-shadow-deployment")
    answer_question(engine, history, q, "a", llm, session_id="web-1")
    interview = start_mock(bank, 1, 60)
    interview.submit(engine, history, bank, "b", llm)
    assert engine.calls == [(q.id, "a", llm), (interview.slots[0].question_id, "b", llm)]


def test_answer_question_grades_then_records(history: History, bank: Corpus) -> None:
    engine = FakeEngine()
    q = bank.get("seed-shadow-deployment")
    attempt = answer_question(engine, history, q, "my answer", session_id="web-1", answer_seconds=12.0)
    assert engine.calls == [(q.id, "my answer", None)]
    assert history.get(attempt.id) == attempt


def test_mock_interview_runs_to_a_report(history: History, bank: Corpus) -> None:
    engine = FakeEngine()
    interview = start_mock(bank, 3, 60, rng=random.Random(3))
    assert len(interview.slots) == 3 and interview.current is interview.slots[0]
    assert interview.remaining(0.0) == 60.0  # the clock has not started
    interview.start_current(1000.0)
    assert interview.remaining(1030.0) == 30.0 and not interview.expired(1030.0)
    first = interview.submit(engine, history, bank, "answer one", now=1030.0)
    assert first is not None and first.mode == "mock" and first.session_id == interview.id
    assert (first.answer_seconds, first.time_limit, first.timed_out) == (30.0, 60, False)

    interview.start_current(2000.0)
    assert interview.expired(2061.0)
    late = interview.submit(engine, history, bank, "typed so far", now=2061.0)
    assert late is not None and late.timed_out and late.answer_seconds == 60.0
    assert not interview.finished
    interview.stop()
    assert interview.finished and interview.current is None
    assert interview.submit(engine, history, bank, "too late", now=3000.0) is None

    report = interview.report(bank)
    assert [r.answered for r in report.rows] == [True, True, False]
    scores = [r.score for r in report.rows]
    assert report.overall == round(sum(scores) / 3, 1) and scores[2] == 0.0
    assert report.answered == 2
    assert [a.session_id for a in history.attempts()] == [interview.id] * 2


def test_report_exports(history: History, bank: Corpus) -> None:
    engine = FakeEngine(score=7.0)  # "good": a category is called the strongest only from there
    interview = start_mock(bank, 2, 90, QuestionFilter(categories=("tooling", "debugging")), random.Random(5))
    tricky = "```\n# not a heading\n``` <script>x</script> | pipe"
    interview.submit(engine, history, bank, tricky)
    interview.submit(engine, history, bank, "")
    report = interview.report(bank)
    assert report.strongest is not None and report.weakest is not None
    assert report.strongest.score >= report.weakest.score
    assert report.strongest.category != report.weakest.category

    md = report.to_markdown()
    assert "# Mock interview report" in md and f"**Overall: {report.overall:.1f} / 10**" in md
    fence = "````text"  # longer than the answer's own ``` so the answer cannot close it
    assert f"{fence}\n{tricky}\n````" in md
    assert "Strongest category" in md and "Weakest category" in md

    data = json.loads(report.to_json())
    assert data["overall"] == report.overall and len(data["attempts"]) == 2
    assert data["attempts"][0]["answer"] == tricky and data["attempts"][1]["valid"] is False
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [r["question_id"] for r in rows] == [r.question_id for r in report.rows]


def test_without_a_difference_there_is_no_weakest_category(history: History, bank: Corpus) -> None:
    interview = start_mock(bank, 2, 60, QuestionFilter(categories=("tooling",)), random.Random(1))
    for _ in interview.slots:
        interview.submit(FakeEngine(score=7.0), history, bank, "answer")
    report = interview.report(bank)
    assert report.strongest is not None and report.weakest is None  # one category
    tied = start_mock(bank, 2, 60, QuestionFilter(kinds=("scenario",)), random.Random(1))
    for _ in tied.slots:
        tied.submit(FakeEngine(score=5.0), history, bank, "answer")
    report = tied.report(bank)
    assert len(report.categories) == 2 and report.weakest is None  # two categories, same score


def test_start_mock_needs_a_question() -> None:
    with pytest.raises(ValueError):
        start_mock(Corpus([]), 0, 60)


def test_the_session_modules_do_not_import_streamlit() -> None:
    code = "import simulator.history, simulator.sessions, simulator.bank, sys; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
