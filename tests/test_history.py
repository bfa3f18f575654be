"""History: attempts written at once and read back whole, progress queries, the FSRS review queue."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fsrs import Rating

from simulator.bank import Question, load_pack
from simulator.errors import ConfigError
from simulator.history import DAY, POINT_CARD_MISSES, Attempt, History, attempts_csv, attempts_json, score_change

from .helpers import ROOT, FakeEngine, judged

SEED = {q.id: q for q in load_pack(ROOT / "corpus" / "mlops-seed.yaml").questions}
DRIFT = SEED["seed-data-vs-concept-drift"]
SHADOW = SEED["seed-shadow-deployment"]


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def all_hit(q: Question) -> set[int]:
    return set(range(len(q.key_points)))


def must_missed(q: Question) -> set[int]:
    """Every nice point hit, the first must-have point missed."""
    first_must = next(i for i, k in enumerate(q.key_points) if k.weight == "must")
    return all_hit(q) - {first_must}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def history(history_target: Path | str, clock: Clock) -> Iterator[History]:
    h = History(history_target, clock=clock)
    yield h
    h.close()


def fetch(target: Path | str, sql: str) -> list[tuple[Any, ...]]:
    """Rows read on a connection of its own, as another process would open it."""
    if isinstance(target, Path):
        with closing(sqlite3.connect(target)) as conn:
            return conn.execute(sql).fetchall()
    engine = sa.create_engine(target, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def test_an_attempt_is_on_disk_when_record_returns_and_reads_back_whole(
    history: History, history_target: Path | str
) -> None:
    j = judged(DRIFT, {0, 1})
    attempt = history.record(DRIFT, "my answer", j, session_id="s1", answer_seconds=42.5)
    # A separate connection, as another process would open it, sees the committed row.
    assert fetch(history_target, "SELECT answer, score FROM attempts") == [("my answer", j.score)]
    assert fetch(history_target, "SELECT COUNT(*) FROM key_point_results") == [(len(DRIFT.key_points),)]
    if isinstance(history_target, Path):
        assert fetch(history_target, "PRAGMA journal_mode") == [("wal",)]
    again = History(history_target).get(attempt.id)
    assert again is not None
    assert again.judgement == j
    assert (again.question_id, again.category, again.mode) == (DRIFT.id, DRIFT.category, "practice")
    assert again.session_id == "s1"
    assert again.prompt == DRIFT.prompt and again.answer_seconds == 42.5


def test_follow_up_keeps_its_prompt_and_parent(history: History) -> None:
    first = history.record(DRIFT, "a", judged(DRIFT, {0}), session_id="s")
    follow = history.record(
        DRIFT, "b", judged(DRIFT, {1}), session_id="s", mode="follow-up", prompt="And label shift?", parent_id=first.id
    )
    stored = history.get(follow.id)
    assert stored is not None and stored.prompt == "And label shift?" and stored.parent_id == first.id
    assert [a.id for a in history.attempts(mode="follow-up")] == [follow.id]


def test_unknown_mode_is_refused(history: History) -> None:
    with pytest.raises(ValueError):
        history.record(DRIFT, "a", judged(DRIFT, {0}), session_id="s", mode="exam")  # type: ignore[arg-type]
    assert history.count() == 0


def test_attempts_filters_and_keeps_the_most_recent(history: History) -> None:
    for i in range(5):
        q = DRIFT if i % 2 else SHADOW
        history.record(q, f"answer {i}", judged(q, {0}), session_id=f"s{i % 2}")
    assert [a.answer for a in history.attempts(limit=2)] == ["answer 3", "answer 4"]
    assert [a.answer for a in history.attempts(session_id="s1")] == ["answer 1", "answer 3"]
    assert [a.answer for a in history.attempts(question_id=SHADOW.id)] == ["answer 0", "answer 2", "answer 4"]


def test_a_miss_is_due_within_a_day_and_good_answers_push_the_due_date_out(history: History, clock: Clock) -> None:
    history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s")
    [item] = history.review_queue()
    assert (item.rating, item.due_at, item.point) == (Rating.Again, clock.now + DAY, None)
    assert item.missed == (DRIFT.must_points[0].text,)
    assert history.due() == []  # due tomorrow, not now
    clock.now += DAY
    assert [i.question_id for i in history.due()] == [DRIFT.id]

    waits = []
    for mode in ("practice", "review", "mock", "review", "practice"):  # each answered when it falls due
        history.record(DRIFT, "a", judged(DRIFT, all_hit(DRIFT), score=7.0), session_id="s", mode=mode)
        [item] = history.review_queue()
        assert item.rating == Rating.Good and item.missed == ()
        waits.append((item.due_at - clock.now) / DAY)
        clock.now = item.due_at
    assert waits == sorted(set(waits)) and waits[0] >= 1 and waits[-1] > 3 * waits[0], waits

    # A miss after all that brings the question back the next day.
    history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s", mode="mock")
    question, point = history.review_queue()  # the point's second miss: a card of its own
    assert (question.point, question.rating, question.due_at) == (None, Rating.Again, clock.now + DAY)
    assert (point.point, point.due_at) == (DRIFT.must_points[0].text, clock.now + DAY)


def test_every_graded_question_gets_a_card_due_by_its_rating(history: History, clock: Clock) -> None:
    history.record(DRIFT, "a", judged(DRIFT, all_hit(DRIFT), score=9.0), session_id="s")  # Easy
    history.record(SHADOW, "a", judged(SHADOW, all_hit(SHADOW), score=5.0), session_id="s")  # Hard
    waits = {i.question_id: (i.rating, (i.due_at - clock.now) / DAY) for i in history.review_queue()}
    assert waits[SHADOW.id][0] == Rating.Hard and waits[DRIFT.id][0] == Rating.Easy
    assert 1 <= waits[SHADOW.id][1] < waits[DRIFT.id][1]
    assert history.due() == []


def test_a_must_have_point_missed_twice_gets_its_own_card(history: History, clock: Clock) -> None:
    point = DRIFT.must_points[0].text
    for n in range(1, POINT_CARD_MISSES + 2):
        history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s")
        points = {i.point: i for i in history.review_queue() if i.point}
        if n < POINT_CARD_MISSES:
            assert points == {}
        else:
            assert points[point].misses == n and points[point].rating == Rating.Again
            assert points[point].due_at == clock.now + DAY
            assert f"the point '{point}' you missed {n} times" in points[point].why(clock.now + DAY)
        clock.now += DAY
    # A follow-up that misses it again changes nothing; an answer covering it rates the card Good.
    history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s", mode="follow-up")
    history.record(DRIFT, "a", judged(DRIFT, all_hit(DRIFT)), session_id="s", mode="review")
    [card] = [i for i in history.review_queue() if i.point]
    assert (card.misses, card.rating) == (POINT_CARD_MISSES + 1, Rating.Good) and not card.is_due(clock.now)
    assert "your last answer covered it" in card.why(clock.now)


def test_why_a_question_is_due_fits_one_line(history: History, clock: Clock) -> None:
    history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s")
    [item] = history.review_queue()
    clock.now += 3 * DAY
    why = item.why(clock.now)
    assert "\n" not in why and why.startswith("last answer rated Again")
    assert f"missed: {DRIFT.must_points[0].text}" in why
    assert 0 < item.recall_chance(clock.now) < item.recall_chance(clock.now - 2 * DAY) <= 1
    assert f"recall chance now {item.recall_chance(clock.now):.0%}" in why and "memory holds for about 0.2 days" in why


def test_an_ungradable_answer_enters_the_queue_and_a_follow_up_never_reschedules(history: History) -> None:
    history.record(SHADOW, "", judged(SHADOW, set(), valid=False), session_id="s")
    assert [i.question_id for i in history.review_queue()] == [SHADOW.id]
    history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s", mode="follow-up")
    assert DRIFT.id not in {i.question_id for i in history.review_queue()}


def test_mastery_is_the_mean_of_each_questions_latest_score(history: History) -> None:
    history.record(DRIFT, "a", judged(DRIFT, set(), score=2.0), session_id="s")
    history.record(DRIFT, "a", judged(DRIFT, all_hit(DRIFT), score=9.0), session_id="s")
    history.record(DRIFT, "a", judged(DRIFT, set(), score=0.0), session_id="s", mode="follow-up")
    history.record(SHADOW, "a", judged(SHADOW, set(), score=3.0), session_id="s")
    assert history.latest_scores() == {DRIFT.id: 9.0, SHADOW.id: 3.0}
    by_category = {m.category: m for m in history.mastery()}
    assert by_category[DRIFT.category].mastery == 9.0  # latest counts; the follow-up does not
    assert by_category[DRIFT.category].attempts == 2
    assert history.mastery()[0].category == SHADOW.category  # weakest first


def test_most_missed_counts_misses_over_sightings(history: History) -> None:
    for hits in (set(), {0}, {0, 1}):
        history.record(DRIFT, "a", judged(DRIFT, hits), session_id="s")
    missed = {m.text: m for m in history.most_missed(20)}
    first, second = DRIFT.key_points[0].text, DRIFT.key_points[1].text
    assert (missed[first].missed, missed[first].seen) == (1, 3)
    assert (missed[second].missed, missed[second].seen) == (2, 3)
    assert history.most_missed(1)[0].missed == 3  # never-hit points lead


def test_score_history_leaves_out_follow_ups(history: History) -> None:
    history.record(DRIFT, "a", judged(DRIFT, {0}), session_id="s")
    history.record(DRIFT, "b", judged(DRIFT, {0}), session_id="s", mode="follow-up")
    history.record(SHADOW, "c", judged(SHADOW, {0}), session_id="m", mode="mock")
    assert [(p.question_id, p.mode) for p in history.score_history()] == [(DRIFT.id, "practice"), (SHADOW.id, "mock")]


def test_reset_deletes_everything(history: History) -> None:
    history.record(DRIFT, "a", judged(DRIFT, set()), session_id="s")
    history.record(SHADOW, "a", judged(SHADOW, set()), session_id="s")
    assert history.reset() == 2
    assert (history.count(), history.review_queue(), history.most_missed()) == (0, [], [])


def test_threads_writing_at_once_lose_nothing(history: History) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                history.record(DRIFT, f"{n}-{i}", judged(DRIFT, {0}), session_id=f"tab-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    answers = [a.answer for a in history.attempts()]
    assert len(answers) == len(set(answers)) == 80


def test_exports_are_complete_and_safe_in_a_spreadsheet(history: History) -> None:
    history.record(DRIFT, '=HYPERLINK("http://x")', judged(DRIFT, {0}), session_id="s")
    history.record(SHADOW, 'plain, with "quotes"\nand a newline', judged(SHADOW, {0}), session_id="s")
    rows = list(csv.DictReader(io.StringIO(attempts_csv(history.attempts()))))
    assert rows[0]["answer"].startswith("'=")  # a formula would run when the file is opened
    assert rows[1]["answer"] == 'plain, with "quotes"\nand a newline'
    data = json.loads(attempts_json(history.attempts()))
    assert data[1]["judgement"]["question_id"] == SHADOW.id and data[0]["answer"].startswith("=")


def test_an_unwritable_history_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="SIM_HOME"):
        History(blocker / "history.sqlite3")


def test_delivery_is_stored_with_the_attempt_and_trends_read_back(history: History, history_target: Path | str) -> None:
    from simulator.sessions import answer_question
    from simulator.speech import analyse_typed

    typed = analyse_typed("Um, I think shadow mode, like, basically copies traffic to the new model.")
    assert typed.filler_count >= 2 and typed.hedge_count >= 1
    attempt = answer_question(
        FakeEngine(),
        history,
        SHADOW,
        "answer",
        session_id="s",
        extra={"delivery": typed.model_dump(mode="json")},
    )
    history.record(DRIFT, "no delivery recorded", judged(DRIFT, {0}), session_id="s")
    stored = History(history_target).get(attempt.id)
    assert stored is not None and stored.extra["delivery"]["filler_count"] == typed.filler_count
    (point,) = history.delivery_history()
    assert point.attempt_id == attempt.id and not point.spoken and point.words_per_minute is None
    assert point.fillers_per_minute == typed.fillers_per_minute and point.hedge_count == typed.hedge_count


def test_a_score_change_is_only_between_attempts_of_one_judge(history: History) -> None:
    def attempt(score: float, judge: str, model: str) -> Attempt:
        j = judged(DRIFT, {0}, score=score).model_copy(update={"judge": judge, "model": model})
        return history.record(DRIFT, "a", j, session_id="s")

    embedded = attempt(7.5, "embedding", "minilm")
    assert score_change([embedded]) is None
    llm = attempt(4.4, "llm", "smollm2")
    assert score_change([embedded, llm]) is None  # an LLM's 4.4 is not 3.1 below an embedding 7.5
    assert score_change([embedded, llm, attempt(8.0, "embedding", "minilm")]) == pytest.approx(0.5)
    assert score_change([llm, attempt(6.4, "llm", "other-model")]) is None
