"""Reviews by FSRS: each Leitner box becomes an FSRS card, in a table that holds key points' cards too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

The review table is rebuilt with its key (user_id, question_id, point): `point` is '' for the card
of the whole question, else the text of the key point the card is for. Each row gains its FSRS card
(as `fsrs.Card.to_json` writes it), the rating of the last answer and, for a point, its misses; the
Leitner box goes.

Every Leitner row becomes a question card with nothing lost: the same user, question, due date,
last answer and missed points. Its card is in FSRS's Review state, last reviewed when it last moved
box, with the box's interval as its stability: at 90% desired retention FSRS waits a card's
stability, so the card is due exactly when its box made it due, and a good answer then lengthens
the wait from there. A box says nothing about how hard the question is for this person, so the
difficulty is the middle of FSRS's 1-10 scale. The rating is Again for box 1 (a must-have point was
missed) and Good above (clean answers moved it up). The Leitner intervals are literals here, as a
migration must not change when the code does.

No key point gets a card here: a point's card is made by its next miss once it has been missed
twice, and the misses stored before this revision count (they are read from key_point_results).
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LEITNER_DAYS = (1, 3, 7, 14, 30)  # days a question waited in box 1..5
MIDDLE_DIFFICULTY = 5.0
AGAIN, GOOD = 1, 3  # fsrs.Rating
REVIEW_STATE = 2  # fsrs.State.Review


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def card_of_box(box: int, due_at: float, updated_at: float) -> str:
    """The FSRS card (fsrs.Card's JSON) of a question in a Leitner box."""
    return json.dumps(
        {
            "card_id": int(updated_at * 1000),
            "state": REVIEW_STATE,
            "step": None,
            "stability": float(LEITNER_DAYS[min(max(box, 1), len(LEITNER_DAYS)) - 1]),
            "difficulty": MIDDLE_DIFFICULTY,
            "due": _iso(due_at),
            "last_review": _iso(updated_at),
        }
    )


def upgrade() -> None:
    op.create_table(
        "review_fsrs",
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("point", sa.Text, nullable=False, server_default=""),  # '': the whole question
        sa.Column("due_at", sa.Double, nullable=False),  # the card's due date, to order and filter by
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("last_attempt_id", sa.Integer),
        sa.Column("missed", sa.Text, nullable=False, server_default="[]"),  # must-haves the last answer missed
        sa.Column("rating", sa.Integer, nullable=False),  # fsrs.Rating of the last answer
        sa.Column("misses", sa.Integer, nullable=False, server_default="0"),  # a point's misses
        sa.Column("card", sa.Text, nullable=False),  # fsrs.Card as JSON
        sa.PrimaryKeyConstraint("user_id", "question_id", "point"),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT user_id, question_id, box, due_at, updated_at, last_attempt_id, missed FROM review")
    ).mappings()
    cards = [
        {
            **{k: r[k] for k in ("user_id", "question_id", "due_at", "updated_at", "last_attempt_id", "missed")},
            "rating": AGAIN if r["box"] <= 1 else GOOD,
            "card": card_of_box(r["box"], r["due_at"], r["updated_at"]),
        }
        for r in rows
    ]
    if cards:
        bind.execute(
            sa.text(
                "INSERT INTO review_fsrs (user_id, question_id, point, due_at, updated_at, last_attempt_id, missed, "
                "rating, misses, card) VALUES (:user_id, :question_id, '', :due_at, :updated_at, :last_attempt_id, "
                ":missed, :rating, 0, :card)"
            ),
            cards,
        )
    op.drop_table("review")
    op.rename_table("review_fsrs", "review")
    op.create_index("review_due", "review", ["user_id", "due_at"])


def downgrade() -> None:
    raise NotImplementedError("FSRS cards hold more than Leitner boxes: restore a backup instead.")
