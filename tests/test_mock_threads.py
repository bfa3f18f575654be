"""Conversational mock interviews: follow-ups on the missed must-have point, threads in the report
and its exports, the thread's score and clock, and adaptive difficulty."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
import yaml

from simulator import Engine, Settings
from simulator.bank import Corpus
from simulator.embeddings import MiniLMEmbedder
from simulator.history import History
from simulator.sessions import QuestionFilter, report_html, start_mock
from simulator.sessions.adaptive import next_difficulty, pick_adaptive
from simulator.sessions.follow_ups import next_follow_up
from simulator.sessions.mock import MockInterview, MockSlot
from simulator.sessions.report import thread_score

from .helpers import ROOT, FakeEngine, copy_corpus

DRIFT, SHADOW, DVC = "seed-data-vs-concept-drift", "seed-shadow-deployment", "seed-dvc-vs-git-lfs"
LADDERS = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}
HOSTILE = "<script>alert(1)</script> | `x` **bold**"


@pytest.fixture(scope="module")
def seed_engine(embedder: MiniLMEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The real judge and a real Chroma store over the seed pack only."""
    base = tmp_path_factory.mktemp("threads")
    engine = Engine(Settings().with_(home=base / "home", corpus_dir=copy_corpus(base / "corpus")), embedder)
    engine.ingest()
    return engine


@pytest.fixture
def history(sim_home: Path) -> History:
    return History(sim_home / "history.sqlite3")


def interview(*question_ids: str, follow_ups: int = 1, seconds: int = 300) -> MockInterview:
    return MockInterview("mock-test", seconds, [MockSlot(q) for q in question_ids], follow_ups=follow_ups)


def partial(question_id: str) -> str:
    return str(LADDERS[question_id]["partial"]).strip()


def supporting(engine: Engine, question_id: str, point: str) -> str:
    """The sentence of the model answer that makes `point`: a follow-up answer that earns it."""
    return engine.point_question(engine.corpus.get(question_id), point).reference_answer


# --- the thread's score -------------------------------------------------------------------


def test_a_follow_up_that_earns_a_missed_point_recovers_half_its_share_of_the_gap() -> None:
    assert thread_score(4.0, missed=3, earned=0) == 4.0  # nothing earned: the answer's score
    assert thread_score(4.0, missed=3, earned=1) == 5.0  # 4 + 0.5 * 6 * 1/3
    assert thread_score(6.0, missed=2, earned=2) == 8.0  # every missed point earned: half the gap
    assert thread_score(6.0, missed=2, earned=5) == 8.0  # never more points than were missed
    assert thread_score(9.5, missed=0, earned=0) == 9.5
    assert thread_score(0.0, missed=1, earned=1) == 5.0


# --- adaptive difficulty ------------------------------------------------------------------


def test_difficulty_rises_after_a_strong_answer_and_falls_after_a_weak_one() -> None:
    assert next_difficulty("medium", 6.0) == "hard"  # "good" is strong
    assert next_difficulty("hard", 9.0) == "hard"  # the top holds
    assert next_difficulty("medium", 5.0) == "medium"  # partial: stays
    assert next_difficulty("medium", 3.9) == "easy"
    assert next_difficulty("easy", 0.0) == "easy"
    assert next_difficulty("unknown", 7.0) == "hard"  # an unknown level counts as medium


def test_an_adaptive_pick_stays_in_the_categories_and_takes_the_nearest_level_left() -> None:
    bank = Corpus.load(ROOT / "corpus" / "mlops-seed.yaml")
    # tooling and deployment: 4 easy, 1 medium, 1 hard; the filter's difficulty is adaptive's to choose
    flt = QuestionFilter(categories=("tooling", "deployment"), difficulties=("easy",))
    inside = [q for q in bank.questions if q.category in ("tooling", "deployment")]
    rng = random.Random(0)
    for level in ("easy", "medium", "hard"):
        for _ in range(5):
            pick = pick_adaptive(bank, level, flt, rng=rng)
            assert pick is not None and pick.category in ("tooling", "deployment") and pick.difficulty == level
    easy = [q.id for q in inside if q.difficulty == "easy"]
    pick = pick_adaptive(bank, "easy", flt, avoid=easy, rng=rng)  # none easy left: the nearest, medium
    assert pick is not None and pick.difficulty == "medium"
    pick = pick_adaptive(bank, "medium", flt, avoid=[q.id for q in inside if q.difficulty != "hard"])
    assert pick is not None and pick.difficulty == "hard"
    concept = pick_adaptive(bank, "hard", flt, kinds=("concept",), rng=rng)  # no hard concept: the level wins
    assert concept is not None and concept.id == "seed-manage-100-models"
    assert pick_adaptive(bank, "easy", flt, avoid=[q.id for q in inside]) is None


