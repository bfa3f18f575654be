"""The mock interview page as a conversation (AppTest): the job plan's questions offered, a
follow-up after each answer that missed a must-have point, and the report showing both threads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from simulator.history import History
from simulator.sessions import MockInterview

from .apptest import APP, TIMEOUT, fresh_history, kept_media, run
from .helpers import MAX_WER, ROOT, copy_corpus, say, word_error_rate

DRIFT, SHADOW = "seed-data-vs-concept-drift", "seed-shadow-deployment"
LADDERS = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}


@pytest.fixture(scope="module")
def app_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("mock-page")
    return base / "home", copy_corpus(base / "corpus")


@pytest.fixture(autouse=True)
def app_env(sim_home: Path, app_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    yield fresh_history(*app_dirs, monkeypatch)


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    return kept_media(monkeypatch)


def downloaded(at: AppTest, media: list[MediaFileManager], label: str) -> str:
    [button] = [b.proto for b in at.get("download_button") if b.proto.label == label]
    url = media[-1].execute_deferred(button.deferred_file_id) if button.deferred_file_id else button.url
    return bytes(media[-1]._storage.get_file(url.rsplit("/", 1)[1]).content).decode()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "subheader") for e in at.get(kind)]
    return "\n".join(str(p).replace("\\", "") for p in parts)


def answer(at: AppTest, interview: MockInterview, stage: int, text: str) -> AppTest:
    suffix = f"-{stage}" if stage else ""
    at.text_area(key=f"mock-answer-{interview.id}-{interview.index}{suffix}").input(text)
    at.button(key=f"mock-submit-{interview.id}-{interview.index}{suffix}").click()
    return run(at)


def test_a_two_question_mock_with_a_follow_up_each_runs_to_a_report_of_both_threads(
    app_env: History, media: list[MediaFileManager]
) -> None:
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.session_state["plan_question_ids"] = [DRIFT, "no-such-question", SHADOW]  # as the job plan page leaves it
    run(at.switch_page("ui/mock_interview.py"))
    plan = at.checkbox(key="mock_use_plan")
    assert plan.value and plan.label == "From your job plan: 2 questions"
    assert at.number_input(key="mock_follow_ups").value == 1  # Settings' default
    at.button[0].click()  # Start the interview
    run(at)
    interview: MockInterview = at.session_state["_mock"]
    assert [s.question_id for s in interview.slots] == [DRIFT, SHADOW] and interview.follow_ups == 1

    for number, qid in enumerate((DRIFT, SHADOW), start=1):
        answer(at, interview, 0, LADDERS[qid]["partial"].strip())  # misses must-have points
        assert f"Question {number} of 2" in at.get("progress")[0].proto.text  # still this question
        asked = interview.current.asking if interview.current else None
        assert asked is not None and "Follow-up 1" in texts(at) and asked.prompt in texts(at)
        assert "Score" not in texts(at)  # still no feedback during the interview
        answer(at, interview, 1, f"Follow-up answer {number}: I would have to look that up.")

    assert "Mock interview report" in [t.value for t in at.title]
    shown = texts(at)
    assert shown.count("Follow-up 1:") == 2 and shown.count("Thread score:") == 2
    assert "Follow-up answer 1" in shown and "Follow-up answer 2" in shown
    modes = [(a.mode, a.parent_id is None) for a in app_env.attempts()]
    assert modes == [("mock", True), ("follow-up", False), ("mock", True), ("follow-up", False)]

    data = json.loads(downloaded(at, media, "Attempts (JSON)"))
    assert [len(a["follow_ups"]) for a in data["attempts"]] == [1, 1]
    assert data["attempts"][1]["follow_ups"][0]["answer"].startswith("Follow-up answer 2")
    assert downloaded(at, media, "Report (Markdown)").count("### Follow-up 1:") == 2
    assert downloaded(at, media, "Attempts (CSV)").count("Follow-up answer") == 2
    assert downloaded(at, media, "Report to share (HTML)").count("<h3>Follow-up 1</h3>") == 2


def test_follow_ups_set_in_settings_are_the_mock_setups_default() -> None:
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    run(at.switch_page("ui/settings.py"))
    at.number_input(key="settings_follow_ups").set_value(3)
    run(at)
    run(at.switch_page("ui/mock_interview.py"))
    assert at.number_input(key="mock_follow_ups").value == 3
    assert not any(c.key == "mock_use_plan" for c in at.checkbox)  # no job plan: nothing offered


SPOKEN = (
    "We compare the distribution of each live feature with a reference window from training, using the "
    "population stability index, and this needs no labels at all."
)


def test_a_follow_up_can_be_spoken_and_is_stored_with_its_delivery(app_env: History, tmp_path: Path) -> None:
    wav = say(SPOKEN, tmp_path / "follow-up.wav").read_bytes()
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.session_state["plan_question_ids"] = [DRIFT]
    run(at.switch_page("ui/mock_interview.py"))
    at.checkbox(key="mock_edit_spoken").check()  # the transcript waits in the box, to be edited
    at.button[0].click()
    run(at)
    interview: MockInterview = at.session_state["_mock"]
    answer(at, interview, 0, LADDERS[DRIFT]["partial"].strip())
    key = f"mock-answer-{interview.id}-0-1"
    at.audio_input(key=f"voice-{key}").set_value(("follow-up.wav", wav, "audio/wav"))
    run(at)
    said = at.text_area(key=key).value
    assert said and word_error_rate(SPOKEN, said) <= MAX_WER, said
    at.button(key=f"mock-submit-{interview.id}-0-1").click()
    run(at)
    assert "Mock interview report" in [t.value for t in at.title]
    main, follow = app_env.attempts()
    assert (follow.mode, follow.parent_id, follow.answer) == ("follow-up", main.id, said)
    assert follow.extra["delivery"]["spoken"] is True and main.extra["delivery"]["spoken"] is False
    assert "(spoken answer)" in texts(at)
