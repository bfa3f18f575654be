"""FSRS scheduling: how a graded answer becomes a rating, and what the scheduler makes of ratings."""

from __future__ import annotations

import pytest
from fsrs import Card, Rating, State

from simulator.grading import Judgement
from simulator.grading.judgement import band_for
from simulator.history import SCHEDULER, rating_for
from simulator.history.schedule import days, point_rating, recall_chance, review

from .helpers import judged
from .test_history import DRIFT, all_hit, must_missed

DAY = 86400.0
NOW = 1_800_000_000.0


def graded(score: float, *, must_missed: bool = False, valid: bool = True) -> Judgement:
    """A judgement of DRIFT with the given score, every must-have point covered unless told."""
    j = judged(DRIFT, all_hit(DRIFT), score=score, valid=valid)
    return j.model_copy(update={"missed": [DRIFT.must_points[0].text]}) if must_missed else j


@pytest.mark.parametrize(
    ("judgement", "rating"),
    [
        (graded(0.0, valid=False), Rating.Again),  # not gradable
        (graded(9.5, must_missed=True), Rating.Again),  # excellent words, a must-have point missing
        (graded(6.5, must_missed=True), Rating.Again),
        (graded(0.0), Rating.Again),
        (graded(3.9), Rating.Again),  # weak
        (graded(4.0), Rating.Hard),  # partial
        (graded(5.9), Rating.Hard),
        (graded(6.0), Rating.Good),  # good
        (graded(7.9), Rating.Good),
        (graded(8.0), Rating.Easy),  # excellent
        (graded(10.0), Rating.Easy),
    ],
)
def test_an_answer_maps_to_a_rating(judgement: Judgement, rating: Rating) -> None:
    assert judgement.band == band_for(judgement.score, judgement.valid)
    assert rating_for(judgement) == rating


def test_the_helper_judgements_rate_as_the_store_sees_them() -> None:
    assert rating_for(judged(DRIFT, must_missed(DRIFT))) == Rating.Again
    assert rating_for(judged(DRIFT, all_hit(DRIFT))) == Rating.Easy  # 10 of 10
    assert (point_rating(True), point_rating(False)) == (Rating.Good, Rating.Again)


def test_a_new_card_waits_longer_the_better_the_rating_and_a_failure_a_day() -> None:
    waits = {r: (review(None, r, NOW).due.timestamp() - NOW) / DAY for r in Rating}
    assert waits[Rating.Again] == 1.0  # no minute-long learning steps: tomorrow
    assert waits[Rating.Again] <= waits[Rating.Hard] < waits[Rating.Good] < waits[Rating.Easy]
    assert review(None, Rating.Good, NOW).state == State.Review


def test_a_failure_of_a_well_known_card_brings_it_back_the_next_day() -> None:
    card = review(None, Rating.Easy, NOW)
    for _ in range(4):
        card = review(card.to_json(), Rating.Good, card.due.timestamp())
    assert (card.due.timestamp() - card.last_review.timestamp()) / DAY > 30  # type: ignore[union-attr]
    failed = review(card.to_json(), Rating.Again, card.due.timestamp())
    assert failed.due.timestamp() - card.due.timestamp() == DAY
    assert failed.stability is not None and card.stability is not None and failed.stability < card.stability


def test_good_answers_on_their_due_dates_push_the_due_date_out_increasingly_up_to_a_year() -> None:
    card, waits = review(None, Rating.Good, NOW), []
    for _ in range(12):
        waits.append(round((card.due - card.last_review).total_seconds() / DAY))  # type: ignore[operator]
        card = review(card.to_json(), Rating.Good, card.due.timestamp())
    growing = waits[: waits.index(365)]
    assert growing == sorted(set(growing)) and waits[-1] == 365, waits


def test_an_answer_the_same_day_moves_the_card_little() -> None:
    first = review(None, Rating.Good, NOW)
    again = review(first.to_json(), Rating.Good, NOW + 600)
    assert again.stability is not None and first.stability is not None
    assert first.stability <= again.stability < 2 * first.stability


def test_recall_chance_is_ninety_percent_after_stability_days() -> None:
    assert recall_chance(7.0, NOW, NOW + 7 * DAY) == pytest.approx(SCHEDULER.desired_retention)
    assert recall_chance(7.0, NOW, NOW) == 1.0
    assert recall_chance(7.0, NOW, NOW + 30 * DAY) < 0.8
    assert recall_chance(7.0, None, NOW) == 0


def test_a_card_survives_its_json() -> None:
    card = review(None, Rating.Hard, NOW)
    assert Card.from_json(card.to_json()) == card
    assert card.card_id == int(NOW * 1000)  # from the clock, so a replayed history has the same cards


@pytest.mark.parametrize(("n", "words"), [(1.0, "1 day"), (0.212, "0.2 days"), (2.31, "2.3 days"), (45.4, "45 days")])
def test_days_in_words(n: float, words: str) -> None:
    assert days(n) == words
