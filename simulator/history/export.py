"""Exports of the history: JSON and CSV that open safely in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .records import Attempt


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


def attempts_json(attempts: list[Attempt]) -> str:
    """Attempts with their full judgements, as JSON."""
    data = [{**a.row(), "judgement": a.judgement.model_dump(mode="json")} for a in attempts]
    return json.dumps(data, indent=2, ensure_ascii=False)


def attempts_csv(attempts: list[Attempt]) -> str:
    """Attempts, one row each, as CSV."""
    return to_csv([a.row() for a in attempts])
