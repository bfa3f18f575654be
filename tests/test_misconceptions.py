"""Misconceptions and negations: a wrong claim earns nothing for the point it contradicts and is corrected."""

from __future__ import annotations

import pytest

from simulator import AdhocQuestion, Engine
from simulator.bank import KeyPoint, Misconception
from simulator.grading.misconceptions import opposite_polarity
from simulator.grading.scoring import MISCONCEPTION_COST

DATA_DRIFT = "Data drift is a change in the input distribution P(x), such as new kinds of customers"
CONCEPT_DRIFT = "Concept drift is a change in the relationship P(y|x) between inputs and the target"
DRIFT = AdhocQuestion(
    prompt="What is the difference between data drift and concept drift?",
    reference_answer=f"{DATA_DRIFT}. {CONCEPT_DRIFT}.",
    key_points=(KeyPoint(text=DATA_DRIFT), KeyPoint(text=CONCEPT_DRIFT)),
    misconceptions=(
        Misconception(
            text="Data drift means the mapping from inputs to the label changes, so the same inputs get new outcomes",
            correction="That is concept drift; data drift is a change in the inputs' distribution P(x).",
            contradicts=DATA_DRIFT,
        ),
    ),
)
SWAPPED = "Data drift means the mapping from the inputs to the label shifts, so identical inputs now get new outcomes."
TRUE = "Data drift means the inputs' distribution P(x) moves, for example we start serving new kinds of customers."
NEAR_BUT_TRUE = (
    "Concept drift means the mapping from the inputs to the label shifts, so identical inputs get new outcomes."
)


def test_a_swapped_definition_is_caught_quoted_and_corrected(engine: Engine) -> None:
    j = engine.grade(DRIFT, SWAPPED)
    assert [m.evidence for m in j.misconceptions] == [SWAPPED]
    assert not next(k for k in j.key_points if k.text == DATA_DRIFT).hit
    assert any(note.startswith(f"You said “{SWAPPED}”; in fact: That is concept drift") for note in j.feedback)
    assert j.features["misconceptions"] == 1.0


def test_the_true_statement_and_its_near_neighbour_are_not_flagged(engine: Engine) -> None:
    for answer in (TRUE, NEAR_BUT_TRUE, f"{TRUE} {NEAR_BUT_TRUE}"):
        assert engine.grade(DRIFT, answer).misconceptions == [], answer
    both = engine.grade(DRIFT, f"{TRUE} {NEAR_BUT_TRUE}")
    assert next(k for k in both.key_points if k.text == DATA_DRIFT).hit


def test_a_misconception_costs_more_than_leaving_the_point_out(engine: Engine) -> None:
    wrong = engine.grade(DRIFT, f"{NEAR_BUT_TRUE} {SWAPPED}")
    silent = engine.grade(DRIFT, NEAR_BUT_TRUE)
    assert wrong.misconceptions and wrong.score <= silent.score - MISCONCEPTION_COST + 0.5


# Labelled pairs (written for this project): a key point, a sentence that states it, and one that
# negates it. The negation must never earn the point; the statement must.
POLARITY_PAIRS = [
    ("Terminal 1 is connected to the positive terminal", "terminal one is connected to the positive terminal",
     "terminal one is not connected to the positive terminal"),
    ("The shadow model's predictions are never returned to users", "users never get the shadow model's predictions",
     "users get the shadow model's predictions"),
    ("Batch inference does not need a low-latency endpoint", "batch scoring doesn't need a low-latency endpoint",
     "batch scoring needs a low-latency endpoint"),
    ("Data drift can be detected without labels", "you can detect data drift without labels",
     "you cannot detect data drift without labels"),
    ("The feature store serves the same values online and offline", "online and offline get the same feature values",
     "online and offline do not get the same feature values"),
    ("A canary exposes the new model to a small share of traffic", "a canary exposes the new model to a bit of traffic",
     "a canary never exposes the new model to traffic"),
]  # fmt: skip


@pytest.mark.parametrize(("point", "states", "negates"), POLARITY_PAIRS)
def test_a_negated_key_point_is_not_earned(engine: Engine, point: str, states: str, negates: str) -> None:
    question = AdhocQuestion(prompt="Explain.", reference_answer=f"{point}.", key_points=(KeyPoint(text=point),))
    assert opposite_polarity(question, [states, negates]).ravel().tolist() == [False, True]
    assert engine.grade(question, states).key_points[0].hit
    assert not engine.grade(question, negates).key_points[0].hit


def test_a_negation_elsewhere_in_the_sentence_does_not_flip_the_point() -> None:
    point = "The cache is content-addressable, so identical files are stored once"
    question = AdhocQuestion(prompt="Explain.", reference_answer=f"{point}.", key_points=(KeyPoint(text=point),))
    sentences = [
        "No surprise: the cache is content-addressable, so identical files are stored once.",
        "The cache is content-addressable, not only a folder, so identical files are stored once.",
    ]
    assert not opposite_polarity(question, sentences).any()
