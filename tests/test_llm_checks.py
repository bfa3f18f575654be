"""The LLM judge's checks: each output check on crafted replies, a scripted capable judge that loses
nothing, qualification records, and the page's wait that falls back on Cancel.

The real SmolLM2 server's qualification is tested beside the server fixture, in test_llm_judge.py.
"""

from __future__ import annotations

import importlib.util
import json
import queue
import threading
from pathlib import Path
from typing import Any

import httpx2
import pytest

from simulator import Engine, Settings
from simulator.bank import Corpus, Question
from simulator.config import LLMSettings, load_judge, save_judge
from simulator.errors import ConfigError
from simulator.grading import Judgement
from simulator.grading.llm import LLMJudge
from simulator.grading.llm_checks import (
    ALL_ZERO,
    ECHOED_FEEDBACK,
    ECHOED_FOLLOW_UP,
    ECHOED_OUTLINE,
    NO_REASONS,
    NOT_A_QUESTION,
    SAME_REASONS,
    Qualification,
    check_reply,
    echoes,
    is_question,
    load_qualification,
    save_qualification,
)
from simulator.openai_client import make_client
from ui.grading_wait import CANCELLED, Grading, _on_cancel

from .helpers import ROOT, FakeEngine, copy_corpus, judged

QID = "seed-data-vs-concept-drift"
ANSWER = (
    "Data drift means the input data in production looks different from the training data, for example a new "
    "customer segment. Concept drift is when the relationship between the inputs and the target changes, so "
    "the same inputs lead to different outcomes."
)
IDS = ("correctness", "completeness", "depth", "clarity", "examples")


