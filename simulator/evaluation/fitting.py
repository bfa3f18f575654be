"""`interview-sim eval --fit`: the calibration learnt from human grades, cross-validated by question."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from ..bank import Question
from ..embeddings import Embedder, Encoded, default_embedder, encode
from ..errors import InputError
from ..grading import EmbeddingJudge, Judgement
from ..grading.calibration import Calibration
from ..grading.scoring import final_score
from ..store import Progress
from ..text import clean
from .agreement import Row, grade, metrics, questions_for


class CachedEmbedder:
    """Wraps an embedder so that refits re-judge without re-encoding (fitting only)."""

    def __init__(self, embedder: Embedder):
        self.inner = embedder
        self.name = embedder.name
        self._vectors: dict[str, np.ndarray] = {}
        self._encoded: dict[str, Encoded] = {}

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, self.inner.embed_batch(todo)))
        return np.array([self._vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def embed_tokens(self, texts: list[str]) -> list[Encoded]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._encoded]
        if todo:
            self._encoded.update(zip(todo, encode(self.inner, todo)))
        return [self._encoded[t] for t in texts]


def fit_linear(x: np.ndarray, y: np.ndarray, alpha: float = 1.0) -> tuple[np.ndarray, float]:
    """Ridge regression on standardised features; returns weights and intercept on the raw scale."""
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - mu) / sd
    w = np.linalg.solve(z.T @ z + alpha * np.eye(x.shape[1]), z.T @ (y - y.mean()))
    weights = w / sd
    return weights, float(y.mean() - weights @ mu)


def isotonic_knots(raw: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> list[tuple[float, float]]:
    """An increasing curve raw -> y: weighted pool-adjacent-violators (PAV) over the sorted raw values.

    Knots sit at the mean raw value of each pooled block; interpolating between them gives a
    strictly increasing curve (ties would merge answers a person ranks apart), flat beyond.
    """
    w = np.ones(len(raw)) if weight is None else np.asarray(weight, dtype=float)
    values, inverse = np.unique(raw, return_inverse=True)
    counts = np.bincount(inverse).astype(float)
    # Each block: [sum of raw, sum of w*y, sum of w, count]
    blocks = zip(values * counts, np.bincount(inverse, weights=w * y), np.bincount(inverse, weights=w), counts)
    pooled: list[list[float]] = []
    for block in blocks:
        pooled.append(list(block))
        while len(pooled) > 1 and pooled[-2][1] / pooled[-2][2] >= pooled[-1][1] / pooled[-1][2]:
            last = pooled.pop()
            pooled[-1] = [a + b for a, b in zip(pooled[-1], last)]
    return [(sx / n, swy / sw) for sx, swy, sw, n in pooled]


@dataclass
class Fitted:
    """A fitted model on the 0-5 scale: linear map, then an increasing curve."""

    features: tuple[str, ...]
    weights: np.ndarray
    intercept: float
    knots: list[tuple[float, float]]


def fit_model(x: np.ndarray, y: np.ndarray, features: Sequence[str], curve: bool = True) -> Fitted:
    """Least squares for the linear map, then isotonic regression of the grades on its output."""
    weights, intercept = fit_linear(x, y)
    knots = isotonic_knots(x @ weights + intercept, y) if curve else []
    return Fitted(tuple(features), weights, intercept, knots)


def calibration_from(model: Fitted, base: Calibration, **extra: Any) -> Calibration:
    """A fitted model as the product's Calibration (0-10 scale); thresholds and product rules from `base`."""
    return Calibration(
        version=extra.pop("version", "fit"),
        fitted_on=extra.pop("fitted_on", ""),
        features=model.features,
        weights=tuple(round(float(w) * 2, 6) for w in model.weights),
        intercept=round(model.intercept * 2, 6),
        curve=_knots(model.knots),
        hit_threshold=base.hit_threshold,
        off_topic_floor=base.off_topic_floor,
        off_topic_margin=base.off_topic_margin,
        key_point_bound=base.key_point_bound,
        **extra,
    )