def test_an_adaptive_interview_follows_the_scores(history: History) -> None:
    bank = Corpus.load(ROOT / "corpus" / "mlops-seed.yaml")
    up = start_mock(bank, 3, 60, rng=random.Random(1), adaptive=True)
    assert bank.get(up.slots[0].question_id).difficulty == "medium"
    for _ in range(3):
        up.submit(FakeEngine(score=8.0), history, bank, "answer")
    report = up.report(bank)
    assert report.adaptive and report.difficulty_path == "medium → hard → hard"
    down = start_mock(bank, 3, 60, QuestionFilter(difficulties=("hard",)), random.Random(2), adaptive=True)
    for _ in range(3):
        down.submit(FakeEngine(score=2.0), history, bank, "answer")
    assert down.report(bank).difficulty_path == "medium → easy → easy"
    ids = [s.question_id for s in down.slots]
    assert len(set(ids)) == 3  # no question asked twice
    assert "Difficulty path (adaptive): medium → easy → easy" in down.report(bank).to_markdown()


# --- follow-ups, graded on their point ----------------------------------------------------


def test_the_follow_up_probes_the_most_important_missed_point_and_none_when_all_were_covered(
    seed_engine: Engine,
) -> None:
    for qid in (DRIFT, SHADOW, DVC):
        q = seed_engine.corpus.get(qid)
        weak = seed_engine.grade(q, partial(qid))
        assert weak.missed
        text, point = next_follow_up(seed_engine, q, weak) or ("", "")
        assert point == weak.missed[0] and point in text
        assert next_follow_up(seed_engine, q, weak, asked=weak.missed) is None  # nothing left to probe
        full = seed_engine.grade(q, q.reference_answer)
        assert full.missed == [] and next_follow_up(seed_engine, q, full) is None
    empty = seed_engine.grade(seed_engine.corpus.get(DRIFT), "")
    assert next_follow_up(seed_engine, seed_engine.corpus.get(DRIFT), empty) is None  # not graded: no probe


def test_a_thread_asks_up_to_n_follow_ups_each_graded_and_stored_under_the_answer(
    seed_engine: Engine, history: History
) -> None:
    mock = interview(DRIFT, SHADOW, follow_ups=2)
    bank = seed_engine.corpus
    main = mock.submit(seed_engine, history, bank, partial(DRIFT), now=1000.0)
    assert main is not None and mock.index == 0  # still on the question: a follow-up is asked
    first = mock.asking
    assert first is not None and first.point == main.judgement.missed[0]
    answer = supporting(seed_engine, DRIFT, first.point)
    earned = mock.submit(seed_engine, history, bank, answer, now=1040.0)
    assert earned is not None and earned.mode == "follow-up" and earned.parent_id == main.id
    assert earned.prompt == first.prompt and earned.answer_seconds == 40.0 and earned.judgement.key_points[0].hit
    second = mock.asking
    assert second is not None and second.point == main.judgement.missed[1]  # the next point, not the same
    mock.submit(seed_engine, history, bank, "I am not sure.", now=1060.0)
    assert mock.index == 1 and mock.asking is None  # two asked: the next question

    row = mock.report(bank).rows[0]
    assert [t.earned for t in row.follow_ups] == [True, False]
    assert row.thread_score == thread_score(row.score, len(row.missed), 1) > row.score
    assert [a.mode for a in history.attempts(session_id="mock-test")] == ["mock", "follow-up", "follow-up"]


def test_the_question_and_its_follow_ups_share_the_question_clock(seed_engine: Engine, history: History) -> None:
    bank = seed_engine.corpus
    mock = interview(DRIFT, SHADOW, DVC, follow_ups=1, seconds=60)
    mock.start_current(0.0)
    mock.submit(seed_engine, history, bank, partial(DRIFT), now=40.0)
    assert mock.asking is not None and mock.remaining(40.0) == 20.0  # what is left of the question's minute
    late = mock.submit(seed_engine, history, bank, "Data drift is", now=75.0)
    assert late is not None and late.timed_out and late.answer_seconds == 35.0 and mock.index == 1
    mock.start_current(100.0)
    mock.submit(seed_engine, history, bank, partial(SHADOW), now=150.0)  # 10 s left: too little for one
    assert mock.index == 2 and not mock.slots[1].follow_ups
    mock.submit(seed_engine, history, bank, bank.get(DVC).reference_answer)  # all covered: none asked
    assert mock.finished and not mock.slots[2].follow_ups


