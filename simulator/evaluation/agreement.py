"""`interview-sim eval`: how well the embedding judge agrees with human graders, and the fit behind it.

Every row of a human-graded CSV is graded exactly as the product grades an ad-hoc question
(`adhoc_question`: key points derived from the reference), each answer on its own; the 0-10
score is compared with the human grade on the 0-5 scale. Batching is only for speed: the judge's
`judge_many` gives each answer the judgement `judge` would.

`fit` learns the calibration (linear weights over the judge's features and a monotone output
curve) on such a file, with cross-validation grouped by question so that the reported figure is
for questions the fit never saw. Fitting needs numpy only.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from ..bank import Question, adhoc_question
from ..embeddings import Embedder, default_embedder
from ..errors import InputError
from ..grading import EmbeddingJudge, Judgement
from ..grading.calibration import Calibration, load_calibration
from ..store import Progress

REQUIRED = ("question", "reference_answer", "student_answer", "score_avg")
MAX_GRADE = 5.0  # human grades are 0-5; the product's score is 0-10
CHUNK = 64  # rows per judge_many call: big enough for fast batches, small enough for a live progress bar


@dataclass(frozen=True)
class Row:
    """One human-graded answer."""

    question: str
    reference: str
    answer: str
    grade: float  # 0-5
    group: str  # question_id when given, else the question text

    @property
    def assignment(self) -> str:
        """The part of the question id before the dot (Mohler: assignment 1-8, exam 11)."""
        return self.group.split(".")[0]


def read_rows(path: Path) -> list[Row]:
    """Rows of a human-graded CSV, or InputError saying what is wrong with the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: give a CSV of human-graded answers.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a UTF-8 CSV file.") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror}).") from None
    if "\x00" in text:
        raise InputError(f"{path} is not a CSV file (it holds binary data).")
    try:
        reader = csv.DictReader(text.splitlines())
        header = [h.strip() for h in reader.fieldnames or []]
        records = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path} is not a readable CSV file ({exc}).") from None
    if not header:
        raise InputError(f"{path} is empty: it needs a header row with {', '.join(REQUIRED)}.")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{path} lacks the column(s) {', '.join(missing)}: the CSV needs {', '.join(REQUIRED)} "
            "(question_id optional)."
        )
    rows = []
    for line, record in enumerate(records, start=2):
        record = {(k or "").strip(): (v or "") for k, v in record.items()}
        try:
            grade = float(record["score_avg"])
        except ValueError:
            grade = math.nan
        if not 0.0 <= grade <= MAX_GRADE:
            raise InputError(f"{path} line {line}: score_avg {record['score_avg']!r} is not a number from 0 to 5.")
        group = record.get("question_id", "").strip() or record["question"].strip()
        rows.append(Row(record["question"], record["reference_answer"], record["student_answer"], grade, group))
    if not rows:
        raise InputError(f"{path} has a header but no rows to grade.")
    return rows


def questions_for(rows: Sequence[Row]) -> list[Question]:
    """The ad-hoc question of every row, built as the product builds it (one per distinct pair)."""
    built: dict[tuple[str, str], Question] = {}
    out = []
    for line, row in enumerate(rows, start=2):
        pair = (row.question, row.reference)
        if pair not in built:
            try:
                built[pair] = adhoc_question(row.question, row.reference)
            except InputError as exc:
                raise InputError(f"line {line}: {exc}") from None
        out.append(built[pair])
    return out


def grade(rows: Sequence[Row], judge: EmbeddingJudge, progress: Progress | None = None) -> list[Judgement]:
    """The product's judgement of every row, in batches."""
    questions = questions_for(rows)
    out: list[Judgement] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        out += judge.judge_many(questions[start : start + CHUNK], [r.answer for r in chunk])
        if progress:
            progress(len(out), len(rows))
    return out


def baseline_cosine(rows: Sequence[Row], embedder: Embedder) -> np.ndarray:
    """Raw cosine(student answer, reference answer) with the same model: the floor to beat."""
    references = sorted({r.reference for r in rows})
    ref_vectors = dict(zip(references, embedder.embed_batch(references)))
    answers = embedder.embed_batch([r.answer for r in rows])
    return np.array([float(a @ ref_vectors[r.reference]) for a, r in zip(answers, rows)])


# Metrics ----------------------------------------------------------------------------------------