def _knots(knots: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """Knots on the 0-10 scale, rounded for the JSON file; a knot that rounding merges is dropped."""
    out: list[tuple[float, float]] = []
    for x, y in knots:
        point = (round(x * 2, 6), round(y * 2, 6))
        if not out or point[0] > out[-1][0]:
            out.append(point)
    return tuple(out)


@dataclass
class Table:
    """The graded rows: features as the product computed them, and what final_score needs."""

    rows: Sequence[Row]
    judgements: Sequence[Judgement]
    questions: Sequence[Question]
    features: tuple[str, ...]
    base: Calibration

    def __post_init__(self) -> None:
        self.valid = np.array([j.valid for j in self.judgements])
        self.x = np.array(
            [[j.features[f] for f in self.features] if j.valid else [0.0] * len(self.features) for j in self.judgements]
        ).reshape(len(self.judgements), len(self.features))
        self.y = np.array([r.grade for r in self.rows])
        self.groups = [r.group for r in self.rows]
        self.assignments = [r.assignment for r in self.rows]

    def predict(self, calibration: Calibration, which: np.ndarray) -> np.ndarray:
        """0-5 predictions of the rows in `which`, through the product's own final_score; gated rows 0."""
        out = np.zeros(int(which.sum()))
        for k, i in enumerate(np.flatnonzero(which).tolist()):
            j = self.judgements[i]
            if j.valid:
                answer = clean(self.rows[i].answer)
                out[k] = final_score(calibration, j.features, self.questions[i], answer)[0] / 2
        return out

    def fit(self, columns: Sequence[int], train: np.ndarray, curve: bool = True) -> Calibration:
        names = [self.features[c] for c in columns]
        keep = train & self.valid
        model = fit_model(self.x[keep][:, list(columns)], self.y[keep], names, curve)
        return calibration_from(model, self.base)

    def cross_validate(self, columns: Sequence[int], by: str = "question", curve: bool = True) -> np.ndarray:
        """Out-of-fold predictions (0-5): each group is predicted by a model fitted without it."""
        keys = np.asarray(self.groups if by == "question" else self.assignments)
        if len(set(keys.tolist())) < 2:
            return np.full(len(self.y), math.nan)  # one group: nothing to hold out
        predicted = np.zeros(len(self.y))
        for g in dict.fromkeys(keys.tolist()):
            test = keys == g
            predicted[test] = self.predict(self.fit(columns, ~test, curve), test)
        return predicted

    def figures(self, predicted: np.ndarray) -> dict[str, float]:
        m = metrics(predicted * 2, self.y, self.groups)
        return {k: m[k] for k in ("pearson", "spearman", "rmse", "per_question_r")}


def fit(
    rows: Sequence[Row],
    base: Calibration,
    features: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    source: str = "",
) -> tuple[Calibration, dict[str, Any]]:
    """Fit weights and output curve on all rows; report grouped-CV figures next to in-sample ones.

    Thresholds (key-point hit, off-topic floor and margin) and the key-point bound are taken from
    `base`: they are product decisions, checked here, not tuned to the file.
    """
    names = tuple(features or base.features)
    cached = CachedEmbedder(embedder or default_embedder())
    questions = questions_for(rows)
    judgements = grade(rows, EmbeddingJudge(cached, calibration=base), progress)
    computed = next((j.features for j in judgements if j.valid), {})
    unknown = [f for f in names if f not in computed]
    if unknown:
        raise InputError(f"Unknown feature(s) {', '.join(unknown)}: the judge computes {', '.join(computed)}.")
    table = Table(rows, judgements, questions, names, base)
    columns = list(range(len(names)))
    calibration = table.fit(columns, np.ones(len(rows), dtype=bool)).model_copy(
        update={
            "version": f"fit-{date.today().isoformat()}",
            "fitted_on": source,
            "notes": (
                "Linear weights over the features, then an increasing curve (knots: raw, score), both on the "
                "0-10 scale; fitted with `interview-sim eval --data FILE --fit OUT.json` (docs/ACCURACY.md)."
            ),
        }
    )
    by_question = table.figures(table.cross_validate(columns, "question"))
    by_assignment = table.figures(table.cross_validate(columns, "assignment"))
    # In-sample: the product itself, re-run with the fitted file (not the fitter's own arithmetic).
    again = grade(rows, EmbeddingJudge(cached, calibration=calibration))
    product = metrics([j.score for j in again], table.y, table.groups)
    in_sample = {k: float(product[k]) for k in ("pearson", "spearman", "rmse", "per_question_r")}
    report: dict[str, Any] = {
        "n": len(rows),
        "questions": len(set(table.groups)),
        "gated": int((~table.valid).sum()),
        "cv_question": by_question,
        "cv_assignment": by_assignment,
        "in_sample": in_sample,
        "table": table,
        "features": names,
    }
    figures = {"cv_question": by_question, "cv_assignment": by_assignment, "in_sample": in_sample}
    metrics_out = {
        f"{prefix}_{k}": round(v, 4) for prefix, f in figures.items() for k, v in f.items() if not math.isnan(v)
    }
    return calibration.model_copy(update={"metrics": metrics_out}), report


def ablations(table: Table, names: Sequence[str]) -> list[tuple[str, dict[str, float]]]:
    """Grouped-CV figures (by question): the model, without its curve, without each feature, each alone."""
    full = list(range(len(names)))
    out = [("as fitted", table.figures(table.cross_validate(full)))]
    out.append(("linear only (no curve)", table.figures(table.cross_validate(full, curve=False))))
    if len(names) > 1:
        for i, name in enumerate(names):
            rest = [c for c in full if c != i]
            out.append((f"without {name}", table.figures(table.cross_validate(rest))))
    for i, name in enumerate(names):
        out.append((f"{name} alone", table.figures(table.cross_validate([i]))))
    return out


def format_fit(report: dict[str, Any]) -> str:
    def row(label: str, f: dict[str, float]) -> str:
        return (
            f"{label:<34} r {f['pearson']:.3f}  rho {f['spearman']:.3f}  RMSE {f['rmse']:.3f}  "
            f"per-question r {f['per_question_r']:.3f}"
        )

    return "\n".join(
        [
            f"{report['n']} answers, {report['questions']} questions, {report['gated']} not graded by the gate",
            f"features: {', '.join(report['features'])}",
            row("grouped CV, leave one question out", report["cv_question"]),
            row("grouped CV, leave one assignment out", report["cv_assignment"]),
            row("in-sample (product, fitted file)", report["in_sample"]),
        ]
    )


def format_ablations(results: list[tuple[str, dict[str, float]]]) -> str:
    return "\n".join(
        f"{label:<34} r {f['pearson']:.3f}  RMSE {f['rmse']:.3f}  per-question r {f['per_question_r']:.3f}"
        for label, f in results
    )
