"""STAR feedback for behavioural answers: the reader on fixed answers, the labelled set and its
figures, the Judgement that carries the analysis, and the block on the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator.bank import Corpus, Question
from simulator.embeddings import MiniLMEmbedder
from simulator.evaluation.star import load
from simulator.grading import EmbeddingJudge, Judgement
from simulator.grading.star import StarReader, measure, pronouns
from simulator.text import split_sentences

from .helpers import ROOT, copy_corpus, invoke

STAR_DATA = ROOT / "tests" / "data" / "star"
INCIDENT = "behavioral-production-incident-owned"

SITUATION = "Last year I owned the feature pipeline for a fraud model at a payments company."
TASK = "When the model's alert rate doubled overnight, it was my job to find out why and fix it."
ACTIONS = [
    "I compared the feature distributions with the previous week and found a column full of nulls.",
    "I traced it to a vendor file whose format had changed, and I switched the job to read columns by name.",
    "Then I added a schema check that stops the pipeline before bad data reaches the model.",
]
RESULT = "As a result, false alerts fell by 40% within a day, and the check caught two more vendor changes that year."
COMPLETE = " ".join([SITUATION, TASK, *ACTIONS, RESULT])


@pytest.fixture(scope="module")
def reader(embedder: MiniLMEmbedder) -> StarReader:
    return StarReader(embedder)


@pytest.fixture(scope="module")
def bank() -> Corpus:
    return Corpus.load(ROOT / "corpus" / "behavioral.yaml")


def test_a_complete_answer_finds_all_four_parts_in_the_right_sentences(reader: StarReader) -> None:
    sentences = split_sentences(COMPLETE)
    star = reader.analyse(sentences)
    assert star.part("situation").sentence_indices == [0]
    assert star.part("task").sentence_indices == [1]
    assert star.part("action").sentence_indices == [2, 3, 4]
    assert star.part("result").evidence == [RESULT]
    assert star.measured and star.measure == "40%" and star.measure_evidence == RESULT
    assert (star.i_count, star.we_count) == (4, 0)
    assert not [f for f in star.feedback if "missing" in f or "'we'" in f]


def test_an_answer_without_a_result_says_the_result_is_missing(reader: StarReader) -> None:
    star = reader.analyse([SITUATION, TASK, *ACTIONS])
    assert not star.part("result").found and not star.measured
    assert any(f.startswith("Result: missing") for f in star.feedback)
    assert star.part("action").found and star.part("situation").found


def test_an_all_we_answer_is_flagged_with_its_counts(reader: StarReader) -> None:
    we = [
        "We compared the feature distributions with the previous week and we found a column full of nulls.",
        "We traced it to a vendor file and we switched the job to read columns by name.",
        "Then we added a schema check that stops the pipeline.",
    ]
    star = reader.analyse([SITUATION, TASK, *we, RESULT])
    assert star.part("action").sentence_indices == [2, 3, 4]
    # "I" in the situation sentence does not count: only the action sentences say who acted.
    assert (star.i_count, star.we_count) == (0, 5)
    assert "Actions say 'we' 5 times and 'I' not once: say what you did" in " ".join(star.feedback)
    # ... and an answer that says "I" for the same actions is not flagged.
    assert not [f for f in reader.analyse([SITUATION, TASK, *ACTIONS, RESULT]).feedback if "'we'" in f]


def test_a_number_makes_the_result_measured(reader: StarReader) -> None:
    vague = "In the end the false alerts went away and the fraud team was happy."
    star = reader.analyse([SITUATION, TASK, *ACTIONS, vague])
    assert star.part("result").evidence == [vague] and not star.measured
    assert f"Result: not measured — add a number: “{vague}”" in star.feedback[0]
    numbered = "In the end false alerts went from 900 a day to 150, and the fraud team was happy."
    star = reader.analyse([SITUATION, TASK, *ACTIONS, numbered])
    assert star.measured and star.measure == "from 900 a day to 150"
    assert not [f for f in star.feedback if "not measured" in f]


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("Latency went from 120 ms to 45 ms.", "from 120 ms to 45 ms"),
        ("Releases went from weekly to daily.", "from weekly to daily"),
        ("Retraining took two hours instead of two days.", "two hours instead of two days"),
        ("Pipeline failures dropped by 60 percent.", "60 percent"),
        ("It halved the bill.", "halved"),
        ("We moved from cron to Airflow.", None),  # a change, not a measure
        ("We kept the data in S3 and watched p99.", None),  # names, not numbers
        ("It went really well.", None),
    ],
)
def test_what_measures_a_result(sentence: str, found: str | None) -> None:
    assert measure(sentence) == found


def test_pronouns_count_i_and_we_with_contractions() -> None:
    assert pronouns("I wrote it, we shipped it, and I'd do it again; we've since moved on.") == (2, 2)
    assert pronouns("Iceberg tables were weird.") == (0, 0)


def test_headed_sentences_tell_their_part_and_those_after_them(reader: StarReader) -> None:
    sentences = [
        "Situation: our batch scoring job ran for six hours every night.",
        "Task: I had to make it finish before the morning reports.",
        "Action: I profiled it and found one slow join.",
        "I rewrote the join as a broadcast join.",
        "Result: the job now takes forty minutes.",
        "Reflection: profiling first saved me a week of guessing.",
    ]
    assert reader.labels(sentences) == ["situation", "task", "action", "action", "result", "other"]


# --- The labelled set -------------------------------------------------------------------------


def test_the_labelled_set_is_split_as_the_product_splits_answers(bank: Corpus) -> None:
    train, test = load(STAR_DATA / "train.yaml"), load(STAR_DATA / "test.yaml")
    answers = train + test
    assert len(answers) >= 40 and len(test) >= 15
    assert len({a.id for a in answers}) == len(answers)
    for a in answers:
        # The labels are per sentence as the judge splits the answer: evidence indices line up.
        assert split_sentences(a.text) == [s for _, s in a.sentences], a.id
        assert bank.get(a.question).kind == "behavioral", a.id
    qualities = {a.quality for a in test}
    assert {"complete", "no-result", "unmeasured", "all-we", "rambling", "short", "off-topic"} <= qualities


def test_the_figures_command_runs_on_the_set() -> None:
    code, out, err = invoke("star-eval", "--data", str(STAR_DATA), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {"train", "test", "all"}
    assert report["all"]["answers"] == report["train"]["answers"] + report["test"]["answers"] >= 40
    figures = report["all"]
    # Floors well under the figures in docs/ACCURACY.md: a broken reader falls through them.
    for part in ("situation", "action", "result"):
        assert figures["sentence"][part]["precision"] >= 0.6 and figures["sentence"][part]["recall"] >= 0.6, part
    assert figures["measured"]["precision"] >= 0.8 and figures["measured"]["recall"] >= 0.8
    assert figures["we_heavy"]["recall"] == 1.0
    code, out, _ = invoke("star-eval", "--data", str(STAR_DATA))
    assert code == 0 and "| result measured |" in out
    code, _, err = invoke("star-eval", "--data", str(STAR_DATA / "missing"))
    assert code == 1 and "not a folder of labelled answers" in err


# --- The judgement ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def judge(embedder: MiniLMEmbedder) -> EmbeddingJudge:
    return EmbeddingJudge(embedder)


def test_a_behavioural_judgement_carries_star_and_round_trips_as_json(judge: EmbeddingJudge, bank: Corpus) -> None:
    question = bank.get(INCIDENT)
    j = judge.judge(question, COMPLETE)
    assert j.valid and j.star is not None
    assert [j.sentences[i] for i in j.star.part("action").sentence_indices] == ACTIONS
    again = Judgement.model_validate_json(j.model_dump_json())
    assert again == j and again.star == j.star
    # A judgement stored before STAR existed (history keeps judgements as JSON) still loads.
    old = json.loads(j.model_dump_json())
    del old["star"]
    assert Judgement.model_validate(old).star is None


def test_star_leaves_the_score_alone_and_only_behavioural_questions_get_it(judge: EmbeddingJudge, bank: Corpus) -> None:
    question = bank.get(INCIDENT)
    as_other_kind = Question.model_validate({**question.model_dump(), "kind": "scenario"})
    with_star, without = judge.judge_many([question, as_other_kind], [COMPLETE, COMPLETE])
    assert with_star.star is not None and without.star is None
    assert with_star.score == without.score and with_star.features == without.features
    seed = Corpus.load(ROOT / "corpus" / "mlops-seed.yaml").questions[0]
    assert judge.judge(seed, COMPLETE).star is None


# --- The page -----------------------------------------------------------------------------------


def _judgement_page(judgement_json: str, question_json: str) -> None:
    from simulator.bank import Question
    from simulator.grading import Judgement
    from ui.judgement_view import show_judgement

    show_judgement(Judgement.model_validate_json(judgement_json), Question.model_validate_json(question_json), key="t")


def test_the_star_block_shows_under_the_judgement_escaped(judge: EmbeddingJudge, bank: Corpus) -> None:
    question = bank.get(INCIDENT)
    situation = "Last year I owned the **feature pipeline** :red[for] a fraud model <b>at</b> a payments company."
    we = [
        "We compared the feature distributions with the previous week and we found a column full of nulls.",
        "We traced it to a vendor file and we switched the job to read columns by name.",
        "Then we added a schema check that stops the pipeline before bad data reaches the model.",
    ]
    j = judge.judge(question, " ".join([situation, TASK, *we]))
    assert j.valid and j.star is not None and j.star.i_count == 0 and j.star.we_count >= 5
    we_said = j.star.we_count
    at = AppTest.from_function(_judgement_page, args=(j.model_dump_json(), question.model_dump_json()))
    at.run(timeout=60)
    assert not at.exception
    markdown = [m.value.replace("\\", "") for m in at.markdown]  # as a reader sees it
    assert any(m.startswith("**STAR structure**") for m in markdown)
    assert any("**Result**: missing" in m for m in markdown)
    assert any("Result: missing" in m for m in markdown)
    assert any(f"Actions say 'we' {we_said} times and 'I' not once" in m for m in markdown)
    captions = [c.value for c in at.caption]
    quoted = next(c for c in captions if "feature pipeline" in c)
    # The candidate's words are shown as typed: no bold, no colour directive, no HTML.
    assert "\\*\\*feature pipeline\\*\\*" in quoted and "\\:red\\[for\\]" in quoted and "\\<b\\>" in quoted
    assert any(f"In the action sentences: 'I' ×0, 'we' ×{we_said}." in c.replace("\\", "") for c in captions)
    actions = j.star.part("action").evidence
    assert len(actions) == 3 and any(f"“{actions[0]}” and 2 more sentences" in c.replace("\\", "") for c in captions)
    # Only the STAR block's own columns: a non-behavioural judgement shows none of it.
    plain = j.model_copy(update={"star": None})
    at = AppTest.from_function(_judgement_page, args=(plain.model_dump_json(), question.model_dump_json()))
    at.run(timeout=60)
    assert not [m for m in at.markdown if "STAR" in m.value]


def test_practice_shows_the_star_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole page: the practice page grades a behavioural answer and shows its STAR block."""
    monkeypatch.setenv("SIM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIM_CORPUS", str(copy_corpus(tmp_path / "corpus", "behavioral.yaml")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["q"] = INCIDENT
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    key = f"answer-{INCIDENT}-0"
    at.text_area(key=key).input(" ".join([SITUATION, TASK, *ACTIONS]))
    at.button(key=f"grade-{key}").click()
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    markdown = [m.value.replace("\\", "") for m in at.markdown]
    assert any(m.startswith("**STAR structure**") for m in markdown)
    assert any("**Result**: missing" in m for m in markdown) and any("Result: missing" in m for m in markdown)


def test_one_sentence_and_long_answers(reader: StarReader) -> None:
    one = reader.analyse(["I rewrote the feature job and it cut the run time by half."])
    assert sum(c.found for c in one.components) == 1
    named = {f.split(":")[0].lower() for f in one.feedback if ": missing" in f}
    assert named == {c.part for c in one.components if not c.found}
    long = [SITUATION, TASK, *ACTIONS * 10, RESULT]
    labels = reader.labels(long)
    assert len(labels) == len(long) and labels[-1] == "result" and labels.count("action") >= 28
