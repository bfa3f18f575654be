"""Exports of the history: JSON and CSV that open safely in a spreadsheet, with category titles,
the answer mode (typed or spoken) and the delivery figures."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..bank import Corpus
from .records import Attempt

# Figures of a stored `Delivery` copied into an export as they are; pauses and job terms as counts.
DELIVERY_FIGURES = (
    "word_count",
    "duration_s",
    "estimated",
    "speaking_s",
    "words_per_minute",
    "filler_count",
    "fillers_per_minute",
    "hedge_count",
)


def _spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV, safe to open in a spreadsheet."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def delivery_record(delivery: dict[str, Any] | None) -> dict[str, Any]:
    """The answer mode and delivery figures of one answer; figures empty when none were measured.

    An answer with no delivery stored was typed: a spoken one always has its delivery measured.
    """
    d = delivery or {}
    return {
        "answer_mode": "spoken" if d.get("spoken") else "typed",
        **{name: d.get(name) for name in DELIVERY_FIGURES},
        "long_pauses": len(d["long_pauses"]) if "long_pauses" in d else None,
        "job_terms": sum(c["count"] for c in d["job_terms"]) if "job_terms" in d else None,
    }


def _row(attempt: Attempt, corpus: Corpus | None) -> dict[str, Any]:
    title = corpus.category_title(attempt.category) if corpus else attempt.category
    return {**attempt.row(), "category_title": title, **delivery_record(attempt.extra.get("delivery"))}


def attempts_json(attempts: list[Attempt], corpus: Corpus | None = None) -> str:
    """Attempts with their full judgements, as JSON; `corpus` gives the category titles."""
    data = [{**_row(a, corpus), "judgement": a.judgement.model_dump(mode="json")} for a in attempts]
    return json.dumps(data, indent=2, ensure_ascii=False)


def attempts_csv(attempts: list[Attempt], corpus: Corpus | None = None) -> str:
    """Attempts, one row each, as CSV; `corpus` gives the category titles."""
    return to_csv([_row(a, corpus) for a in attempts])
