"""Attempts and progress in SQLite (`SIM_HOME/history.sqlite3`), and a Leitner review schedule.

Every attempt is written in its own transaction the moment it is graded, together with its
key-point results and its effect on the review schedule, so a closed tab or a killed process
loses nothing the person has seen a score for.

Review uses Leitner boxes rather than SM-2: an answer that misses a must-have point puts the
question in box 1; a later answer that covers every must-have point moves it up one box; past
the last box it leaves the queue. Boxes need no per-card ease factor, and "why is this due?"
has a one-line answer ("box 2: missed a must-have point 3 days ago").
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..bank import Question
from ..errors import ConfigError
from ..grading import Judgement
from .records import (
    MODES,
    Attempt,
    CategoryMastery,
    DeliveryPoint,
    MissedPoint,
    Mode,
    ReviewItem,
    ScorePoint,
)

DAY = 86400.0
# Days until a question in box 1..5 is due again: roughly doubling, as in Leitner's schedule.
LEITNER_DAYS: tuple[float, ...] = (1, 3, 7, 14, 30)
# Modes whose answers move a question between boxes. A follow-up answer targets one missed
# point, so it would always "miss" the others: it is kept in history but does not reschedule.
SCHEDULING_MODES = ("practice", "mock", "review")

SCHEMA_VERSION = 1
SCHEMA = """
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