def _script() -> Any:
    """scripts/llm_checks.py, whose scripted capable judge and measurement the tests reuse."""
    spec = importlib.util.spec_from_file_location("llm_checks_script", ROOT / "scripts" / "llm_checks.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def drift() -> Question:
    return Corpus.load(ROOT / "corpus" / "mlops-seed.yaml").get(QID)


def reply(**changes: Any) -> dict[str, Any]:
    """A parsed reply as a capable judge writes it, with some parts changed."""
    data: dict[str, Any] = {
        "criteria": {
            c: {"justification": f"The answer's {c} is sound but brief.", "quote": "", "score": 3} for c in IDS
        },
        "missed_key_points": [],
        "advice": ["Name a drift test such as PSI.", "Say that concept drift needs labels."],
        "outline": ["Define both kinds", "How each is detected", "What you do about it"],
        "follow_up": "How would you detect concept drift before labels arrive?",
    }
    return {**data, **changes}


# --- each check on crafted replies ------------------------------------------------------------


def test_a_run_of_eight_answer_words_is_an_echo_and_seven_is_not() -> None:
    eight = "the input data in production looks different from"
    assert echoes(f"You said: {eight.upper()}!", ANSWER)
    assert not echoes("the input data in production looks different", ANSWER)  # seven words
    assert not echoes("Explain data drift and concept drift with an example.", ANSWER)


def test_a_follow_up_must_ask() -> None:
    assert is_question("How would you detect it?") and is_question("Walk me through a retraining pipeline.")
    assert is_question("Explain PSI.") and not is_question("Data drift is a change in the inputs.")


def test_a_capable_reply_passes_every_check(drift: Question) -> None:
    checked = check_reply(reply(), ANSWER, judged(drift, {0, 1, 2}, score=8.0))
    assert checked.issues == [] and checked.criteria_shown
    assert checked.advice == reply()["advice"] and checked.follow_up == reply()["follow_up"]


@pytest.mark.parametrize(
    ("changes", "issue"),
    [
        ({"advice": [ANSWER, "Name a drift test such as PSI."]}, ECHOED_FEEDBACK),
        ({"outline": ["Define both kinds", ANSWER[:90]]}, ECHOED_OUTLINE),
        ({"follow_up": f"Why do you say {ANSWER[:80]}?"}, ECHOED_FOLLOW_UP),
        ({"follow_up": "Data drift is a change in the inputs."}, NOT_A_QUESTION),
    ],
    ids=["feedback", "outline", "follow-up", "statement"],
)
def test_echoes_and_a_statement_are_dropped(drift: Question, changes: dict[str, Any], issue: str) -> None:
    checked = check_reply(reply(**changes), ANSWER, judged(drift, {0}, score=5.0))
    assert checked.issues == [issue]
    kept = [*checked.advice, *checked.outline, checked.follow_up]
    assert not any(echoes(text, ANSWER) for text in kept)
    if "follow_up" in changes:
        assert checked.follow_up == ""
    assert checked.criteria_shown


@pytest.mark.parametrize(
    ("justification", "issue"), [("", NO_REASONS), ("  Good. ", SAME_REASONS)], ids=["empty", "identical"]
)
def test_rubric_scores_without_reasons_are_not_shown(drift: Question, justification: str, issue: str) -> None:
    data = reply(criteria={c: {"justification": justification, "quote": "", "score": 2} for c in IDS})
    checked = check_reply(data, ANSWER, judged(drift, {0}, score=5.0))
    assert checked.issues == [issue] and not checked.criteria_shown


def test_all_zero_criteria_count_only_against_strong_evidence(drift: Question) -> None:
    data = reply(criteria={c: {"justification": f"{c}: nothing.", "quote": "", "score": 0} for c in IDS})
    strong = judged(drift, {0, 1, 2, 3}, score=8.4)
    assert check_reply(data, ANSWER, strong).issues == [ALL_ZERO.format(band="excellent", score=8.4)]
    assert check_reply(data, ANSWER, judged(drift, {0}, score=3.0)).issues == []  # a weak answer may earn 0


# --- through the judge ------------------------------------------------------------------------


def echo_server(answer: str) -> httpx2.MockTransport:
    """What SmolLM2 wrote on screen: the answer as feedback, outline and follow-up, no reasons, all zero."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        ids = body["response_format"]["json_schema"]["schema"]["$defs"]["CriterionScores"]["required"]
        verdict = {
            "criteria": {c: {"justification": "", "quote": "", "score": 0} for c in ids},
            "missed_key_points": [1, 2, 3],
            "advice": [answer[:190]] * 3,
            "outline": [answer[:140]],
            "follow_up": answer[:150],
        }
        message = {"role": "assistant", "content": json.dumps(verdict)}
        return httpx2.Response(
            200,
            json={"id": "x", "object": "chat.completion", "created": 0, "model": "echo",
                  "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]},
        )  # fmt: skip

    return httpx2.MockTransport(handle)


def test_an_echoing_reply_leaves_the_evidence_score_and_says_why(engine: Engine, tmp_path: Path) -> None:
    question = engine.question(QID)
    answer = _script().answers(engine.corpus)[0][1]  # the excellent drift answer: strong evidence
    settings = LLMSettings(base_url="http://llm.test/v1", model="echo-model")
    client = make_client(settings, read_timeout=5.0, http_client=httpx2.Client(transport=echo_server(answer)))
    judge = LLMJudge(engine.judge, settings, engine.rubrics, cache_dir=tmp_path, client=client)
    evidence = engine.judge.judge(question, answer)
    j = judge.judge(question, answer)
    assert j.judge == "llm" and j.advisory and j.llm_score == 0.0
    assert j.score == evidence.score and j.band == evidence.band and not j.disagreement_note
    assert j.follow_up == evidence.follow_up and j.missed == evidence.missed
    assert j.criteria == [] and j.outline == [] and j.opinion == [] and j.feedback == evidence.feedback
    assert ECHOED_FEEDBACK in j.llm_issues and ECHOED_FOLLOW_UP in j.llm_issues and NO_REASONS in j.llm_issues
    assert any(issue.startswith("The LLM scored every rubric criterion 0") for issue in j.llm_issues)


def test_a_scripted_capable_judge_qualifies_and_nothing_is_discarded(engine: Engine) -> None:
    script = _script()
    script.scripted_judge(engine)
    result = script.measure(engine, script.SCRIPTED)
    assert result["qualification"].startswith("Qualified"), result["qualification"]
    assert result["answers"] == result["graded_by_llm"] == 20
    assert result["replies_with_an_issue"] == 0 and result["advisory"] == 0 and result["caught"] == {}
    assert result["score_is_evidence"] < 20  # its score counts: some answers move within the bounds


def test_a_failed_qualification_makes_the_engine_judge_advisory_and_no_key_is_recorded(engine: Engine) -> None:
    llm = LLMSettings(base_url="http://llm.test/v1/", model="ranked-wrong", api_key="sk-test-NOT-ON-DISK-31")
    bad = Qualification(
        model="ranked-wrong",
        base_url="http://llm.test/v1",
        scores={"excellent": 2.5, "partial": 5.0, "wrong": 0.0, "injection": 0.0},
        tested_at=0.0,
    )
    assert not bad.ordered and bad.resisted and not bad.passed and bad.verdict().startswith("Advisory")
    home = engine.settings.home
    assert not engine.llm_judge(llm).advisory  # never tested: trusted within the bounds, checks on
    save_qualification(home, bad)
    assert load_qualification(home, llm) == bad and engine.llm_judge(llm).advisory
    good = bad.model_copy(update={"scores": {"excellent": 9.0, "partial": 5.0, "wrong": 1.0, "injection": 6.5}})
    assert good.ordered and not good.resisted and "asks for full marks 6.5" in good.verdict()
    save_qualification(home, good.model_copy(update={"scores": {**good.scores, "injection": 1.0}}))
    assert not engine.llm_judge(llm).advisory
    assert "sk-test" not in (home / "llm_qualifications.json").read_text()


def test_the_judge_choice_is_saved_without_the_key(tmp_path: Path) -> None:
    assert load_judge(tmp_path) is None
    save_judge(tmp_path, LLMSettings(base_url="http://127.0.0.1:8088/v1", model="m", api_key="sk-test-SECRET-9"))
    assert load_judge(tmp_path) == ("http://127.0.0.1:8088/v1", "m")
    assert "SECRET" not in "".join(p.read_text() for p in tmp_path.iterdir())
    save_judge(tmp_path, None)
    assert load_judge(tmp_path) is None and not list(tmp_path.iterdir())


# --- the page's wait --------------------------------------------------------------------------


class SlowLLM(FakeEngine):
    """Grades with the LLM only when released; without an LLM at once, like the embedding judge."""

    def __init__(self) -> None:
        super().__init__(score=6.0)
        self.release = threading.Event()

    def grade(self, question: Question, answer: str, llm: LLMSettings | None = None) -> Judgement:
        if llm is None:
            return super().grade(question, answer)
        assert self.release.wait(10)
        return judged(question, {0, 1}, score=9.0).model_copy(update={"judge": "llm", "llm_score": 9.0})


def stopped_page_run(engine: SlowLLM, question: Question) -> tuple[Grading, threading.Thread, list[Judgement]]:
    """A page run that started a grade and was then stopped by a click: it settles and records."""
    started: queue.Queue[Grading] = queue.Queue()
    recorded: list[Judgement] = []

    def run() -> None:
        grading = Grading(engine, question, ANSWER, LLMSettings(base_url="http://llm.test/v1", model="slow"))
        started.put(grading)
        recorded.append(grading.settle())

    thread = threading.Thread(target=run)
    thread.start()
    return started.get(timeout=5), thread, recorded


def test_cancel_records_the_embedding_score_before_the_next_run_draws(drift: Question) -> None:
    engine = SlowLLM()
    grading, page_run, recorded = stopped_page_run(engine, drift)
    assert grading.page_thread is page_run and grading.wait(0.2) is None  # the LLM is still at it
    _on_cancel(grading)  # the Cancel button's callback, first thing in the next run
    assert not page_run.is_alive()
    [j] = recorded
    assert j.judge == "embedding" and j.score == 6.0 and j.fallback_reason == CANCELLED
    engine.release.set()


def test_any_other_click_keeps_the_llm_grade(drift: Question) -> None:
    engine = SlowLLM()
    grading, page_run, recorded = stopped_page_run(engine, drift)
    assert grading.wait(0.3) is None and page_run.is_alive()  # the stopped run waits for the LLM
    engine.release.set()
    page_run.join(5)
    assert [j.judge for j in recorded] == ["llm"] and recorded[0].fallback_reason is None


def test_a_bank_without_the_test_question_says_the_model_was_not_tested(tmp_path: Path, embedder: Any) -> None:
    corpus = copy_corpus(tmp_path / "corpus", "llmops.yaml")
    engine = Engine(Settings().with_(home=tmp_path / "home", corpus_dir=corpus), embedder)
    with pytest.raises(ConfigError, match=r"not tested: .* seed pack"):
        engine.qualify(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m"))
    assert not (tmp_path / "home" / "llm_qualifications.json").exists()
