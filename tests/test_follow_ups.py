"""Follow-ups: which one is asked, and its answer graded on the key point it asks about."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from simulator import Engine
from simulator.grading.feedback import ASK, FOLLOW_UP_FITS, follow_up

from .helpers import ROOT

DRIFT = "seed-data-vs-concept-drift"
PARTIAL = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}[DRIFT][
    "partial"
]
DETECTION = "Data drift is detected without labels by comparing feature distributions with a reference"
MISSING = "data-quality-missing-values"
NULL_RATES = "Monitor null rates per feature and alert when a rate jumps"


def test_the_follow_up_asks_about_the_most_important_missed_point(engine: Engine) -> None:
    j = engine.grade(engine.question(DRIFT), PARTIAL)
    assert j.valid and DETECTION in j.missed
    assert j.follow_up_point == j.missed[0] == DETECTION
    assert j.follow_up == ASK.format(point=DETECTION)  # no authored follow-up of this question asks about it


def test_a_direct_answer_to_the_follow_up_earns_its_point_by_its_sentence(engine: Engine) -> None:
    question = engine.question(DRIFT)
    asked = engine.point_question(question, DETECTION)
    assert [k.text for k in asked.key_points] == [DETECTION] and asked.id == DRIFT
    assert "without labels" in asked.reference_answer  # the sentence of the model answer that makes the point
    answer = (
        "You can spot it without any labels at all. Compare each feature's distribution in production against "
        "a reference window from training, for example with PSI or a KS test."
    )
    j = engine.grade(asked, answer)
    [point] = j.key_points
    assert point.hit and point.evidence is not None and "reference window" in point.evidence
    assert j.score >= 6.0, j.feedback
    # Graded against the whole question, the same answer covers too little to show it earned anything.
    assert engine.grade(question, answer).score < j.score


@pytest.mark.parametrize(
    "answer",
    [
        "Data drift cannot be detected without labels; you must wait for the ground truth to arrive.",
        "Concept drift is a change in P(y|x), found by monitoring accuracy once labels arrive.",
    ],
)
def test_an_answer_that_says_the_opposite_or_something_else_does_not_earn_the_point(
    engine: Engine, answer: str
) -> None:
    j = engine.grade(engine.point_question(engine.question(DRIFT), DETECTION), answer)
    assert not any(k.hit for k in j.key_points)
    assert j.score < 4.0, (j.score, j.feedback, j.reason)


def test_an_authored_follow_up_about_the_missed_point_is_preferred(engine: Engine) -> None:
    question = engine.question(MISSING)
    assert NULL_RATES in [k.text for k in question.key_points]
    # The model answer without its sentences about null rates.
    answer = " ".join(s for s in question.reference_answer.split(". ") if "null" not in s.lower())
    j = engine.grade(question, answer)
    assert NULL_RATES in j.missed + j.missed_nice
    assert j.follow_up in question.follow_ups and "null rate" in j.follow_up
    assert j.follow_up_point == NULL_RATES


# --- the choice alone, on a made-up fit of follow-ups (rows) to key points (columns) -------------


def _fit(question_points: int, *cells: tuple[int, int]) -> np.ndarray:
    fit = np.full((2, question_points), FOLLOW_UP_FITS - 0.2)
    for i, j in cells:
        fit[i, j] = FOLLOW_UP_FITS + 0.1
    return fit


def test_with_nothing_missed_an_authored_follow_up_about_a_point_or_an_open_one(engine: Engine) -> None:
    question = engine.question(DRIFT)
    points = [k.text for k in question.key_points]
    assert follow_up(question, [], _fit(len(points), (1, 2))) == (question.follow_ups[1], points[2])
    # Near no point: asked as an open question, with no point to grade its answer on.
    assert follow_up(question, [], _fit(len(points))) == (question.follow_ups[0], None)
    # A missed point with no authored follow-up near it gets a generated one, even if another fits.
    assert follow_up(question, [points[0]], _fit(len(points), (1, 2))) == (ASK.format(point=points[0]), points[0])
    # ... and an authored one about a less important missed point beats a generated one.
    assert follow_up(question, [points[0], points[2]], _fit(len(points), (1, 2))) == (
        question.follow_ups[1],
        points[2],
    )
