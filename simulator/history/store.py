"""Attempts and progress per user, in SQLite (`SIM_HOME/history.sqlite3`) or PostgreSQL, and reviews
scheduled by FSRS.

Every attempt is written in its own transaction the moment it is graded, together with its
key-point results and its review of the question's FSRS card (and of its often-missed points'
cards, `reviews.py`), so a closed tab or a killed process loses nothing the person has seen a
score for. How an answer becomes a rating is decided in `schedule.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import RowMapping

from ..bank import Question
from ..grading import Judgement
from .database import Database
from .records import (
    LOCAL_USER,
    MODES,
    Attempt,
    CategoryMastery,
    DeliveryPoint,
    MissedPoint,
    Mode,
    ReviewItem,
    ScorePoint,
)
from .reviews import SCHEDULING_MODES, review_item, schedule_answer

DAY = 86400.0


class History:
    """One user's attempt log and FSRS review cards, in the SQLite file or a PostgreSQL database.

    `History(path_or_url)` opens the database (bringing its schema up to date) as the local user;
    `for_user` gives another user's view over the same engine. Every query, write, count and
    reset of a view touches that user's rows only.
    """

    def __init__(
        self,
        path_or_url: str | Path,
        clock: Callable[[], float] = time.time,
        user: str = LOCAL_USER,
        *,
        database: Database | None = None,
    ):
        """`database`: an open one to share (as `for_user` does) instead of opening `path_or_url`."""
        if not user:
            raise ValueError("a user id is needed: the OIDC subject, or LOCAL_USER")
        self.database = database or Database(path_or_url)
        self.clock = clock
        self.user = user
        if database is None and user != LOCAL_USER:  # the local user comes with the schema
            self._register(None, None)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on a server."""
        return self.database.path

    @property
    def location(self) -> str:
        """Where the history lives, for people: the file, or the URL without its password."""
        return self.database.location

    def for_user(self, user_id: str, name: str | None = None, email: str | None = None) -> History:
        """The history of one user (an OIDC subject), sharing this one's engine; records the user
        and when they were last seen (name and email are kept when not given)."""
        view = History(self.database.location, self.clock, user_id, database=self.database)
        view._register(name, email)
        return view

    def _register(self, name: str | None, email: str | None) -> None:
        now = self.clock()
        with self.database.write() as conn:
            conn.execute(
                text(
                    """INSERT INTO users (id, name, email, created_at, last_seen)
                       VALUES (:id, :name, :email, :now, :now)
                       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, users.name),
                       email = COALESCE(excluded.email, users.email), last_seen = excluded.last_seen"""
                ),
                {"id": self.user, "name": name, "email": email, "now": now},
            )

    def close(self) -> None:
        """Close the pooled connections of this history and of every view sharing its engine."""
        self.database.dispose()

    def _read(self, sql: str, **params: Any) -> list[RowMapping]:
        return list(self.database.read(sql, {"user": self.user, **params}))

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
        attempt = Attempt(
            id=0,  # given by the database below
            created_at=now,
            session_id=session_id,
            mode=mode,
            question_id=question.id,
            category=question.category,
            prompt=prompt or question.prompt,
            answer=answer,
            judgement=judgement,
            answer_seconds=answer_seconds,
            time_limit=time_limit,
            timed_out=timed_out,
            parent_id=parent_id,
            extra=extra or {},
        )
        with self.database.write() as conn:
            attempt_id = int(conn.execute(text(INSERT_ATTEMPT), _row(attempt, self.user)).scalar_one())
            if judgement.key_points:
                conn.execute(
                    text(
                        "INSERT INTO key_point_results (attempt_id, position, question_id, text, weight, hit, "
                        "similarity) VALUES (:a, :i, :q, :text, :weight, :hit, :similarity)"
                    ),
                    [
                        {"a": attempt_id, "i": i, "q": question.id, "text": k.text, "weight": k.weight}
                        | {"hit": int(k.hit), "similarity": k.similarity}
                        for i, k in enumerate(judgement.key_points)
                    ],
                )
            if mode in SCHEDULING_MODES:
                # FOR UPDATE: on PostgreSQL two answers to one question at once review its card in turn.
                lock = "" if self.database.sqlite else " FOR UPDATE"
                schedule_answer(conn, self.user, question.id, judgement, attempt_id, now, lock)
        return replace(attempt, id=attempt_id)

    def reset(self) -> int:
        """Delete this user's attempts and review schedule; return how many attempts were deleted."""
        user = {"user": self.user}
        with self.database.write() as conn:
            n = int(conn.execute(text("SELECT COUNT(*) FROM attempts WHERE user_id = :user"), user).scalar_one())
            conn.execute(
                text(
                    "DELETE FROM key_point_results WHERE attempt_id IN (SELECT id FROM attempts WHERE user_id = :user)"
                ),
                user,
            )
            conn.execute(text("DELETE FROM review WHERE user_id = :user"), user)
            conn.execute(text("DELETE FROM attempts WHERE user_id = :user"), user)
        return n

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._read("SELECT COUNT(*) AS n FROM attempts WHERE user_id = :user")[0]["n"])

    def get(self, attempt_id: int) -> Attempt | None:
        rows = self._read("SELECT * FROM attempts WHERE id = :id AND user_id = :user", id=attempt_id)
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
        filters = {"session_id": session_id, "question_id": question_id, "mode": mode}
        where = "".join(f" AND {name} = :{name}" for name, value in filters.items() if value is not None)
        sql = f"SELECT * FROM attempts WHERE user_id = :user{where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT :limit"
        return [_attempt(r) for r in reversed(self._read(sql, **filters, limit=limit))]

    def score_history(self) -> list[ScorePoint]:
        """Scores of answers to questions (follow-ups left out), oldest first."""
        rows = self._read(
            "SELECT id, created_at, question_id, category, mode, score, valid FROM attempts "
            "WHERE user_id = :user AND mode != 'follow-up' ORDER BY id"
        )
        return [
            ScorePoint(
                r["id"], r["created_at"], r["question_id"], r["category"], r["mode"], r["score"], bool(r["valid"])
            )
            for r in rows
        ]

    def delivery_history(self) -> list[DeliveryPoint]:
        """Delivery metrics stored with attempts, oldest first."""
        rows = self._read(
            "SELECT id, created_at, extra FROM attempts WHERE user_id = :user AND extra LIKE :pattern ORDER BY id",
            pattern='%"delivery"%',
        )
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
                 SELECT MAX(id) FROM attempts WHERE user_id = :user AND mode != 'follow-up' GROUP BY question_id)"""
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
                 FROM attempts WHERE user_id = :user AND mode != 'follow-up')
               SELECT category, COUNT(*) AS questions, SUM(n) AS attempts, AVG(score) AS mastery,
                      MAX(created_at) AS last_at
               FROM ranked WHERE rn = 1 GROUP BY category ORDER BY mastery, category"""
        )
        return [
            CategoryMastery(
                r["category"], int(r["questions"]), int(r["attempts"]), round(float(r["mastery"]), 2), r["last_at"]
            )
            for r in rows
        ]

    def most_missed(self, limit: int = 10) -> list[MissedPoint]:
        """Key points missed most often in graded answers (follow-ups left out)."""
        rows = self._read(
            """SELECT k.question_id, k.text, k.weight, SUM(1 - k.hit) AS missed, COUNT(*) AS seen
               FROM key_point_results k JOIN attempts a ON a.id = k.attempt_id
               WHERE a.user_id = :user AND a.mode != 'follow-up'
               GROUP BY k.question_id, k.text, k.weight HAVING SUM(1 - k.hit) > 0
               ORDER BY missed DESC, CAST(SUM(1 - k.hit) AS REAL) / COUNT(*) DESC, k.weight = 'nice', k.text
               LIMIT :limit""",
            limit=limit,
        )
        return [MissedPoint(r["question_id"], r["text"], r["weight"], int(r["missed"]), int(r["seen"])) for r in rows]

    def review_queue(self) -> list[ReviewItem]:
        """Every FSRS card of this user (questions and often-missed points), the soonest due first."""
        rows = self._read("SELECT * FROM review WHERE user_id = :user ORDER BY due_at, question_id, point")
        return [review_item(r) for r in rows]

    def due(self, now: float | None = None) -> list[ReviewItem]:
        """Questions due for review now."""
        now = self.clock() if now is None else now
        return [item for item in self.review_queue() if item.is_due(now)]


