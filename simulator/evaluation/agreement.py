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
import io
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

REQUIRED = ("question", "reference_answer", "student_answer")
GRADE = "score_avg"  # a 0-5 human grade per row ...
LABEL = "label"  # ... or, when the file has no grades, a judgement in words (labels.py)
MAX_GRADE = 5.0  # human grades are 0-5; the product's score is 0-10
CHUNK = 64  # rows per judge_many call: big enough for fast batches, small enough for a live progress bar


@dataclass(frozen=True)
class Row:
    """One human-graded (or labelled) answer."""

    question: str
    reference: str
    answer: str
    grade: float  # 0-5; nan in a labelled file
    group: str  # question_id when given, else the question text
    line: int = 0  # the CSV line where the row starts (0: not read from a file)
    label: str = ""  # a labelled file's judgement: correct, contradictory, ...

    @property
    def assignment(self) -> str:
        """The part of the question id before the dot (Mohler: assignment 1-8, exam 11)."""
        return self.group.split(".")[0]


@dataclass(frozen=True)
class Skipped:
    """A row that was not graded, and why; the run carries on without it."""

    line: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class Dataset:
    """The rows of a CSV that can be measured, and the rows set aside."""

    rows: list[Row]
    skipped: list[Skipped]
    labelled: bool  # a label column and no score_avg: labels.py measures it


def _records(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line, record) pairs of a CSV, or InputError saying why it cannot be read."""
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
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        records, start = [], 2
        for record in reader:
            records.append((start, {(k or "").strip(): (v or "") for k, v in record.items()}))
            start = reader.line_num + 1  # a quoted answer may span lines
    except csv.Error as exc:
        raise InputError(f"{path} is not a readable CSV file ({exc}).") from None
    return header, records


def read_data(path: Path) -> Dataset:
    """The rows of a human-graded (score_avg) or labelled (label) CSV; a row with a bad grade is skipped.

    InputError when the file as a whole cannot be used: unreadable, a column missing, no row to grade.
    """
    header, records = _records(path)
    needed = f"{', '.join(REQUIRED)} and {GRADE} (0-5) or {LABEL} (question_id optional)"
    if not header:
        raise InputError(f"{path} is empty: it needs a header row with {needed}.")
    labelled = GRADE not in header and LABEL in header
    missing = [c for c in (*REQUIRED, LABEL if labelled else GRADE) if c not in header]
    if missing:
        raise InputError(f"{path} lacks the column(s) {', '.join(missing)}: the CSV needs {needed}.")
    rows, skipped = [], []
    for line, record in records:
        group = record.get("question_id", "").strip() or record["question"].strip()
        if labelled:
            grade, label = math.nan, record[LABEL].strip()
        else:
            grade, label = _grade(record[GRADE]), ""
            if not 0.0 <= grade <= MAX_GRADE:
                skipped.append(Skipped(line, f"{GRADE} {record[GRADE]!r} is not a number from 0 to 5"))
                continue
        rows.append(
            Row(record["question"], record["reference_answer"], record["student_answer"], grade, group, line, label)
        )
    if not rows:
        first = f": line {skipped[0].line}: {skipped[0].reason}" if skipped else ""
        raise InputError(f"{path} has a header but no rows to grade{first}.")
    return Dataset(rows, skipped, labelled)


def _grade(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def read_rows(path: Path) -> list[Row]:
    """The gradable rows of a CSV (read_data without the skipped rows)."""
    return read_data(path).rows


def build(rows: Sequence[Row]) -> tuple[list[Row], list[Question], list[Skipped]]:
    """The ad-hoc question of every row, built as the product builds it (one per distinct pair).

    Rows whose question or reference the product refuses are returned as skipped, with the reason.
    """
    built: dict[tuple[str, str], Question | str] = {}
    kept, questions, skipped = [], [], []
    for row in rows:
        pair = (row.question, row.reference)
        if pair not in built:
            try:
                built[pair] = adhoc_question(row.question, row.reference)
            except InputError as exc:
                built[pair] = str(exc).rstrip(".")
        question = built[pair]
        if isinstance(question, str):
            skipped.append(Skipped(row.line, question))
        else:
            kept.append(row)
            questions.append(question)
    return kept, questions, skipped


def questions_for(rows: Sequence[Row]) -> list[Question]:
    """The ad-hoc question of every row; InputError naming the first row that cannot have one."""
    _, questions, skipped = build(rows)
    if skipped:
        raise InputError(f"line {skipped[0].line}: {skipped[0].reason}.")
    return questions


def grade(rows: Sequence[Row], judge: EmbeddingJudge, progress: Progress | None = None) -> list[Judgement]:
    """The product's judgement of every row, in batches; every row must build (see `grade_rows`)."""
    questions = questions_for(rows)
    out: list[Judgement] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        out += judge.judge_many(questions[start : start + CHUNK], [r.answer for r in chunk])
        if progress:
            progress(len(out), len(rows))
    return out


