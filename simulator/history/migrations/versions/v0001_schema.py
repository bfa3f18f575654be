"""The history as the first release wrote it: attempts, their key-point results, one review schedule.

Revision ID: 0001
Revises: -
Create Date: 2026-12-04

On SQLite this is that release's script, word for word: its `IF NOT EXISTS` makes a file that
release wrote (which has no alembic_version table yet) pass through unchanged, to be upgraded by
the next revision. PostgreSQL gets the same tables in its own types (double precision for REAL,
SERIAL for AUTOINCREMENT).
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,           -- unix seconds
    session_id TEXT NOT NULL,           -- a browser session, or a mock interview's id
    mode TEXT NOT NULL,
    question_id TEXT NOT NULL,
    category TEXT NOT NULL,
    prompt TEXT NOT NULL,               -- what was asked (a follow-up differs from the question)
    answer TEXT NOT NULL,
    score REAL NOT NULL,
    valid INTEGER NOT NULL,
    band TEXT NOT NULL,
    judge TEXT NOT NULL,
    model TEXT NOT NULL,
    judgement TEXT NOT NULL,            -- the Judgement as JSON
    answer_seconds REAL,                -- from question shown to answer submitted
    time_limit REAL,                    -- seconds allowed (mock interview)
    timed_out INTEGER NOT NULL DEFAULT 0,
    grade_ms REAL NOT NULL,
    parent_id INTEGER REFERENCES attempts(id) ON DELETE SET NULL,
    extra TEXT NOT NULL DEFAULT '{}'    -- room for later features (e.g. delivery metrics)
);
CREATE INDEX IF NOT EXISTS attempts_question ON attempts(question_id);
CREATE INDEX IF NOT EXISTS attempts_session ON attempts(session_id);
CREATE TABLE IF NOT EXISTS key_point_results (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    text TEXT NOT NULL,
    weight TEXT NOT NULL,
    hit INTEGER NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE TABLE IF NOT EXISTS review (
    question_id TEXT PRIMARY KEY,
    box INTEGER NOT NULL,
    due_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_attempt_id INTEGER,
    missed TEXT NOT NULL DEFAULT '[]'   -- must-have points missed when it last entered box 1
);
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SCHEMA.split(";"):
            if statement.strip():
                op.execute(statement)
        op.execute("PRAGMA user_version=1")
        return
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("valid", sa.Integer, nullable=False),
        sa.Column("band", sa.Text, nullable=False),
        sa.Column("judge", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("judgement", sa.Text, nullable=False),
        sa.Column("answer_seconds", sa.Double),
        sa.Column("time_limit", sa.Double),
        sa.Column("timed_out", sa.Integer, nullable=False, server_default="0"),
        sa.Column("grade_ms", sa.Double, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="SET NULL")),
        sa.Column("extra", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("attempts_question", "attempts", ["question_id"])
    op.create_index("attempts_session", "attempts", ["session_id"])
    op.create_table(
        "key_point_results",
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question_id", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("weight", sa.Text, nullable=False),
        sa.Column("hit", sa.Integer, nullable=False),
        sa.Column("similarity", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "position"),
    )
    op.create_table(
        "review",
        sa.Column("question_id", sa.Text, primary_key=True),
        sa.Column("box", sa.Integer, nullable=False),
        sa.Column("due_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("last_attempt_id", sa.Integer),
        sa.Column("missed", sa.Text, nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    op.drop_table("review")
    op.drop_table("key_point_results")
    op.drop_table("attempts")
