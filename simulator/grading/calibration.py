"""The fitted mapping from evidence features to a 0-10 score, shipped as `calibration.json`."""

from __future__ import annotations

import json
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class Calibration(BaseModel):
    """A linear model over named features, then a monotone curve to 0-10. Never tuned per question.


    Fitted by `interview-sim eval --data FILE --fit OUT.json` (see docs/ACCURACY.md); applying it
    needs only numpy.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    fitted_on: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    # Knots (raw, score) of an increasing piecewise-linear curve from the linear output to 0-10;
    # flat beyond the first and last knot. Empty: the linear output is the score.
    curve: tuple[tuple[float, float], ...] = ()
    # Word match of a key point in one answer sentence (mean of its words' best token cosine) at
    # which the point counts as hit; chosen on labelled answers (`interview-sim eval-points`).
    hit_threshold: float
    # Gate: an answer whose similarity to its reference is below this is off-topic.
    off_topic_floor: float
    # Gate: off-topic also when another question's reference is nearer by this margin.
    off_topic_margin: float
    # Product rule, not fitted (the human-graded data has no authored key points): with authored key
    # points, an answer keeps this share of its score whatever its key-point coverage, and the rest
    # in proportion to coverage. 1.0: key points do not scale the score.
    key_point_bound: float = Field(default=1.0, ge=0.0, le=1.0)
    # How the fit did on the data it was fitted on (grouped cross-validation and in-sample).
    metrics: dict[str, float] = {}
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Calibration:
        if len(self.features) != len(self.weights):
            raise ValueError(f"{len(self.features)} features but {len(self.weights)} weights")
        pairs = list(pairwise(self.curve))
        if any(b[0] <= a[0] or b[1] < a[1] for a, b in pairs):
            raise ValueError("curve knots must have increasing raw values and non-decreasing scores")
        return self

    def raw(self, features: dict[str, float]) -> float:
        """The linear part: intercept + weights . features."""
        return self.intercept + sum(w * features[name] for name, w in zip(self.features, self.weights))

    def score(self, features: dict[str, float]) -> float:
        """The fitted score: the curve applied to the linear part, clamped to 0-10."""
        raw = self.raw(features)
        if self.curve:
            xs, ys = zip(*self.curve)
            raw = float(np.interp(raw, xs, ys))
        return float(min(10.0, max(0.0, raw)))


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    return Calibration.model_validate(json.loads(path.read_text()))
