"""Key-point verdicts against labelled answers: the tally on known input, the file contract, and
the figures on the labelled set in tests/data/points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from simulator import Engine
from simulator.bank import Corpus
from simulator.errors import InputError
from simulator.evaluation.points import LabelledQuestion, measure, read_labelled, tally
from simulator.grading import Judgement, KeyPointResult

from .helpers import ROOT, invoke

POINTS = ROOT / "tests" / "data" / "points"
SEED_QID = "seed-shadow-deployment"
THREE = [{"kind": k, "states": [], "text": "x"} for k in ("full", "partial", "wrong")]


def _judgement(score: float, hits: dict[str, bool]) -> Judgement:
    results = [KeyPointResult(text=t, weight="must", hit=h, similarity=0.5) for t, h in hits.items()]
    return Judgement(valid=True, score=score, band="partial", key_points=results, model="m", grader_version="v")


def test_tally_on_known_verdicts() -> None:
    item = LabelledQuestion.model_validate(
        {
            "question_id": "q",
            "answers": [
                {"kind": "full", "states": ["a", "b"], "text": "..."},
                {"kind": "partial", "states": ["a"], "text": "..."},
                {"kind": "wrong", "states": [], "text": "..."},
            ],
        }
    )
    judgements = [
        _judgement(8.0, {"a": True, "b": False, "c": True}),  # 1 true hit, 1 missed, 1 false hit
        _judgement(5.0, {"a": True, "b": False, "c": False}),  # 1 true hit, 2 rejected
        _judgement(6.0, {"a": True, "b": False, "c": False}),  # 1 false hit, 2 rejected
    ]
    report = tally([item], judgements)
    assert report["recall"] == pytest.approx(2 / 3)
    assert report["precision"] == pytest.approx(2 / 4)
    assert report["false_hit_rate"] == pytest.approx(2 / 6)
    assert report["full_recall"] == pytest.approx(1 / 2)
    assert report["wrong_false_hit_rate"] == pytest.approx(1 / 3)
    assert report["in_order"] == 0.0 and report["full_over_wrong"] == 1.0  # wrong (6.0) outscored partial
    assert report["mean_score"] == {"full": 8.0, "partial": 5.0, "wrong": 6.0}


def test_every_label_names_a_key_point_of_a_bank_question() -> None:
    corpus = Corpus.load(ROOT / "corpus")
    items = read_labelled(POINTS, corpus)
    assert len(items) >= 60 and len({i.question_id for i in items}) == len(items)
    assert all(any(a.states for a in i.answers if a.kind == "full") for i in items)


def _write(path: Path, items: object) -> Path:
    path.write_text(yaml.safe_dump(items))
    return path


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"question_id": "nope", "answers": THREE}], "Unknown question id 'nope'"),
        (
            [{"question_id": SEED_QID, "answers": [{"kind": "full", "states": ["Made up"], "text": "x"}]}],
            "one answer of each kind",
        ),
        ([{"question_id": SEED_QID, "answers": [{"kind": "great", "states": [], "text": "x"}]}], "kind"),
        ({"question_id": SEED_QID}, "labelled.yaml"),
    ],
)
def test_bad_labels_are_one_line_errors(tmp_path: Path, items: object, message: str) -> None:
    corpus = Corpus.load(ROOT / "corpus")
    with pytest.raises(InputError, match=message):
        read_labelled(_write(tmp_path / "labelled.yaml", items), corpus)


def test_a_key_point_not_in_the_pack_is_named(tmp_path: Path) -> None:
    answers = [{**THREE[0], "states": ["Shadow is a kind of canary"]}, *THREE[1:]]
    with pytest.raises(InputError, match="'Shadow is a kind of canary' is not one of its key points"):
        read_labelled(
            _write(tmp_path / "l.yaml", [{"question_id": SEED_QID, "answers": answers}]), Corpus.load(ROOT / "corpus")
        )


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("- question_id: x\n  answers: [\n")
    with pytest.raises(InputError, match=r"broken\.yaml.*line"):
        read_labelled(bad, Corpus.load(ROOT / "corpus"))


def test_a_point_in_one_clause_of_a_long_sentence_is_hit_by_its_words(engine: Engine) -> None:
    answer = "Copy live requests to the new model, log its predictions but never return them to users."
    points = {r.text: r for r in engine.grade(engine.question(SEED_QID), answer).key_points}
    traffic = points["The new model receives a copy of live production traffic"]
    assert traffic.hit and traffic.evidence == answer


def test_labelled_answers_agree_with_the_judge(engine: Engine) -> None:
    report = measure(read_labelled(POINTS, engine.corpus), engine.corpus, engine.judge)
    # Measured (408 answers to 68 questions): recall 0.499, precision 0.873, false hits on wrong
    # answers 0.080, full > wrong on 0.926 of questions, full > partial > wrong on 0.559; mean
    # scores full 8.0, partial 5.1, wrong 3.3; misconceptions found 0.250 of those stated, full
    # answers flagged 0.037; off-topic answers not graded 0.985 (docs/ACCURACY.md).
    assert report["recall"] >= 0.47 and report["precision"] >= 0.85
    assert report["wrong_false_hit_rate"] <= 0.10
    assert report["full_over_wrong"] >= 0.90 and report["in_order"] >= 0.52
    means = report["mean_score"]
    assert means["wrong"] <= 3.5 and means["partial"] >= means["wrong"] + 1.5
    assert report["full_flagged"] <= 0.05 and report["misconception_recall"] >= 0.2
    assert report["off_topic_gated"] >= 0.95 and report["real_gated"] <= 2


def test_eval_points_cli(seed_only: Path, tmp_path: Path) -> None:
    good = (
        "The candidate model is fed a duplicate of the real requests users send. Whatever it predicts is "
        "written to a log, and none of it reaches a user."
    )
    items = [
        {
            "question_id": SEED_QID,
            "answers": [
                {"kind": "full", "states": ["The new model receives a copy of live production traffic"], "text": good},
                {"kind": "partial", "states": [], "text": "It is a safe way to try a model with real traffic."},
                {"kind": "wrong", "states": [], "text": "Shadow deployment means deploying at night to all users."},
            ],
        }
    ]
    code, out, err = invoke("eval-points", "--data", str(_write(tmp_path / "l.yaml", items)), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["questions"] == 1 and report["answers"] == 3
    assert 0.0 <= report["recall"] <= 1.0 and report["mean_score"]["full"] > report["mean_score"]["wrong"]
    code, _, err = invoke("eval-points", "--data", str(tmp_path / "absent"))
    assert code == 1 and "No labelled answers" in err
