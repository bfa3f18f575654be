"""The embedding judge: gate verdicts, evidence, and ladders that must rank in order."""

from __future__ import annotations

import pytest
import yaml

from simulator import AdhocQuestion, Engine, Question, adhoc_question
from simulator.grading import band_for
from simulator.grading.scoring import PARTIAL_MAX, WEAK_MAX

from .helpers import ROOT

LADDERS = yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())
QID = "seed-shadow-deployment"
CANARY = adhoc_question(
    "What is a canary release?",
    "A canary release sends a small share of live traffic to the new model version while the rest stays on the "
    "old one. Metrics for both are compared, and the share grows only while the canary stays healthy; otherwise "
    "traffic is rolled back.",
)


@pytest.fixture
def shadow(engine: Engine) -> Question:
    return engine.question(QID)


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("", "Empty"),
        ("   \n\t  ", "Empty"),
        ("I don't know.", "No answer given"),
        ("Not sure", "No answer given"),
        ("n/a", "No answer given"),
        ("asdkjh qwpoeiru zmxncbv lkjasdf poiuqwer mnbvcxz", "not recognisable"),
        ("shadow " * 40, "repeats"),
        ("x" * 1_000_001, "Too long"),
        ("\x00\x01\x02\x03 \x04\x05\x06", "binary data"),
        ("\ufffd\ufffd\x01\ufffdPNG\r\n\x1a\n", "binary data"),
    ],
)
def test_gate_refuses_non_answers(engine: Engine, shadow: Question, answer: str, reason: str) -> None:
    j = engine.grade(shadow, answer)
    assert not j.valid
    assert j.score == 0.0 and j.band == "invalid"
    assert reason in (j.reason or "")
    assert j.missed, "an ungraded answer misses every must-have point"


@pytest.mark.parametrize("answer", ["shadow", "yes", "OK", "ok sure"])
def test_one_word_and_bare_replies_to_an_explanation_question_are_not_graded(
    engine: Engine, shadow: Question, answer: str
) -> None:
    j = engine.grade(shadow, answer)
    assert not j.valid and j.score == 0.0 and "one-word reply" in (j.reason or "")


def test_a_one_word_answer_to_a_one_word_reference_is_graded(engine: Engine) -> None:
    question = adhoc_question("What is the stack operation corresponding to enqueue in queues?", "push")
    right, wrong = engine.grade(question, "push"), engine.grade(question, "pop")
    assert right.valid and wrong.valid and right.score > wrong.score and right.key_points[0].hit


@pytest.mark.parametrize("answer", ["logged predictions", "mirror production traffic"])
def test_short_answer_is_graded_but_weak_at_best(engine: Engine, shadow: Question, answer: str) -> None:
    j = engine.grade(shadow, answer)
    assert j.valid and j.band == "weak"
    assert j.ceiling is not None and 0.0 <= j.score <= j.ceiling <= WEAK_MAX
    assert any("Too short for this question" in note for note in j.feedback)


def test_short_words_off_the_reference_score_near_nothing(engine: Engine, shadow: Question) -> None:
    """A few words pass the text checks, and their ceiling falls with how little of them is on the reference."""
    on = engine.grade(shadow, "mirror production traffic")
    for answer in ("it depends", "hard to say"):
        j = engine.grade(CANARY, answer)
        assert j.valid and j.ceiling is not None and j.score <= 2.0, (answer, j.score)
        assert j.score < on.score


@pytest.mark.parametrize(
    "answer",
    [
        "I really have no clue about this one, sorry.",
        "This is a great question and I will answer it.",
        "Hello there, how are you? Good question.",
    ],
)
def test_sentences_that_say_nothing_are_no_answer(engine: Engine, shadow: Question, answer: str) -> None:
    for j in (engine.grade(shadow, answer), engine.grade(CANARY, answer)):
        assert not j.valid and j.score == 0.0 and "No answer given" in (j.reason or "")


def test_a_filler_sentence_neither_helps_nor_hurts(engine: Engine, shadow: Question) -> None:
    answer = LADDERS[1]["partial"]
    alone, padded = engine.grade(shadow, answer), engine.grade(shadow, f"Good question. {answer} I hope that helps.")
    assert padded.valid and padded.score == pytest.approx(alone.score, abs=0.3)


def test_a_short_reference_accepts_a_short_answer(engine: Engine) -> None:
    """A quiz reference of a few words is answered in full by a few words: no ceiling then."""
    quiz = adhoc_question("Where does a C++ program begin to execute?", "At the main function.")
    j = engine.grade(quiz, "the main function")
    assert j.valid and j.ceiling is None and j.score > WEAK_MAX
    # ... but one word is weak at best even there: similarity cannot tell "one" from "unlimited".
    one = engine.grade(quiz, "main")
    assert one.valid and one.ceiling is not None and one.score <= WEAK_MAX
    assert engine.grade(quiz, "In the main function, which the runtime calls first.").score > WEAK_MAX


def test_a_line_where_a_paragraph_is_needed_is_partial_at_most(engine: Engine) -> None:
    """Four words meet the minimum, but not a 170-word reference: "good" for them would flatter."""
    reference = engine.question("deployment-canary-vs-blue-green").reference_answer
    canary = adhoc_question("What is a canary release?", reference)
    brief = engine.grade(canary, "small share of traffic")
    assert brief.valid and brief.ceiling == PARTIAL_MAX and brief.band == "partial"
    assert any(note.startswith("Brief for this question (4 words") for note in brief.feedback)
    full = engine.grade(canary, " ".join(reference.split()[:40]) + ".")
    assert full.ceiling is None and full.score > PARTIAL_MAX