INSERT_ATTEMPT = """INSERT INTO attempts (user_id, created_at, session_id, mode, question_id, category, prompt,
    answer, score, valid, band, judge, model, judgement, answer_seconds, time_limit, timed_out, grade_ms, parent_id,
    extra) VALUES (:user, :created_at, :session_id, :mode, :question_id, :category, :prompt, :answer, :score, :valid,
    :band, :judge, :model, :judgement, :answer_seconds, :time_limit, :timed_out, :grade_ms, :parent_id, :extra)
    RETURNING id"""


def _row(a: Attempt, user: str) -> dict[str, Any]:
    """The columns of a new attempt row."""
    j = a.judgement
    return {
        "user": user,
        "created_at": a.created_at,
        "session_id": a.session_id,
        "mode": a.mode,
        "question_id": a.question_id,
        "category": a.category,
        "prompt": a.prompt,
        "answer": a.answer,
        "score": j.score,
        "valid": int(j.valid),
        "band": j.band,
        "judge": j.judge,
        "model": j.model,
        "judgement": j.model_dump_json(),
        "answer_seconds": a.answer_seconds,
        "time_limit": a.time_limit,
        "timed_out": int(a.timed_out),
        "grade_ms": j.elapsed_ms,
        "parent_id": a.parent_id,
        "extra": json.dumps(a.extra),
    }


def _attempt(r: RowMapping) -> Attempt:
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
