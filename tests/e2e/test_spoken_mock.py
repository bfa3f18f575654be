"""A spoken mock interview in Chromium: the interviewer reads each question and follow-up aloud (the
packaged Piper voice), the candidate answers through a fake microphone, and stopping a recording
submits the transcript. Two questions with one follow-up each run to the report and its downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..helpers import copy_corpus
from .helpers import CHROMIUM, CHROMIUM_ARGS, Server, fake_microphone_wav, idle, record, streamlit_app

pytestmark = pytest.mark.e2e

# On topic for both questions chosen below, and short of their must-have points: each gets a follow-up.
SPOKEN = (
    "When accuracy drops I first check for data drift. Data drift is a change in the input distribution, "
    "while concept drift is a change in the relationship between the inputs and the target."
)
TAIL_S = 2.0
CATEGORIES = ("Monitoring, drift & observability", "Debugging scenarios")  # one seed question each


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An app of its own on the seed pack: the shared one's bank and settings are changed by other tests."""
    base = tmp_path_factory.mktemp("spoken-mock-app")
    with streamlit_app(base, copy_corpus(base / "corpus")) as app:
        yield app


@pytest.fixture(scope="module")
def microphone(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, float]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium (CI does this in .ci/run)")
    from playwright.sync_api import sync_playwright

    wav, seconds = fake_microphone_wav(SPOKEN, tmp_path_factory.mktemp("spoken-mock"), TAIL_S)
    fake = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, *fake, "--autoplay-policy=no-user-gesture-required"],
        )
        context = chromium.new_context(
            viewport={"width": 1360, "height": 900}, permissions=["microphone"], accept_downloads=True
        )
        yield context, seconds
        context.close()
        chromium.close()


def spoken_length(page: Any) -> float:
    """Seconds of the interviewer's audio on the page (its metadata loaded), 0 when there is none."""
    audio = page.locator("audio").first
    audio.wait_for(state="attached", timeout=120_000)
    return float(
        audio.evaluate(
            """el => new Promise(done => el.readyState >= 1 ? done(el.duration)
                 : el.addEventListener('loadedmetadata', () => done(el.duration), {once: true}))"""
        )
    )


def choose(page: Any, label: str, options: tuple[str, ...]) -> None:
    """Pick `options` in the multiselect `label`, each checked as a chip in the box before the next."""
    select = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_label(label))
    for option in options:
        page.get_by_label(label).click()
        page.get_by_role("option", name=option, exact=True).click()
        select.get_by_text(option, exact=True).wait_for(timeout=30_000)
    page.keyboard.press("Escape")
    idle(page)


def test_a_spoken_mock_interview_with_follow_ups(server: Server, microphone: tuple[Any, float]) -> None:
    context, seconds = microphone
    page = context.new_page()
    page.goto(f"{server.url}/mock-interview")
    page.get_by_role("button", name="Start the interview").wait_for(timeout=60_000)
    idle(page)
    page.get_by_text("Read questions aloud").click()
    idle(page)
    number = page.get_by_label("Number of questions")
    number.fill("2")
    number.press("Tab")
    choose(page, "Categories (any if empty)", CATEGORIES)
    page.get_by_role("button", name="Start the interview").click()
    started = page.get_by_text(re.compile("^Question 1 of 2|^No question matches")).first
    try:
        started.wait_for(timeout=120_000)
    except Exception as exc:  # say what the page shows instead
        raise AssertionError(f"the interview did not start; the page shows:\n{page.inner_text('body')[:2000]}") from exc
    assert page.get_by_text("No question matches").count() == 0, page.inner_text("main")[:1500]

    asked: list[float] = []
    for n in (1, 2):
        page.get_by_text(f"Question {n} of 2").wait_for(timeout=120_000)
        idle(page)
        page.get_by_text(re.compile("^Read aloud by Piper")).first.wait_for(timeout=60_000)
        asked.append(spoken_length(page))
        record(page, seconds - TAIL_S + 1.0)  # stopping submits: no button pressed
        page.get_by_text("Follow-up 1", exact=True).wait_for(timeout=120_000)
        idle(page)
        asked.append(spoken_length(page))
        record(page, seconds - TAIL_S + 1.0)
    assert all(s > 0.5 for s in asked), asked

    page.get_by_role("heading", name="Mock interview report").wait_for(timeout=120_000)
    idle(page)
    for n in (1, 2):
        page.get_by_role("tab", name=re.compile(f"^Q{n}")).click()
        panel = page.locator('[role="tabpanel"]:visible')
        panel.get_by_text(re.compile("^Follow-up 1: ")).wait_for()
        panel.get_by_text(re.compile(r"^Thread score: \d+\.\d / 10")).wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Attempts (JSON)").click()
    attempts = json.loads(Path(download.value.path()).read_text())["attempts"]
    assert [len(a["follow_ups"]) for a in attempts] == [1, 1]
    for a in attempts:
        assert "concept drift" in a["answer"].lower() and a["follow_ups"][0]["answer"]
        assert a["answer_mode"] == "spoken", a
    with page.expect_download() as download:
        page.get_by_role("button", name="Report to share (HTML)").click()
    assert Path(download.value.path()).read_text().count("<h3>Follow-up 1</h3>") == 2
    page.close()