# --- the report: threads in every export --------------------------------------------------


@pytest.fixture
def threaded(seed_engine: Engine, history: History) -> MockInterview:
    """Two questions, one follow-up each: the first earns its point, the second's answer is hostile text."""
    bank = seed_engine.corpus
    mock = interview(DRIFT, SHADOW)
    mock.submit(seed_engine, history, bank, partial(DRIFT))
    assert mock.asking is not None
    mock.submit(seed_engine, history, bank, supporting(seed_engine, DRIFT, mock.asking.point))
    mock.submit(seed_engine, history, bank, partial(SHADOW))
    mock.submit(seed_engine, history, bank, f"Shadow predictions are logged. {HOSTILE}")
    assert mock.finished
    return mock


def test_the_exports_carry_each_thread(threaded: MockInterview, seed_engine: Engine) -> None:
    report = threaded.report(seed_engine.corpus)
    assert [len(r.follow_ups) for r in report.rows] == [1, 1]
    assert report.overall == round(sum(r.thread_score for r in report.rows) / 2, 1)

    data = json.loads(report.to_json())
    first = data["attempts"][0]
    assert first["turn"] == 0 and first["thread_score"] == report.rows[0].thread_score
    [fu] = first["follow_ups"]
    assert fu["turn"] == 1 and fu["asked"] == report.rows[0].follow_ups[0].prompt and fu["key_points_hit"] == 1
    assert data["attempts"][1]["follow_ups"][0]["answer"].endswith(HOSTILE)

    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [(r["number"], r["turn"]) for r in rows] == [("1", "0"), ("1", "1"), ("2", "0"), ("2", "1")]
    assert rows[1]["point"] == report.rows[0].follow_ups[0].point and rows[1]["answer_mode"]

    md = report.to_markdown()
    assert md.count("### Follow-up 1:") == 2 and "Thread score **" in md and "earned “" in md
    assert f"```text\nShadow predictions are logged. {HOSTILE}\n```" in md  # fenced: stays text


def test_the_html_report_shows_the_threads_escaped(threaded: MockInterview, seed_engine: Engine) -> None:
    report = threaded.report(seed_engine.corpus)
    page = report_html(report, [s.judgement for s in threaded.slots])
    assert page.count("<h3>Follow-up 1</h3>") == 2
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "✓ earned" in page and f"thread <b>{report.rows[0].thread_score:.1f} / 10</b>" in page
    assert "Follow-up to prepare" not in page  # the follow-ups were asked, not left to prepare


def test_a_past_interview_is_rebuilt_with_its_threads(
    threaded: MockInterview, history: History, seed_engine: Engine
) -> None:
    bank = seed_engine.corpus
    again = MockInterview.from_attempts(history.attempts(session_id=threaded.id), bank)
    assert again.follow_ups == 1 and not again.adaptive
    assert again.report(bank).to_json() == threaded.report(bank).to_json()
    with pytest.raises(ValueError):
        MockInterview.from_attempts([], bank)


def test_follow_ups_per_question_are_bounded() -> None:
    bank = Corpus.load(ROOT / "corpus" / "mlops-seed.yaml")
    with pytest.raises(ValueError):
        start_mock(bank, 2, 60, follow_ups=4)
    assert start_mock(bank, 2, 60, follow_ups=3).follow_ups == 3


def test_adaptive_difficulty_follows_real_grades(seed_engine: Engine, history: History) -> None:
    """Graded by the real judge: a model answer lifts the next question to hard, a wrong one brings the
    one after down again."""
    bank = seed_engine.corpus
    mock = start_mock(bank, 3, 300, rng=random.Random(4), adaptive=True)
    first = bank.get(mock.slots[0].question_id)
    assert first.difficulty == "medium"
    mock.submit(seed_engine, history, bank, first.reference_answer)
    second = bank.get(mock.slots[1].question_id)
    assert second.difficulty == "hard"
    wrong = "Just add more GPUs and retrain the model every night; monitoring is not needed in practice."
    mock.submit(seed_engine, history, bank, wrong)
    assert mock.report(bank).rows[1].thread_score < 4.0
    mock.submit(seed_engine, history, bank, "")
    assert mock.finished and mock.report(bank).difficulty_path == "medium → hard → medium"
