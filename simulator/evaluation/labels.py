"""`interview-sim eval` on a labelled file: does the score order correct > partial > contradictory, and
does the gate stop what is not an answer?

A labelled CSV (SemEval-2013 Beetle style) says of each answer `correct`, `partially_correct_incomplete`,
`contradictory`, `irrelevant` or `non_domain` instead of giving it a grade. Every row is graded exactly
as `agreement.evaluate` grades it (an ad-hoc question, the same judge). The figures:

- separation of two labels: Pearson r between the score and the label coded 1 / 0 (point-biserial),
  for the product's score and, in the same run, for raw cosine(student, reference);
- the gate: how many irrelevant and non-domain answers it stops, and how many real answers it stops
  by mistake;
- the mean score (and mean cosine) per label.

`label_report` takes judgements already made, so that a fit can be cross-validated by question: judge
each held-out question with the model fitted without it, then report on all the judgements at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..embeddings import Embedder, default_embedder
from ..grading import EmbeddingJudge, Judgement
from ..grading.calibration import Calibration, load_calibration
from ..store import Progress
from .agreement import Row, Skipped, baseline_cosine, format_skipped, grade_rows, merged, nan_to_none, pearson

CORRECT = "correct"
PARTIAL = "partially_correct_incomplete"
CONTRADICTORY = "contradictory"
IRRELEVANT = "irrelevant"
NON_DOMAIN = "non_domain"
ANSWERS = (CORRECT, PARTIAL, CONTRADICTORY)  # real answers: the gate should let them through
NOT_ANSWERS = (IRRELEVANT, NON_DOMAIN)  # the gate should stop these
LABELS = ANSWERS + NOT_ANSWERS
# (label coded 1, label coded 0): the orders a grader must get right.
PAIRS = ((CORRECT, CONTRADICTORY), (PARTIAL, CONTRADICTORY), (CORRECT, PARTIAL))
SHORT = {CORRECT: "correct", PARTIAL: "partial", CONTRADICTORY: "contradictory"}


def pair_name(pair: tuple[str, str]) -> str:
    """The report's key of a pair: correct_vs_contradictory, partial_vs_contradictory, correct_vs_partial."""
    return f"{SHORT[pair[0]]}_vs_{SHORT[pair[1]]}"


def known_labels(rows: Sequence[Row]) -> tuple[list[Row], list[Skipped]]:
    """The rows with one of the five labels; the others skipped with the reason."""
    kept, skipped = [], []
    for row in rows:
        if row.label in LABELS:
            kept.append(row)
        else:
            skipped.append(Skipped(row.line, f"label {row.label!r} is not one of {', '.join(LABELS)}"))
    return kept, skipped


def point_biserial(values: Sequence[float] | np.ndarray, labels: Sequence[str], pair: tuple[str, str]) -> float:
    """Pearson r between `values` and the label coded pair[0] = 1, pair[1] = 0, on the rows with either label."""
    keep = [i for i, label in enumerate(labels) if label in pair]
    coded = [1.0 if labels[i] == pair[0] else 0.0 for i in keep]
    return pearson(np.asarray(values, dtype=float)[keep], coded)


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def label_report(
    rows: Sequence[Row], judgements: Sequence[Judgement], cosine: Sequence[float] | np.ndarray | None = None
) -> dict[str, Any]:
    """The labelled-file figures from judgements already made (row i judged by judgements[i]).

    `cosine` (raw cosine(student, reference) per row) adds the baseline's figures beside the product's.
    Keys: n, questions, separation {pair: n, pearson, baseline_cosine_pearson}, labels {label: n,
    mean_score, mean_cosine, stopped}, gate {stopped_not_answers, not_answers, stopped_answers, answers}.
    """
    if len(rows) != len(judgements):
        raise ValueError(f"{len(rows)} rows but {len(judgements)} judgements")
    labels = [r.label for r in rows]
    scores = np.array([j.score for j in judgements], dtype=float)
    stopped = np.array([not j.valid for j in judgements])
    base = np.full(len(rows), math.nan) if cosine is None else np.asarray(cosine, dtype=float)
    of = np.asarray(labels)
    separation = {
        pair_name(pair): {
            "n": int(np.isin(of, pair).sum()),
            "pearson": point_biserial(scores, labels, pair),
            "baseline_cosine_pearson": math.nan if cosine is None else point_biserial(base, labels, pair),
        }
        for pair in PAIRS
    }
    per_label = {
        label: {
            "n": int((of == label).sum()),
            "mean_score": _mean(scores[of == label]),
            "mean_cosine": _mean(base[of == label]),
            "stopped": int(stopped[of == label].sum()),
        }
        for label in LABELS
    }
    answers, not_answers = np.isin(of, ANSWERS), np.isin(of, NOT_ANSWERS)
    gate = {
        "stopped_not_answers": int(stopped[not_answers].sum()),
        "not_answers": int(not_answers.sum()),
        "stopped_answers": int(stopped[answers].sum()),
        "answers": int(answers.sum()),
    }
    return {
        "n": len(rows),
        "questions": len({r.group for r in rows}),
        "separation": separation,
        "labels": per_label,
        "gate": gate,
    }


def evaluate_labels(
    rows: Sequence[Row],
    embedder: Embedder | None = None,
    calibration: Calibration | None = None,
    progress: Progress | None = None,
    skipped: Sequence[Skipped] = (),
    judge: EmbeddingJudge | None = None,
) -> dict[str, Any]:
    """Grade every labelled row as the product does (or with `judge`) and report `label_report`'s figures.

    Rows with an unknown label, or that the product cannot build or grade, are listed in `skipped`.
    """
    embedder = embedder or default_embedder()
    kept, unknown = known_labels(rows)
    # What Engine.adhoc_judge builds (as agreement.evaluate does): no store, no bank vocabulary.
    judge = judge or EmbeddingJudge(embedder, calibration=calibration or load_calibration())
    graded = grade_rows(kept, judge, progress)
    report = label_report(graded.rows, graded.judgements, baseline_cosine(graded.rows, embedder))
    report["skipped"] = merged(skipped, unknown, graded.skipped)
    report["calibration"] = judge.calibration.version
    return report


def format_labels(report: dict[str, Any]) -> str:
    """The text report of a labelled file."""
    gate = report["gate"]
    lines = [
        f"answers            {report['n']} ({report['questions']} questions)",
        "separation         point-biserial r of the score with the label (first = 1, second = 0)",
        f"{'':<34} {'n':>5}  {'grader':>7}  {'cosine':>7}",
    ]
    for name, s in report["separation"].items():
        lines.append(
            f"  {name.replace('_', ' '):<32} {s['n']:>5}  {s['pearson']:>7.3f}  {s['baseline_cosine_pearson']:>7.3f}"
        )
    lines.append(f"{'per label':<34} {'n':>5}  {'score':>7}  {'cosine':>7}  stopped by the gate")
    for label, s in report["labels"].items():
        lines.append(f"  {label:<32} {s['n']:>5}  {s['mean_score']:>7.2f}  {s['mean_cosine']:>7.3f}  {s['stopped']}")
    lines += [
        f"gate               stops {gate['stopped_not_answers']} of {gate['not_answers']} irrelevant/non-domain "
        f"answers, and {gate['stopped_answers']} of {gate['answers']} real answers by mistake",
        f"calibration        {report.get('calibration', '')}",
    ]
    return "\n".join(lines + format_skipped(report.get("skipped", [])))


def json_labels(report: dict[str, Any]) -> dict[str, Any]:
    """The --json object: the report with nan as null."""
    out: dict[str, Any] = nan_to_none(report)
    return out
