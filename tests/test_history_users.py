"""Per-user history on SQLite and PostgreSQL: private rows, resets of one user, the coach's cohort
queries, and many threads writing at once."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fsrs import Rating

from simulator.bank import Question
from simulator.history import LOCAL_USER, Cohort, History, attempts_csv, to_csv

from .helpers import judged
from .test_history import DRIFT, SHADOW, Clock, all_hit, fetch, must_missed


@pytest.fixture
def store(history_target: Path | str) -> Iterator[History]:
    h = History(history_target, clock=Clock())
    yield h
    h.close()


def answer(h: History, q: Question, text: str, hits: set[int], **kw: object) -> int:
    return h.record(q, text, judged(q, hits), session_id="s", **kw).id  # type: ignore[arg-type]


def test_two_users_never_see_each_others_rows(store: History) -> None:
    ann, bob = store.for_user("sub-ann", "Ann", "ann@example.org"), store.for_user("sub-bob", email="bob@example.org")
    assert ann.database is store.database and bob.database is store.database  # one engine, one pool
    ann_id = answer(ann, DRIFT, "ann's answer", must_missed(DRIFT))
    bob_id = answer(bob, SHADOW, "bob's answer", set())
    answer(bob, SHADOW, "bob's follow-up", {0}, mode="follow-up", parent_id=bob_id)

    assert [a.answer for a in ann.attempts()] == ["ann's answer"]
    assert [a.answer for a in bob.attempts()] == ["bob's answer", "bob's follow-up"]
    assert (ann.count(), bob.count(), store.count()) == (1, 2, 0)
    assert ann.get(bob_id) is None and bob.get(ann_id) is None
    assert ann.get(ann_id) is not None
    assert [i.question_id for i in ann.review_queue()] == [DRIFT.id]
    assert [i.question_id for i in bob.review_queue()] == [SHADOW.id]
    assert set(ann.latest_scores()) == {DRIFT.id} and set(bob.latest_scores()) == {SHADOW.id}
    assert [m.category for m in ann.mastery()] == [DRIFT.category]
    assert {m.question_id for m in ann.most_missed(50)} == {DRIFT.id}
    assert [p.question_id for p in bob.score_history()] == [SHADOW.id]
    exported = attempts_csv(ann.attempts())
    assert "ann's answer" in exported and "bob" not in exported


def test_one_question_has_a_review_card_per_user(store: History) -> None:
    ann, bob = store.for_user("ann"), store.for_user("bob")
    answer(ann, DRIFT, "a", must_missed(DRIFT))
    answer(bob, DRIFT, "b", must_missed(DRIFT))
    answer(ann, DRIFT, "a", all_hit(DRIFT))  # ann's card is reviewed Easy, bob's stays at Again
    [ann_card], [bob_card] = ann.review_queue(), bob.review_queue()
    assert (ann_card.rating, bob_card.rating) == (Rating.Easy, Rating.Again)
    assert ann_card.stability > bob_card.stability and ann_card.difficulty < bob_card.difficulty
    # Missed twice by bob alone: the point's card is bob's.
    answer(bob, DRIFT, "b", must_missed(DRIFT))
    assert [i.point for i in bob.review_queue()] == [None, DRIFT.must_points[0].text]
    assert [i.point for i in ann.review_queue()] == [None]


def test_a_reset_of_one_user_leaves_the_others_data(store: History, history_target: Path | str) -> None:
    ann, bob = store.for_user("ann"), store.for_user("bob")
    for q in (DRIFT, SHADOW):
        answer(ann, q, "a", must_missed(q))
        answer(bob, q, "b", must_missed(q))
    answer(store, DRIFT, "local", set())
    assert ann.reset() == 2
    assert (ann.count(), ann.review_queue(), ann.most_missed()) == (0, [], [])
    assert bob.count() == 2 and len(bob.review_queue()) == 2 and bob.most_missed()
    assert store.count() == 1
    # The key-point results of ann's attempts went with them; bob's and the local user's stayed.
    kept = fetch(history_target, "SELECT COUNT(*) FROM key_point_results")[0][0]
    assert kept == 2 * len(DRIFT.key_points) + len(SHADOW.key_points)


def test_users_are_recorded_with_their_name_and_last_visit(store: History, history_target: Path | str) -> None:
    clock = store.clock
    assert isinstance(clock, Clock)
    store.for_user("sub-1", "Ann", "ann@example.org")
    clock.now += 60
    store.for_user("sub-1")  # a later visit without a name keeps the name
    rows = fetch(history_target, "SELECT id, name, email, created_at, last_seen FROM users ORDER BY id")
    assert [r[0] for r in rows] == [LOCAL_USER, "sub-1"]
    assert rows[1][1:] == ("Ann", "ann@example.org", clock.now - 60, clock.now)
    with pytest.raises(ValueError):
        store.for_user("")


def test_the_cohort_queries_cover_every_user_and_export_as_csv(store: History) -> None:
    ann, bob = store.for_user("ann", "Ann"), store.for_user("bob", email="bob@example.org")
    clock = store.clock
    assert isinstance(clock, Clock)
    ann.record(DRIFT, "a", judged(DRIFT, set(), score=2.0), session_id="s")
    ann.record(DRIFT, "a", judged(DRIFT, all_hit(DRIFT), score=8.0), session_id="s")
    clock.now += 100
    bob.record(DRIFT, "b", judged(DRIFT, set(), score=4.0), session_id="s")
    bob.record(SHADOW, "b", judged(SHADOW, set(), score=6.0), session_id="s")
    bob.record(SHADOW, "f", judged(SHADOW, set(), score=9.0), session_id="s", mode="follow-up")  # not counted

    activity = Cohort(ann).activity()  # any view sees the cohort
    assert [(r.user_id, r.name, r.attempts, r.mean_score) for r in activity] == [
        ("bob", "bob@example.org", 2, 5.0),  # most recently active first; the email names a user with no name
        ("ann", "Ann", 2, 5.0),
    ]
    assert activity[0].last_active == clock.now

    mastery = {(m.user_id, m.category): m for m in Cohort(store).mastery()}
    assert mastery["ann", DRIFT.category].mastery == 8.0  # the latest score counts
    assert mastery["ann", DRIFT.category].attempts == 2
    assert (mastery["bob", SHADOW.category].mastery, mastery["bob", DRIFT.category].mastery) == (6.0, 4.0)
    assert ("ann", SHADOW.category) not in mastery

    missed = Cohort(store).most_missed()
    top = missed[0]
    # DRIFT's points were missed by both users (ann once, bob once); SHADOW's by bob alone.
    assert (top.question_id, top.users, top.times, top.seen) == (DRIFT.id, 2, 2, 3)
    assert {m.users for m in missed if m.question_id == SHADOW.id} == {1}

    rows = list(csv.DictReader(io.StringIO(to_csv([r.row() for r in activity]))))
    assert [r["user_id"] for r in rows] == ["bob", "ann"] and rows[0]["mean_score"] == "5.0"
    assert to_csv([m.row() for m in missed]).splitlines()[0].startswith("question_id,key_point,weight,users")


def test_twenty_threads_of_fifty_attempts_lose_nothing(store: History, history_target: Path | str) -> None:
    errors: list[BaseException] = []
    views = [store.for_user(f"user-{n % 5}") for n in range(20)]

    def work(n: int) -> None:
        try:
            for i in range(50):
                q = DRIFT if i % 2 else SHADOW
                views[n].record(q, f"{n}-{i}", judged(q, must_missed(q) if i % 3 else all_hit(q)), session_id=str(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    answers = [a.answer for v in views[:5] for a in v.attempts()]
    assert len(answers) == len(set(answers)) == 1000
    assert Counter(a.split("-")[0] for a in answers) == {str(n): 50 for n in range(20)}
    # Every attempt has all its key-point results.
    per_attempt = fetch(history_target, "SELECT attempt_id, COUNT(*) FROM key_point_results GROUP BY attempt_id")
    assert len(per_attempt) == 1000
    assert {n for _, n in per_attempt} == {len(DRIFT.key_points), len(SHADOW.key_points)}


def test_answers_to_one_question_at_once_review_its_cards_in_turn(history_target: Path | str) -> None:
    """Eight histories of one user, each with its engine as a process would have, answer one question
    together: the first answers race to make its card, and every answer is counted on the point's card."""
    views = [History(history_target, clock=Clock()).for_user("ann") for _ in range(8)]
    start = threading.Barrier(len(views))
    errors: list[BaseException] = []

    def work(view: History) -> None:
        try:
            start.wait()
            for _ in range(5):
                answer(view, DRIFT, "a", must_missed(DRIFT))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(v,)) for v in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    question, point = views[0].review_queue()
    assert (question.point, point.point) == (None, DRIFT.must_points[0].text)
    assert point.misses == 40 and views[0].count() == 40
    assert fetch(history_target, "SELECT COUNT(*) FROM review") == [(2,)]
    for v in views:
        v.close()
