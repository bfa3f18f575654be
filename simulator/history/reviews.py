"""The review table: each graded answer reviews its question's FSRS card, and the cards of the
question's often-missed must-have points, in the transaction that stores the answer."""

from __future__ import annotations

import json
from typing import Any

from fsrs import Card, Rating
from sqlalchemy import text
from sqlalchemy.engine import Connection, RowMapping

from ..grading import Judgement
from .records import ReviewItem
from .schedule import POINT_CARD_MISSES, point_rating, rating_for, review

# Modes whose answers review cards. A follow-up answer targets one missed point, so it would always
# "miss" the others: it is kept in history but does not reschedule.
SCHEDULING_MODES = ("practice", "mock", "review")
QUESTION = ""  # the `point` of the card of the whole question

POINT_MISSES = f"""SELECT k.text, SUM(1 - k.hit) AS missed FROM key_point_results k
    JOIN attempts a ON a.id = k.attempt_id
    WHERE a.user_id = :user AND k.question_id = :q AND k.weight = 'must'
      AND a.mode IN ({", ".join(f"'{m}'" for m in SCHEDULING_MODES)})
    GROUP BY k.text"""
KEY = "user_id = :user AND question_id = :q AND point = :point"
UPSERT_VALUES = (
    "due_at = :due, updated_at = :now, last_attempt_id = :a, missed = :missed, rating = :rating, "
    "misses = :misses, card = :card"
)


def schedule_answer(
    conn: Connection, user: str, question_id: str, judgement: Judgement, attempt_id: int, now: float, lock: str
) -> None:
    """Review the question's card with the answer's rating, and each must-have point's card: one is
    made when the point has been missed `POINT_CARD_MISSES` times, and reviewed by every answer since.

    `lock`: " FOR UPDATE" on PostgreSQL, so that two answers at once review a card one after the other.
    """
    key = {"user": user, "q": question_id}
    missed = json.dumps(judgement.missed)
    _review(conn, key | {"point": QUESTION}, rating_for(judgement), now, lock, a=attempt_id, missed=missed, misses=0)
    must = [k for k in judgement.key_points if k.weight == "must"]
    if not must:
        return
    misses = {r[0]: int(r[1]) for r in conn.execute(text(POINT_MISSES), key)}
    carded = set(
        conn.execute(
            text("SELECT point FROM review WHERE user_id = :user AND question_id = :q AND point != ''"), key
        ).scalars()
    )
    for k in must:
        n = misses.get(k.text, 0)
        if k.text in carded or (not k.hit and n >= POINT_CARD_MISSES):
            _review(conn, key | {"point": k.text}, point_rating(k.hit), now, lock, a=attempt_id, missed="[]", misses=n)


def _review(conn: Connection, key: dict[str, str], rating: Rating, now: float, lock: str, **values: Any) -> None:
    """Review one card (made on its first review), keeping the row's other columns in step."""
    for _ in range(2):  # a second pass when another transaction made the card in between
        current = conn.execute(text(f"SELECT card FROM review WHERE {KEY}{lock}"), key).scalar_one_or_none()
        card = review(current, rating, now)
        params = key | values | {"due": card.due.timestamp(), "now": now, "rating": int(rating), "card": card.to_json()}
        if current is not None:
            conn.execute(text(f"UPDATE review SET {UPSERT_VALUES} WHERE {KEY}"), params)
            return
        made = conn.execute(
            text(
                "INSERT INTO review (user_id, question_id, point, due_at, updated_at, last_attempt_id, missed, "
                "rating, misses, card) VALUES (:user, :q, :point, :due, :now, :a, :missed, :rating, :misses, :card) "
                "ON CONFLICT (user_id, question_id, point) DO NOTHING"
            ),
            params,
        )
        if made.rowcount:
            return
    raise RuntimeError(f"the review card {key} could be neither made nor read")


def review_item(r: RowMapping) -> ReviewItem:
    """A row of the review table as a ReviewItem."""
    card = Card.from_json(r["card"])
    return ReviewItem(
        question_id=r["question_id"],
        due_at=r["due_at"],
        updated_at=r["updated_at"],
        missed=tuple(json.loads(r["missed"])),
        rating=Rating(r["rating"]),
        stability=card.stability or 0.0,
        difficulty=card.difficulty or 0.0,
        last_review_at=card.last_review.timestamp() if card.last_review else None,
        point=r["point"] or None,
        misses=r["misses"],
    )