def _correlation(test: Any, x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """scipy's statistic, or nan when either side is constant (scipy would warn and say nan too)."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    return float(test(a, b).statistic)


def pearson(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Pearson r; nan when either side is constant."""
    return _correlation(stats.pearsonr, x, y)


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman rho (ties share their average rank); nan when either side is constant."""
    return _correlation(stats.spearmanr, x, y)


def per_group_r(predicted: np.ndarray, gold: np.ndarray, groups: Sequence[str]) -> dict[str, float]:
    """Pearson r within each group; groups where either side is constant have none."""
    keys = np.asarray(groups)
    out = {}
    for g in dict.fromkeys(groups):
        mask = keys == g
        r = pearson(predicted[mask], gold[mask])
        if not math.isnan(r):
            out[g] = r
    return out


def metrics(
    scores: Sequence[float] | np.ndarray, gold: Sequence[float] | np.ndarray, groups: Sequence[str]
) -> dict[str, Any]:
    """Agreement of 0-10 scores with 0-5 human grades: the figures `eval` reports."""
    predicted = np.asarray(scores, dtype=float) / 2
    truth = np.asarray(gold, dtype=float)
    within = per_group_r(predicted, truth, groups)
    return {
        "n": len(truth),
        "questions": len(set(groups)),
        "pearson": pearson(predicted, truth),
        "spearman": spearman(predicted, truth),
        "rmse": float(np.sqrt(np.mean((predicted - truth) ** 2))),
        "per_question_r": float(np.mean(list(within.values()))) if within else math.nan,
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    """Min, quartiles and max."""
    q = np.percentile(np.asarray(values, dtype=float), [0, 25, 50, 75, 100])
    return dict(zip(("min", "q1", "median", "q3", "max"), (float(v) for v in q)))


# The harness ------------------------------------------------------------------------------------


def evaluate(
    rows: Sequence[Row],
    embedder: Embedder | None = None,
    calibration: Calibration | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Grade every row as the product does and report agreement with the human grades.

    Keys: n, questions, pearson, spearman, rmse, per_question_r, baseline_cosine_pearson, plus
    `details` (gated answers, per-question r spread) for the text report.
    """
    embedder = embedder or default_embedder()
    # What Engine.adhoc_judge builds: no store, no bank vocabulary.
    judge = EmbeddingJudge(embedder, calibration=calibration or load_calibration())
    judgements = grade(rows, judge, progress)
    scores = np.array([j.score for j in judgements])
    gold = np.array([r.grade for r in rows])
    groups = [r.group for r in rows]
    report: dict[str, Any] = metrics(scores, gold, groups)
    report["baseline_cosine_pearson"] = pearson(baseline_cosine(rows, embedder), gold)
    within = per_group_r(scores / 2, gold, groups)
    report["details"] = {
        "gated": sum(not j.valid for j in judgements),
        "gated_mean_grade": float(np.mean([r.grade for r, j in zip(rows, judgements) if not j.valid] or [math.nan])),
        "per_question_r_spread": spread(list(within.values())) if within else {},
        "calibration": judge.calibration.version,
    }
    return report


def format_report(report: dict[str, Any]) -> str:
    d = report.get("details", {})
    lines = [
        f"answers            {report['n']} ({d.get('gated', 0)} not graded by the gate)",
        f"questions          {report['questions']}",
        f"Pearson r          {report['pearson']:.3f}",
        f"Spearman rho       {report['spearman']:.3f}",
        f"RMSE (0-5)         {report['rmse']:.3f}",
        f"per-question r     {report['per_question_r']:.3f} (mean)",
        f"baseline cosine r  {report['baseline_cosine_pearson']:.3f} (raw cosine(student, reference), same model)",
    ]
    if d.get("per_question_r_spread"):
        s = d["per_question_r_spread"]
        lines.append(
            f"per-question r     min {s['min']:.2f}, q1 {s['q1']:.2f}, median {s['median']:.2f}, "
            f"q3 {s['q3']:.2f}, max {s['max']:.2f}"
        )
    if d.get("calibration"):
        lines.append(f"calibration        {d['calibration']}")
    return "\n".join(lines)


def json_report(report: dict[str, Any]) -> dict[str, Any]:
    """The --json object: the seven figures, nan as null."""
    keys = ("n", "questions", "pearson", "spearman", "rmse", "per_question_r", "baseline_cosine_pearson")
    return {k: (None if isinstance(report[k], float) and math.isnan(report[k]) else report[k]) for k in keys}
