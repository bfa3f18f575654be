"""A coach's view over every user of one history database: activity, mastery by category, and the key
points the cohort misses most. Each record's `row()` is a flat dict for `to_csv`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .store import History


def _iso(t: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t)) if t is not None else ""


@dataclass(frozen=True)
class UserActivity:
    """One user's practice: answers given, the last one's time, the mean score (follow-ups left out)."""

    user_id: str
    name: str  # the display name, else the email, else the user id
    email: str | None
    attempts: int
    last_active: float
    mean_score: float

    def row(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "email": self.email or "",
            "attempts": self.attempts,
            "last_active": _iso(self.last_active),
            "mean_score": round(self.mean_score, 2),
        }


@dataclass(frozen=True)
class UserMastery:
    """One user's mastery of one category: the mean of each practised question's latest score."""

    user_id: str
    name: str
    category: str
    questions: int
    attempts: int
    mastery: float
    last_at: float

    def row(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "category": self.category,
            "questions": self.questions,
            "attempts": self.attempts,
            "mastery": self.mastery,
            "last_at": _iso(self.last_at),
        }


@dataclass(frozen=True)
class CohortMiss:
    """A key point the cohort missed: by how many users, how many times, out of how many answers."""

    question_id: str
    text: str
    weight: str
    users: int
    times: int
    seen: int

    def row(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "key_point": self.text,
            "weight": self.weight,
            "users": self.users,
            "times_missed": self.times,
            "times_seen": self.seen,
        }


NAME = "COALESCE(u.name, u.email, a.user_id)"


class Cohort:
    """Queries across all users of `history`'s database (whichever user `history` is a view for)."""

    def __init__(self, history: History):
        self.database = history.database

    def activity(self) -> list[UserActivity]:
        """Every user who has answered, the most recently active first: their answers (follow-ups left
        out, as from the mean score) and when they last answered anything."""
        rows = self.database.read(
            f"""SELECT a.user_id, {NAME} AS name, u.email,
                       SUM(CASE WHEN a.mode != 'follow-up' THEN 1 ELSE 0 END) AS attempts,
                       MAX(a.created_at) AS last_active,
                       COALESCE(AVG(CASE WHEN a.mode != 'follow-up' THEN a.score END), 0) AS mean_score
                FROM attempts a LEFT JOIN users u ON u.id = a.user_id
                GROUP BY a.user_id, u.name, u.email ORDER BY last_active DESC, a.user_id"""
        )
        return [
            UserActivity(
                r["user_id"], r["name"], r["email"], int(r["attempts"]), r["last_active"], float(r["mean_score"])
            )
            for r in rows
        ]

    def mastery(self) -> list[UserMastery]:
        """Per user and category, the mean of each question's latest score; by user, weakest category first."""
        rows = self.database.read(
            f"""WITH ranked AS (
                  SELECT user_id, category, question_id, score, created_at,
                         ROW_NUMBER() OVER (PARTITION BY user_id, question_id ORDER BY id DESC) AS rn,
                         COUNT(*) OVER (PARTITION BY user_id, question_id) AS n
                  FROM attempts WHERE mode != 'follow-up')
                SELECT a.user_id, {NAME} AS name, a.category, COUNT(*) AS questions, SUM(a.n) AS attempts,
                       AVG(a.score) AS mastery, MAX(a.created_at) AS last_at
                FROM ranked a LEFT JOIN users u ON u.id = a.user_id WHERE a.rn = 1
                GROUP BY a.user_id, u.name, u.email, a.category ORDER BY name, a.user_id, mastery, a.category"""
        )
        return [
            UserMastery(
                r["user_id"],
                r["name"],
                r["category"],
                int(r["questions"]),
                int(r["attempts"]),
                round(float(r["mastery"]), 2),
                r["last_at"],
            )
            for r in rows
        ]

    def most_missed(self, limit: int = 20) -> list[CohortMiss]:
        """Key points missed by the most users, then the most times (follow-ups left out)."""
        rows = self.database.read(
            """SELECT k.question_id, k.text, k.weight,
                      COUNT(DISTINCT CASE WHEN k.hit = 0 THEN a.user_id END) AS users,
                      SUM(1 - k.hit) AS times, COUNT(*) AS seen
               FROM key_point_results k JOIN attempts a ON a.id = k.attempt_id
               WHERE a.mode != 'follow-up'
               GROUP BY k.question_id, k.text, k.weight HAVING SUM(1 - k.hit) > 0
               ORDER BY users DESC, times DESC, k.weight = 'nice', k.question_id, k.text LIMIT :limit""",
            {"limit": limit},
        )
        return [
            CohortMiss(r["question_id"], r["text"], r["weight"], int(r["users"]), int(r["times"]), int(r["seen"]))
            for r in rows
        ]
