"""Ownership: every attempt and review item belongs to a user; a users table (OIDC subject, name, email).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Rows written before sign-in existed belong to the local user, "local" (LOCAL_USER in store.py; a
literal here, as a migration must not change when the code does). The review table is rebuilt
rather than altered: its key becomes (user_id, question_id), and SQLite cannot change a primary
key in place. attempts only gains a column, so key_point_results' cascading foreign key is never
touched.
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LOCAL_USER = "local"


def upgrade() -> None:
    now = time.time()
    op.create_table(
        "users",
        sa.Column("id", sa.Text, primary_key=True),  # the OIDC subject, or "local"
        sa.Column("name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("last_seen", sa.Double, nullable=False),
    )
    op.get_bind().execute(
        sa.text("INSERT INTO users (id, name, email, created_at, last_seen) VALUES (:id, NULL, NULL, :now, :now)"),
        {"id": LOCAL_USER, "now": now},
    )
    op.add_column("attempts", sa.Column("user_id", sa.Text, nullable=False, server_default=LOCAL_USER))
    op.create_index("attempts_user", "attempts", ["user_id", "id"])
    op.create_table(
        "review_by_user",
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("box", sa.Integer, nullable=False),
        sa.Column("due_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("last_attempt_id", sa.Integer),
        sa.Column("missed", sa.Text, nullable=False, server_default="[]"),
        sa.PrimaryKeyConstraint("user_id", "question_id"),
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO review_by_user (user_id, question_id, box, due_at, updated_at, last_attempt_id, missed) "
            "SELECT :user, question_id, box, due_at, updated_at, last_attempt_id, missed FROM review"
        ),
        {"user": LOCAL_USER},
    )
    op.drop_table("review")
    op.rename_table("review_by_user", "review")


def downgrade() -> None:
    raise NotImplementedError("Going back to one shared history would mix users' rows: restore a backup instead.")
