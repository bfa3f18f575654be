"""The eval harness: metrics on known inputs, the CSV contract, batch = single grading, the fit,
and agreement with human graders on the real dev file (skipped where it is absent)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from simulator import Engine
from simulator.bank import Question, adhoc_question
from simulator.embeddings import MiniLMEmbedder
from simulator.errors import InputError
from simulator.evaluation.agreement import (
    Row,
    Skipped,
    baseline_cosine,
    evaluate,
    grade_rows,
    metrics,
    pearson,
    questions_for,
    read_rows,
    spearman,
)
from simulator.evaluation.labels import label_report
from simulator.grading import EmbeddingJudge, Judgement
from simulator.grading.calibration import Calibration, load_calibration
from simulator.grading.scoring import WEAK_MAX

from .helpers import ASAG, invoke

CANARY_Q = "What is a canary release?"
CANARY_REF = (
    "A canary release sends a small share of traffic to the new version first. "
    "Error rates and latency are compared with the stable version. "
    "If the canary is healthy, traffic is increased step by step."
)
REGISTRY_Q = "Why use a model registry?"
REGISTRY_REF = (
    "A model registry stores versioned models with their metadata, lineage and stage, "
    "so teams know which model is in production and can roll back to an earlier version."
)
# (question, reference, answer, human grade 0-5): made up here, a clear ladder per question.
TINY = [
    (
        CANARY_Q,
        CANARY_REF,
        "We send five percent of the traffic to the new version, compare its error rate and "
        "latency with the stable one, and ramp up step by step while it stays healthy.",
        5.0,
    ),
    (CANARY_Q, CANARY_REF, "Only some users get the new version at first.", 3.0),
    (CANARY_Q, CANARY_REF, "A canary release means renaming the release branch to canary before a deploy.", 1.0),
    (
        REGISTRY_Q,
        REGISTRY_REF,
        "It keeps every model version with its metadata and lineage and stage, so we know "
        "what runs in production and can roll back to an older version.",
        5.0,
    ),
    (REGISTRY_Q, REGISTRY_REF, "So that we can find old versions of models again.", 3.0),
    (REGISTRY_Q, REGISTRY_REF, "A registry is where Docker images are pushed before Kubernetes pulls them.", 1.0),
]


def write_csv(path: Path, rows: list[tuple[str, str, str, float]], ids: bool = True) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow((["question_id"] if ids else []) + ["question", "reference_answer", "student_answer", "score_avg"])
        for q, r, a, g in rows:
            w.writerow((["1.1" if q == CANARY_Q else "1.2"] if ids else []) + [q, r, a, g])
    return path


# Metrics on inputs whose answers are known by hand -----------------------------------------------


def test_pearson_spearman_rmse_on_known_input() -> None:
    assert pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)  # cov 8 / sqrt(10 * 10)
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))
    # Ties share their average rank: [10, 20, 20, 30] ranks as [1, 2.5, 2.5, 4], whose r with [1, 2, 3, 4] is sqrt(0.9).
    assert spearman([10, 20, 20, 30], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))
    assert spearman([1, 2, 3, 4], [1, 4, 9, 16]) == pytest.approx(1.0)  # monotone, not linear
    m = metrics([10, 8, 6, 4, 9, 1], [5, 4, 3, 1, 4, 2], ["a", "a", "a", "a", "b", "b"])
    # Predictions are score / 2 = [5, 4, 3, 2, 4.5, 0.5]: errors 0, 0, 0, 1, 0.5, -1.5.
    assert m["n"] == 6 and m["questions"] == 2
    assert m["rmse"] == pytest.approx(math.sqrt((1 + 0.25 + 2.25) / 6))
    assert m["per_question_r"] == pytest.approx((pearson([5, 4, 3, 2], [5, 4, 3, 1]) + 1.0) / 2)
    assert m["pearson"] == pytest.approx(float(np.corrcoef([5, 4, 3, 2, 4.5, 0.5], [5, 4, 3, 1, 4, 2])[0, 1]))


# The CSV contract --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("question,reference_answer,score_avg\nQ,R,3\n", "lacks the column(s) student_answer"),
        ("question,reference_answer,student_answer,score_avg\n", "no rows"),
        (
            "question,reference_answer,student_answer,score_avg\nWhat is X?,X is a thing.,X is a thing.,nine\n",
            "line 2: score_avg 'nine'",
        ),
        (
            "question,reference_answer,student_answer,score_avg\nWhat is X?,X is a thing.,X is a thing.,7\n",
            "not a number from 0 to 5",
        ),
    ],
)
def test_bad_csv_is_a_one_line_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(content)
    code, out, err = invoke("eval", "--data", str(path))
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_binary_or_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    png = tmp_path / "data.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    for path, message in ((png, "not"), (tmp_path / "none.csv", "does not exist")):
        code, out, err = invoke("eval", "--data", str(path))
        assert code != 0 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err + out


def test_question_id_is_optional(tmp_path: Path) -> None:
    rows = read_rows(write_csv(tmp_path / "d.csv", TINY, ids=False))
    assert len(rows) == 6 and {r.group for r in rows} == {CANARY_Q, REGISTRY_Q}


# Rows that cannot be graded are reported and skipped; the run carries on -------------------------

STACK_Q = "Which operation adds an item to the top of a stack?"


def test_one_word_reference_is_graded(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    path = write_csv(
        tmp_path / "quiz.csv", [(STACK_Q, "push", "push", 5.0), (STACK_Q, "push", "You call pop on it.", 0.0)]
    )
    code, out, err = invoke("eval", "--data", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["n"] == 2 and report["skipped"] == []
    engine = Engine(embedder=embedder)
    right, wrong = (engine.grade(adhoc_question(STACK_Q, "push"), a) for a in ("push", "You call pop on it."))
    assert right.valid and wrong.valid
    # Two answers: r is +1 or -1, as the product orders them (one word is held weak: 3.9 at most).
    assert report["pearson"] == pytest.approx(1.0 if right.score > wrong.score else -1.0)


def test_bad_rows_are_reported_with_their_line_and_the_rest_graded(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tiny.csv", TINY)  # lines 2-7
    with path.open("a", newline="") as f:
        w = csv.writer(f)
        w.writerow(["1.3", "What is a feature store?", "", "It stores features.", 4])  # line 8: no reference
        w.writerow(["1.1", CANARY_Q, CANARY_REF, "A canary\nspans two lines.", "nine"])  # lines 9-10
        w.writerow(["1.1", CANARY_Q, CANARY_REF, "Canary means a small share of traffic first.", 7])  # line 11
    code, out, err = invoke("eval", "--data", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["n"] == 6
    assert [s["line"] for s in report["skipped"]] == [8, 9, 11]
    reasons = [s["reason"] for s in report["skipped"]]
    assert "reference" in reasons[0] and "'nine' is not a number from 0 to 5" in reasons[1] and "'7'" in reasons[2]
    code, out, _ = invoke("eval", "--data", str(path))
    assert code == 0 and "skipped            3 row(s)" in out and "  line 8: The reference cannot be used" in out


class BreaksOn(EmbeddingJudge):
    """A judge that fails on one answer, as a grader bug would."""

    def judge_many(self, questions: Sequence[Question], answers: Sequence[str]) -> list[Judgement]:
        if "BOOM" in answers:
            raise RuntimeError("boom")
        return super().judge_many(questions, answers)


def test_a_row_the_grader_fails_on_is_skipped_and_the_rest_graded(embedder: MiniLMEmbedder) -> None:
    rows = [Row(q, r, a, g, q, line) for line, (q, r, a, g) in enumerate(TINY, start=2)]
    rows.insert(2, Row(CANARY_Q, CANARY_REF, "BOOM", 0.0, CANARY_Q, 99))
    graded = grade_rows(rows, BreaksOn(embedder))
    assert graded.skipped == [Skipped(99, "the grader failed (RuntimeError: boom)")]
    assert [r.line for r in graded.rows] == [2, 3, 4, 5, 6, 7] and len(graded.judgements) == 6
    # questions_for, which the fit uses, still refuses a row it cannot build, naming its line.
    with pytest.raises(InputError, match="line 5: The reference cannot be used"):
        questions_for([*rows[:2], Row(STACK_Q, "", "push", 5.0, STACK_Q, 5)])


# The harness grades as the product does ----------------------------------------------------------


def test_eval_json_matches_the_product_row_by_row(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    path = write_csv(tmp_path / "tiny.csv", TINY)
    code, out, _ = invoke("eval", "--data", str(path), "--json")
    assert code == 0
    report = json.loads(out)
    figures = {"n", "questions", "pearson", "spearman", "rmse", "per_question_r", "baseline_cosine_pearson"}
    assert set(report) == figures | {"skipped"}
    assert report["n"] == 6 and report["questions"] == 2 and report["skipped"] == []

    # The same figures from the product's own ad-hoc grading, one answer at a time.
    engine = Engine(embedder=embedder)
    scores = np.array([engine.grade(adhoc_question(q, r), a).score for q, r, a, _ in TINY])
    gold = np.array([g for *_, g in TINY])
    assert report["pearson"] == pytest.approx(float(np.corrcoef(scores / 2, gold)[0, 1]), abs=1e-6)
    assert report["rmse"] == pytest.approx(float(np.sqrt(np.mean((scores / 2 - gold) ** 2))), abs=1e-6)
    within = [float(np.corrcoef(scores[i : i + 3] / 2, gold[i : i + 3])[0, 1]) for i in (0, 3)]
    assert report["per_question_r"] == pytest.approx(np.mean(within), abs=1e-6)
    # A clear ladder: the grader agrees with it, and so (less well) does raw cosine.
    assert report["pearson"] > 0.8 and report["spearman"] > 0.8
    vectors = embedder.embed_batch([a for _, _, a, _ in TINY] + [CANARY_REF, REGISTRY_REF])
    cosine = [float(vectors[i] @ vectors[6 + (i >= 3)]) for i in range(6)]
    assert report["baseline_cosine_pearson"] == pytest.approx(pearson(cosine, gold), abs=1e-5)


def test_batch_grading_equals_one_at_a_time(embedder: MiniLMEmbedder) -> None:
    questions = [adhoc_question(q, r) for q, r, _, _ in TINY] + [adhoc_question(CANARY_Q, CANARY_REF)] * 2
    answers = [a for *_, a, _ in TINY] + ["", "canary"]
    many = EmbeddingJudge(embedder).judge_many(questions, answers)
    for q, a, batched in zip(questions, answers, many):
        alone = EmbeddingJudge(embedder).judge(q, a)
        assert (batched.valid, batched.reason) == (alone.valid, alone.reason)
        assert batched.score == pytest.approx(alone.score, abs=0.1)
        for k, v in alone.features.items():
            assert batched.features[k] == pytest.approx(v, abs=1e-3)


def test_short_reference_and_non_answers_on_an_adhoc_question(embedder: MiniLMEmbedder) -> None:
    engine = Engine(embedder=embedder)
    quiz = adhoc_question("How are arrays passed to functions in C++?", "By reference.")
    canary = adhoc_question(CANARY_Q, CANARY_REF)
    right = engine.grade(quiz, "They are passed by reference, as a pointer to the first element.")
    assert right.valid and right.score >= 7
    # Against a two-word reference two words can be the whole answer; one word stays weak.
    assert engine.grade(quiz, "by reference").ceiling is None
    assert engine.grade(quiz, "reference").score <= WEAK_MAX
    one_word = engine.grade(canary, "canary")  # a question that needs an explanation: not graded
    assert not one_word.valid and "one-word reply" in (one_word.reason or "")
    assert not engine.grade(quiz, "not answered").valid
    for off_topic in (
        "The weather was lovely and we went to the beach for a picnic with friends.",
        "Kubernetes schedules containers onto nodes and restarts pods that crash.",
    ):
        assert engine.grade(canary, off_topic).score <= WEAK_MAX
    assert engine.grade(canary, "asdkjh qwpoeiru zmxncbv lkjasdf").score == 0


def test_fit_writes_a_calibration_the_product_loads(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    data = write_csv(tmp_path / "tiny.csv", TINY * 2)
    out = tmp_path / "calibration.json"
    code, stdout, err = invoke("eval", "--data", str(data), "--fit", str(out), "--ablations")
    assert code == 0, err
    assert "grouped CV, leave one question out" in stdout and "in-sample" in stdout and "alone" in stdout
    fitted = Calibration.model_validate(json.loads(out.read_text()))
    shipped = load_calibration()
    assert fitted.features == shipped.features and fitted.hit_threshold == shipped.hit_threshold
    assert all(b[0] > a[0] and b[1] >= a[1] for a, b in zip(fitted.curve, fitted.curve[1:]))
    assert {"cv_question_pearson", "in_sample_rmse"} <= set(fitted.metrics)


# Agreement with human graders on the real dev file -----------------------------------------------


@pytest.mark.skipif(
    not ASAG.exists(), reason=f"{ASAG} is absent: the human-graded dev file is not shipped with the repo"
)
def test_dev_file_beats_raw_cosine(embedder: MiniLMEmbedder) -> None:
    # Assignments 1-3 (630 answers, 21 questions) keep this under a minute; the whole file is
    # measured by `interview-sim eval` (docs/ACCURACY.md).
    rows = [r for r in read_rows(ASAG) if r.assignment in {"1", "2", "3"}]
    assert len(rows) > 500
    report = evaluate(rows, embedder)
    assert report["pearson"] > report["baseline_cosine_pearson"] + 0.05, report
    assert report["spearman"] > 0.55 and report["rmse"] < 1.0, report
    assert report["per_question_r"] > 0.5, report


def test_baseline_is_cosine_of_raw_texts(embedder: MiniLMEmbedder) -> None:
    rows = [Row(q, r, a, g, q) for q, r, a, g in TINY[:2]]
    got = baseline_cosine(rows, embedder)
    v = embedder.embed_batch([TINY[0][2], TINY[1][2], CANARY_REF])
    assert got == pytest.approx([float(v[0] @ v[2]), float(v[1] @ v[2])], abs=1e-5)


# Labelled files (correct / partial / contradictory / irrelevant / non-domain) ---------------------

CIRCUIT_Q = "Why does the bulb light when the switch is closed?"
CIRCUIT_REF = "Closing the switch completes the circuit, so current flows through the bulb."
# (answer, label): made up here.
LABELLED = [
    (CIRCUIT_REF, "correct"),
    ("The switch closes a gap, so current can flow around the circuit and through the bulb.", "correct"),
    ("Current flows.", "partially_correct_incomplete"),
    ("The battery is made of plastic and the bulb is painted yellow.", "contradictory"),
    ("asdkjh qwpoeiru zmxncbv lkjasdf", "irrelevant"),
    ("I don't know", "non_domain"),
    ("Current flows through the bulb.", "a_new_label"),
]


def test_label_report_figures_by_hand() -> None:
    rows = [
        Row("Q?", "R.", f"a{i}", math.nan, "q1", i + 2, label)
        for i, label in enumerate(
            [
                "correct",
                "correct",
                "contradictory",
                "contradictory",
                "partially_correct_incomplete",
                "irrelevant",
                "non_domain",
            ]
        )
    ]
    scores, valid = [8.0, 6.0, 2.0, 4.0, 5.0, 0.0, 0.0], [True, True, True, False, True, False, True]
    judgements = [
        Judgement(valid=v, score=s, band="weak", model="test", grader_version="test") for s, v in zip(scores, valid)
    ]
    report = label_report(rows, judgements, cosine=[0.9, 0.5, 0.7, 0.3, 0.6, 0.1, 0.2])
    # Scores 8, 6 (coded 1) and 2, 4 (coded 0): deviations 3, 1, -3, -1 and +-0.5, so r = 4 / sqrt(20).
    assert report["separation"]["correct_vs_contradictory"]["pearson"] == pytest.approx(4 / math.sqrt(20))
    assert report["separation"]["correct_vs_contradictory"]["n"] == 4
    # Cosine 0.9, 0.5 against 0.7, 0.3: deviations 0.3, -0.1, 0.1, -0.3, so r = 0.2 / sqrt(0.2 * 1).
    assert report["separation"]["correct_vs_contradictory"]["baseline_cosine_pearson"] == pytest.approx(
        0.2 / math.sqrt(0.2)
    )
    # Partial 5 (coded 1) against contradictory 2, 4: deviations 4/3, -5/3, 1/3 and 2/3, -1/3, -1/3.
    assert report["separation"]["partial_vs_contradictory"]["pearson"] == pytest.approx(12 / math.sqrt(252))
    assert report["labels"]["correct"]["mean_score"] == 7.0 and report["labels"]["contradictory"]["mean_score"] == 3.0
    assert report["gate"] == {"stopped_not_answers": 1, "not_answers": 2, "stopped_answers": 1, "answers": 5}
    assert report["labels"]["contradictory"]["stopped"] == 1 and report["labels"]["non_domain"]["stopped"] == 0


def test_labelled_file_is_graded_as_the_product_grades(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["question_id", "question", "reference_answer", "student_answer", "label"])
        w.writerows(["BULB", CIRCUIT_Q, CIRCUIT_REF, a, label] for a, label in LABELLED)
    code, out, err = invoke("eval", "--data", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["n"] == 6 and report["questions"] == 1
    assert report["skipped"] == [{"line": 8, "reason": report["skipped"][0]["reason"]}]
    assert "'a_new_label' is not one of" in report["skipped"][0]["reason"]

    engine = Engine(embedder=embedder)
    question = adhoc_question(CIRCUIT_Q, CIRCUIT_REF)
    product = {a: engine.grade(question, a) for a, _ in LABELLED[:6]}
    # One correct answer equals the reference; the contradictory one is off it: ordered as expected.
    assert product[CIRCUIT_REF].score > product[LABELLED[3][0]].score
    correct = [product[a].score for a, label in LABELLED[:6] if label == "correct"]
    assert report["labels"]["correct"]["mean_score"] == pytest.approx(np.mean(correct), abs=1e-6)
    # One contradictory answer below both correct ones: coded 1/0, r is the hand formula's.
    c = product[LABELLED[3][0]].score
    assert report["separation"]["correct_vs_contradictory"]["pearson"] == pytest.approx(
        pearson([*correct, c], [1, 1, 0]), abs=1e-6
    )
    assert report["separation"]["correct_vs_contradictory"]["pearson"] > 0.5
    # The gate stops the gibberish and the non-answer, and none of the real answers.
    assert not product["asdkjh qwpoeiru zmxncbv lkjasdf"].valid and not product["I don't know"].valid
    assert report["gate"] == {"stopped_not_answers": 2, "not_answers": 2, "stopped_answers": 0, "answers": 4}
    assert report["labels"]["partially_correct_incomplete"]["n"] == 1
    code, out, _ = invoke("eval", "--data", str(path))
    assert code == 0 and "correct vs contradictory" in out and "stops 2 of 2" in out and "line 8: label" in out


def test_labelled_file_cannot_be_fitted(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(
        f"question,reference_answer,student_answer,label\n{CIRCUIT_Q},{CIRCUIT_REF},Current flows.,correct\n"
    )
    code, _, err = invoke("eval", "--data", str(path), "--fit", str(tmp_path / "c.json"))
    assert code != 0 and "--fit needs a score_avg column" in err and "Traceback" not in err