@dataclass
class Graded:
    """The rows that were graded, their judgements (in the same order), and the rows skipped."""

    rows: list[Row]
    judgements: list[Judgement]
    skipped: list[Skipped]


def grade_rows(rows: Sequence[Row], judge: EmbeddingJudge, progress: Progress | None = None) -> Graded:
    """The product's judgement of every row that can be graded; the others skipped with their line and why."""
    kept, questions, skipped = build(rows)
    graded = Graded([], [], skipped)
    for start in range(0, len(kept), CHUNK):
        chunk, asked = kept[start : start + CHUNK], questions[start : start + CHUNK]
        try:
            graded.judgements += judge.judge_many(asked, [r.answer for r in chunk])
            graded.rows += chunk
        except Exception:  # one row that breaks the grader must not cost the run: find it, row by row
            for row, question in zip(chunk, asked):
                try:
                    graded.judgements.append(judge.judge(question, row.answer))
                    graded.rows.append(row)
                except Exception as exc:
                    skipped.append(Skipped(row.line, f"the grader failed ({type(exc).__name__}: {exc})"))
        if progress:
            progress(min(start + CHUNK, len(kept)), len(kept))
    skipped.sort(key=lambda s: s.line)
    if not graded.rows:
        reasons = "; ".join(f"line {s.line}: {s.reason}" for s in skipped[:3])
        raise InputError(f"No row could be graded ({reasons}{'; ...' if len(skipped) > 3 else ''}).")
    return graded


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
    skipped: Sequence[Skipped] = (),
) -> dict[str, Any]:
    """Grade every row as the product does and report agreement with the human grades.

    Keys: n, questions, pearson, spearman, rmse, per_question_r, baseline_cosine_pearson, skipped
    (rows not graded: `skipped` given, read_data's, and those the product cannot build or grade), plus
    `details` (gated answers, per-question r spread) for the text report.
    """
    embedder = embedder or default_embedder()
    # What Engine.adhoc_judge builds: no store, no bank vocabulary.
    judge = EmbeddingJudge(embedder, calibration=calibration or load_calibration())
    graded = grade_rows(rows, judge, progress)
    rows, judgements = graded.rows, graded.judgements
    scores = np.array([j.score for j in judgements])
    gold = np.array([r.grade for r in rows])
    groups = [r.group for r in rows]
    report: dict[str, Any] = metrics(scores, gold, groups)
    report["baseline_cosine_pearson"] = pearson(baseline_cosine(rows, embedder), gold)
    report["skipped"] = merged(skipped, graded.skipped)
    within = per_group_r(scores / 2, gold, groups)
    report["details"] = {
        "gated": sum(not j.valid for j in judgements),
        "gated_mean_grade": float(np.mean([r.grade for r, j in zip(rows, judgements) if not j.valid] or [math.nan])),
        "per_question_r_spread": spread(list(within.values())) if within else {},
        "calibration": judge.calibration.version,
    }
    return report


def merged(*skipped: Sequence[Skipped]) -> list[dict[str, Any]]:
    """Skipped rows of every stage, in file order, as the report lists them."""
    return [s.as_dict() for s in sorted((s for part in skipped for s in part), key=lambda s: s.line)]


def format_skipped(skipped: Sequence[dict[str, Any]]) -> list[str]:
    """The report's lines for the rows not graded."""
    if not skipped:
        return []
    return [f"skipped            {len(skipped)} row(s), not graded:"] + [
        f"  line {s['line']}: {s['reason']}" for s in skipped
    ]


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
    return "\n".join(lines + format_skipped(report.get("skipped", [])))


def nan_to_none(value: Any) -> Any:
    """JSON has no nan: null instead, in nested dicts and lists too."""
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nan_to_none(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def json_report(report: dict[str, Any]) -> dict[str, Any]:
    """The --json object: the seven figures (nan as null) and the skipped rows."""
    keys = ("n", "questions", "pearson", "spearman", "rmse", "per_question_r", "baseline_cosine_pearson")
    return {**{k: nan_to_none(report[k]) for k in keys}, "skipped": report.get("skipped", [])}
