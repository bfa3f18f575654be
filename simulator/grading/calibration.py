"""The fitted mapping from evidence features to a 0-10 score, shipped as `calibration.json`."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class Calibration(BaseModel):
    """A linear model over named features, then a clamp to 0-10. Never tuned per question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    fitted_on: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    # Similarity of a key point to its best answer sentence at which the point counts as hit.
    hit_threshold: float
    # Gate: an answer whose similarity to its reference is below this is off-topic.
    off_topic_floor: float
    # Gate: off-topic also when another question's reference is nearer by this margin.
    off_topic_margin: float
    notes: str = ""

    def score(self, features: dict[str, float]) -> float:
        raw = self.intercept + sum(w * features[name] for name, w in zip(self.features, self.weights))
        return float(min(10.0, max(0.0, raw)))


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    return Calibration.model_validate(json.loads(path.read_text()))
