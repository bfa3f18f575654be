"""Reviews scheduled by FSRS (the Free Spaced Repetition Scheduler, as in Anki): how a graded answer
becomes an FSRS rating, and the one scheduler every card is reviewed with.

The rating of an answer, decided here and nowhere else:

- **Again**: a must-have point missed, an ungradable answer, or a weak one (score under 4);
- **Hard**: a partial answer (4 to 6) that covers every must-have point;
- **Good**: a good answer (6 to 8) that covers every must-have point;
- **Easy**: an excellent answer (8 or more) that covers every must-have point.

The score bands are the judge's own (`grading.BANDS`). A key point that is missed often gets a card
of its own (`POINT_CARD_MISSES`): an answer that misses it rates that card Again, one that covers it
rates it Good.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

from ..grading import Judgement

# Interview preparation is reviewed in days, not in Anki's minutes: no learning steps (a new card's
# first interval comes from its initial stability, a day at least), and a question or point that is
# missed again comes back the next day. No fuzz: the same answers give the same schedule, which the
# tests and a replayed history rely on. A year is the longest wait: an interview season is shorter.
SCHEDULER = Scheduler(
    learning_steps=(),
    relearning_steps=(timedelta(days=1),),
    maximum_interval=365,
    enable_fuzzing=False,
)
# A must-have point missed this many times (in practice, mock and review answers) gets its own card.
POINT_CARD_MISSES = 2

BAND_RATINGS = {"invalid": Rating.Again, "weak": Rating.Again, "partial": Rating.Hard, "good": Rating.Good}

RATING_WORDS = {
    Rating.Again: "Again (a must-have point missed, or a weak answer)",
    Rating.Hard: "Hard (a partial answer)",
    Rating.Good: "Good (a good answer)",
    Rating.Easy: "Easy (an excellent answer)",
}


def rating_for(judgement: Judgement) -> Rating:
    """The FSRS rating of a graded answer (see the module's docstring)."""
    if not judgement.valid or judgement.missed:
        return Rating.Again
    return BAND_RATINGS.get(judgement.band, Rating.Easy)


def point_rating(hit: bool) -> Rating:
    """The rating of a key point's own card: Good when the answer covered it, Again when it did not."""
    return Rating.Good if hit else Rating.Again


def utc(seconds: float) -> datetime:
    """A unix time as the UTC datetime FSRS wants."""
    return datetime.fromtimestamp(seconds, UTC)


def review(card_json: str | None, rating: Rating, now: float) -> Card:
    """The card after one review at `now`; a new card (its id: `now` in milliseconds) when there is none."""
    card = Card.from_json(card_json) if card_json else Card(card_id=int(now * 1000), due=utc(now))
    reviewed, _log = SCHEDULER.review_card(card, rating, review_datetime=utc(now))
    return reviewed


def recall_chance(stability: float, last_review_at: float | None, now: float) -> float:
    """FSRS's retrievability: the chance of recalling the answer at `now` (0 for a card never reviewed)."""
    card = Card(
        card_id=0,
        state=State.Review,
        stability=stability,
        last_review=utc(last_review_at) if last_review_at is not None else None,
        due=utc(now),
    )
    return SCHEDULER.get_card_retrievability(card, utc(now))


def days(n: float) -> str:
    """`1 day`, `2.3 days`, `12 days`."""
    shown = f"{n:.1f}".rstrip("0").rstrip(".") if n < 10 else f"{n:.0f}"
    return f"{shown} day" if shown == "1" else f"{shown} days"