class History:
    """The attempt log and review schedule in one SQLite file (WAL, one connection per call)."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        # Writers in this process take turns here rather than in SQLite's busy loop.
        self._write_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn:
                # WAL lets the app read progress while another tab writes; it persists in the file.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"Cannot open the history at {self.path} ({exc}): set SIM_HOME to a writable directory, "
                "or move the file aside."
            ) from None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before the score is shown, even if the machine loses power.
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock, closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as conn:
            return list(conn.execute(sql, params).fetchall())

    # --- writing ---------------------------------------------------------------------------

    def record(
        self,
        question: Question,
        answer: str,
        judgement: Judgement,
        *,
        session_id: str,
        mode: Mode = "practice",
        prompt: str | None = None,
        answer_seconds: float | None = None,
        time_limit: float | None = None,
        timed_out: bool = False,
        parent_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Attempt:
        """Store one graded attempt, its key-point results and its review effect, atomically."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        now = self.clock()
        prompt = prompt or question.prompt
        extra = extra or {}
        with self._write() as conn:
            cur = conn.execute(
                """INSERT INTO attempts (created_at, session_id, mode, question_id, category, prompt, answer,
                   score, valid, band, judge, model, judgement, answer_seconds, time_limit, timed_out, grade_ms,
                   parent_id, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    now,
                    session_id,
                    mode,
                    question.id,
                    question.category,
                    prompt,
                    answer,
                    judgement.score,
                    int(judgement.valid),
                    judgement.band,
                    judgement.judge,
                    judgement.model,
                    judgement.model_dump_json(),
                    answer_seconds,
                    time_limit,
                    int(timed_out),
                    judgement.elapsed_ms,
                    parent_id,
                    json.dumps(extra),
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO key_point_results VALUES (?,?,?,?,?,?,?)",
                [
                    (attempt_id, i, question.id, k.text, k.weight, int(k.hit), k.similarity)
                    for i, k in enumerate(judgement.key_points)
                ],
            )
            if mode in SCHEDULING_MODES:
                self._schedule(conn, question, judgement, attempt_id, now)
        return Attempt(
            id=attempt_id,
            created_at=now,
            session_id=session_id,
            mode=mode,
            question_id=question.id,
            category=question.category,
            prompt=prompt,
            answer=answer,
            judgement=judgement,
            answer_seconds=answer_seconds,
            time_limit=time_limit,
            timed_out=timed_out,
            parent_id=parent_id,
            extra=extra,
        )

    def _schedule(
        self, conn: sqlite3.Connection, question: Question, judgement: Judgement, attempt_id: int, now: float
    ) -> None:
        """Leitner: a missed must-have point sends the question to box 1; a clean answer moves it up."""
        if judgement.missed:  # must-have points missed (an ungradable answer misses them all)
            conn.execute(
                """INSERT INTO review (question_id, box, due_at, updated_at, last_attempt_id, missed)
                   VALUES (?, 1, ?, ?, ?, ?)
                   ON CONFLICT(question_id) DO UPDATE SET box = 1, due_at = excluded.due_at,
                   updated_at = excluded.updated_at, last_attempt_id = excluded.last_attempt_id,
                   missed = excluded.missed""",
                (question.id, now + LEITNER_DAYS[0] * DAY, now, attempt_id, json.dumps(judgement.missed)),
            )
        elif (
            row := conn.execute("SELECT box FROM review WHERE question_id = ?", (question.id,)).fetchone()
        ) is not None:
            box = int(row["box"]) + 1
            if box > len(LEITNER_DAYS):
                conn.execute("DELETE FROM review WHERE question_id = ?", (question.id,))
            else:
                conn.execute(
                    "UPDATE review SET box = ?, due_at = ?, updated_at = ?, last_attempt_id = ? WHERE question_id = ?",
                    (box, now + LEITNER_DAYS[box - 1] * DAY, now, attempt_id, question.id),
                )

    def reset(self) -> int:
        """Delete every attempt and the review schedule; return how many attempts were deleted."""
        with self._write() as conn:
            n = int(conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
            conn.execute("DELETE FROM key_point_results")
            conn.execute("DELETE FROM review")
            conn.execute("DELETE FROM attempts")
        return n

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM attempts")[0][0])

    def get(self, attempt_id: int) -> Attempt | None:
        rows = self._read("SELECT * FROM attempts WHERE id = ?", (attempt_id,))
        return _attempt(rows[0]) if rows else None

    def attempts(
        self,
        *,
        session_id: str | None = None,
        question_id: str | None = None,
        mode: Mode | None = None,
        limit: int | None = None,
    ) -> list[Attempt]:
        """Attempts, oldest first; `limit` keeps the most recent ones."""
        where, params = _where(session_id=session_id, question_id=question_id, mode=mode)
        sql = f"SELECT * FROM attempts {where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [_attempt(r) for r in reversed(self._read(sql, params))]

    def score_history(self) -> list[ScorePoint]:
        """Scores of answers to questions (follow-ups left out), oldest first."""
        rows = self._read(
            "SELECT id, created_at, question_id, category, mode, score, valid FROM attempts "
            "WHERE mode != 'follow-up' ORDER BY id"
        )
        return [
            ScorePoint(
                r["id"], r["created_at"], r["question_id"], r["category"], r["mode"], r["score"], bool(r["valid"])
            )
            for r in rows
        ]

    def delivery_history(self) -> list[DeliveryPoint]:
        """Delivery metrics stored with attempts, oldest first."""
        rows = self._read("SELECT id, created_at, extra FROM attempts WHERE extra LIKE '%\"delivery\"%' ORDER BY id")
        points = []
        for r in rows:
            d = json.loads(r["extra"]).get("delivery") or {}
            if d.get("word_count"):
                points.append(
                    DeliveryPoint(
                        r["id"],
                        r["created_at"],
                        bool(d.get("spoken")),
                        d.get("words_per_minute"),
                        float(d.get("fillers_per_minute") or 0.0),
                        int(d.get("hedge_count") or 0),
                    )
                )
        return points

    def latest_scores(self) -> dict[str, float]:
        """Each answered question's latest score (follow-ups left out)."""
        rows = self._read(
            """SELECT question_id, score FROM attempts WHERE id IN (
                 SELECT MAX(id) FROM attempts WHERE mode != 'follow-up' GROUP BY question_id)"""
        )
        return {r["question_id"]: r["score"] for r in rows}

    def mastery(self) -> list[CategoryMastery]:
        """Per category, the mean of each practised question's latest score, weakest first.

        The latest score, not the mean of all: a question answered badly once and well since is
        mastered now, and the chart should say so.
        """
        rows = self._read(
            """WITH ranked AS (
                 SELECT category, question_id, score, created_at,
                        ROW_NUMBER() OVER (PARTITION BY question_id ORDER BY id DESC) AS rn,
                        COUNT(*) OVER (PARTITION BY question_id) AS n
                 FROM attempts WHERE mode != 'follow-up')
               SELECT category, COUNT(*) AS questions, SUM(n) AS attempts, AVG(score) AS mastery,
                      MAX(created_at) AS last_at
               FROM ranked WHERE rn = 1 GROUP BY category ORDER BY mastery, category"""
        )
        return [
            CategoryMastery(r["category"], r["questions"], r["attempts"], round(r["mastery"], 2), r["last_at"])
            for r in rows
        ]

    def most_missed(self, limit: int = 10) -> list[MissedPoint]:
        """Key points missed most often in graded answers (follow-ups left out)."""
        rows = self._read(
            """SELECT k.question_id, k.text, k.weight, SUM(1 - k.hit) AS missed, COUNT(*) AS seen
               FROM key_point_results k JOIN attempts a ON a.id = k.attempt_id
               WHERE a.mode != 'follow-up'
               GROUP BY k.question_id, k.text, k.weight HAVING missed > 0
               ORDER BY missed DESC, CAST(missed AS REAL) / seen DESC, k.weight = 'nice', k.text LIMIT ?""",
            (limit,),
        )
        return [MissedPoint(r["question_id"], r["text"], r["weight"], r["missed"], r["seen"]) for r in rows]

    def review_queue(self) -> list[ReviewItem]:
        """Every question in a Leitner box, the soonest due first."""
        rows = self._read("SELECT * FROM review ORDER BY due_at, question_id")
        return [
            ReviewItem(r["question_id"], r["box"], r["due_at"], r["updated_at"], tuple(json.loads(r["missed"])))
            for r in rows
        ]

    def due(self, now: float | None = None) -> list[ReviewItem]:
        """Questions due for review now."""
        now = self.clock() if now is None else now
        return [item for item in self.review_queue() if item.is_due(now)]


def _where(**filters: str | None) -> tuple[str, tuple[Any, ...]]:
    parts = [(f"{name} = ?", value) for name, value in filters.items() if value is not None]
    if not parts:
        return "", ()
    return "WHERE " + " AND ".join(p for p, _ in parts), tuple(v for _, v in parts)


def _attempt(r: sqlite3.Row) -> Attempt:
    return Attempt(
        id=r["id"],
        created_at=r["created_at"],
        session_id=r["session_id"],
        mode=r["mode"],
        question_id=r["question_id"],
        category=r["category"],
        prompt=r["prompt"],
        answer=r["answer"],
        judgement=Judgement.model_validate_json(r["judgement"]),
        answer_seconds=r["answer_seconds"],
        time_limit=r["time_limit"],
        timed_out=bool(r["timed_out"]),
        parent_id=r["parent_id"],
        extra=json.loads(r["extra"] or "{}"),
    )