def test_off_topic_answer_is_gated(engine: Engine, shadow: Question) -> None:
    j = engine.grade(shadow, LADDERS[1]["off_topic"])
    assert not j.valid and "Off-topic" in (j.reason or "")
    assert j.score == 0.0


@pytest.mark.parametrize("ladder", LADDERS, ids=[ladder["question_id"] for ladder in LADDERS])
def test_ladder_ranks_in_order(engine: Engine, ladder: dict[str, str]) -> None:
    question = engine.question(ladder["question_id"])
    scores = {
        rung: engine.grade(question, ladder[rung]).score for rung in ("excellent", "partial", "wrong", "off_topic")
    }
    scores["empty"] = engine.grade(question, "").score
    assert scores["excellent"] > scores["partial"] > scores["wrong"] > scores["off_topic"] == scores["empty"] == 0
    assert scores["excellent"] >= 7.0, scores
    assert scores["wrong"] < 5.0, scores


def test_evidence_names_the_sentence_that_hit(engine: Engine, shadow: Question) -> None:
    answer = (
        "We deployed the new recommender in shadow mode last year. "
        "The new model got a copy of all live production traffic. "
        "Its predictions were logged for analysis and never returned to users."
    )
    j = engine.grade(shadow, answer)
    assert j.valid
    hits = {k.text: k for k in j.key_points if k.hit}
    traffic = next(k for t, k in hits.items() if "copy of live" in t)
    assert traffic.evidence == "The new model got a copy of all live production traffic."
    assert j.sentences[traffic.evidence_index or 0] == traffic.evidence
    assert all(k.evidence is None for k in j.key_points if not k.hit)
    assert j.missed and all(m in {k.text for k in j.key_points if not k.hit} for m in j.missed)
    assert j.follow_up
    assert j.judge == "embedding" and "MiniLM" in j.model and j.provenance == "embedding judge, offline"


def test_a_point_stated_inside_a_long_sentence_is_hit_by_that_sentence(engine: Engine, shadow: Question) -> None:
    sentence = (
        "In a shadow deployment the new model gets a copy of live production traffic but its predictions are only "
        "logged and never returned to users, so we can compare it with the live model without risk."
    )
    j = engine.grade(shadow, sentence)
    logged = next(k for k in j.key_points if "never returned to users" in k.text)
    # The sentence vector is far from this point (three points in one sentence); its words are not.
    assert logged.similarity < 0.55 <= 0.75 <= logged.word_match
    assert logged.hit and logged.evidence == sentence and logged.evidence_index == 0
    wrong = engine.grade(shadow, LADDERS[1]["wrong"])
    assert not any(k.hit for k in wrong.key_points if k.similarity < 0.55), "words alone never hit a wrong answer"


def test_must_points_outweigh_nice_points(engine: Engine, shadow: Question) -> None:
    must = [k.text for k in shadow.key_points if k.weight == "must"]
    nice = [k.text for k in shadow.key_points if k.weight == "nice"]
    # Same number of sentences, same style: one answer states the must-haves, the other the nice-to-haves.
    n = min(len(must), len(nice))
    j_must = engine.grade(shadow, ". ".join(must[:n]) + ".")
    j_nice = engine.grade(shadow, ". ".join(nice[:n]) + ".")
    assert j_must.features["kp_hit"] > j_nice.features["kp_hit"]


def test_reference_scores_high_and_case_does_not_matter(engine: Engine, shadow: Question) -> None:
    j = engine.grade(shadow, shadow.reference_answer)
    assert j.valid and j.score >= 8.0 and j.band == "excellent"
    assert all(k.hit for k in j.key_points if k.weight == "must")
    lower = engine.grade(shadow, "  " + shadow.reference_answer.lower().replace(" ", "  ") + "\n")
    assert abs(lower.score - j.score) <= 0.5


def test_adhoc_question_derives_key_points_from_reference(engine: Engine) -> None:
    reference = (
        "A canary release sends a small share of traffic to the new version first. "
        "Error rates and latency are compared with the stable version. "
        "If the canary is healthy, traffic is increased step by step."
    )
    q = adhoc_question("What is a canary release?", reference)
    assert [k.text for k in q.key_points] == [
        "A canary release sends a small share of traffic to the new version first",
        "Error rates and latency are compared with the stable version",
        "If the canary is healthy, traffic is increased step by step",
    ]
    assert isinstance(q, AdhocQuestion) and not q.in_bank and not q.authored_points
    good = engine.grade(
        q,
        "We route about five percent of requests to "
        "the new version, compare its error rate and latency with the stable one, and then "
        "ramp the traffic up gradually if it stays healthy.",
    )
    bad = engine.grade(q, "A canary is a small yellow bird that miners took underground to detect dangerous gas.")
    assert good.valid and good.score > bad.score
    assert good.question_id == "adhoc"


def test_adhoc_key_points_given_are_authored(engine: Engine) -> None:
    q = adhoc_question(CANARY.prompt, CANARY.reference_answer, ["A small share of live traffic goes to the new model"])
    assert [(k.text, k.weight) for k in q.key_points] == [
        ("A small share of live traffic goes to the new model", "must")
    ]
    assert q.authored_points and not q.in_bank
    j = engine.grade(q, "We send a small share of the live traffic to the new model and compare its metrics.")
    assert j.valid and [k.hit for k in j.key_points] == [True]


@pytest.mark.parametrize(
    "score, band", [(0.0, "weak"), (3.9, "weak"), (4.0, "partial"), (6.5, "good"), (8.0, "excellent")]
)
def test_bands(score: float, band: str) -> None:
    assert band_for(score) == band
    assert band_for(score, valid=False) == "invalid"
