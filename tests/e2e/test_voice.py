"""Say an answer through Chromium's fake microphone: the transcript fills the answer box, then it is graded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..helpers import MAX_WER, word_error_rate
from .helpers import CHROMIUM, CHROMIUM_ARGS, Server, answer_box, fake_microphone_wav, idle, record, score_of

pytestmark = pytest.mark.e2e

QUESTION = "seed-shadow-deployment"
SPOKEN = (
    "In a shadow deployment the new model receives a copy of live production traffic, but its predictions are "
    "only logged and never returned to users. We compare them with the live model before we promote it."
)
TAIL_S = 2.0  # silence after the answer: the fake microphone loops the file, and the loop restarts quietly


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    return fake_microphone_wav(SPOKEN, tmp_path_factory.mktemp("voice-e2e"), TAIL_S)


@pytest.fixture(scope="module")
def playwright(server: Server) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium (CI does this in .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


def _launch(pw: Any, extra: list[str]) -> Iterator[Any]:
    """A browser context with a fake microphone that needs no permission prompt."""
    chromium = pw.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", *extra],
    )
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, permissions=["microphone"])
    yield context
    context.close()
    chromium.close()


@pytest.fixture
def microphone(playwright: Any, spoken_wav: tuple[Path, float]) -> Iterator[Any]:
    """A browser whose microphone says the answer."""
    yield from _launch(playwright, [f"--use-file-for-fake-audio-capture={spoken_wav[0]}"])


def test_spoken_answer_is_transcribed_edited_and_graded(
    server: Server, microphone: Any, spoken_wav: tuple[Path, float]
) -> None:
    page: Any = microphone.new_page()
    page.goto(f"{server.url}/?q={QUESTION}")
    answer_box(page).wait_for(timeout=60_000)
    idle(page)

    record(page, spoken_wav[1] - TAIL_S + 1.0)
    page.get_by_text(re.compile(r"^Transcribed \d+ s of speech")).wait_for(timeout=120_000)
    idle(page)
    transcript = answer_box(page).input_value()
    assert word_error_rate(SPOKEN, transcript) <= MAX_WER, transcript

    # The transcript is editable before grading: fix a word as a person would.
    answer_box(page).fill(transcript + " Then we switch over.")
    page.get_by_role("button", name="Grade my answer").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Score").first.wait_for(timeout=60_000)
    idle(page)
    assert score_of(page) >= 4.0
    delivery = page.locator('[class*="st-key-delivery-"]').first
    text = delivery.inner_text()
    assert "spoken answer" in text and "Words per minute" in text and "Filler words" in text
    wpm = int(re.search(r"Words per minute\s+(\d+)", text).group(1))  # type: ignore[union-attr]
    assert 100 <= wpm <= 220
    assert "Switch over" not in text  # the metrics, not the answer, are shown here
    page.close()


@pytest.fixture
def beeping(playwright: Any) -> Iterator[Any]:
    """A browser whose fake microphone only beeps (Chromium's default fake audio)."""
    yield from _launch(playwright, [])


def test_a_recording_without_speech_is_not_graded(server: Server, beeping: Any) -> None:
    page: Any = beeping.new_page()
    page.goto(f"{server.url}/?q={QUESTION}")
    answer_box(page).wait_for(timeout=60_000)
    idle(page)
    answer_box(page).fill("My typed draft stays.")
    answer_box(page).press("Tab")  # the box reports its value when it loses focus
    idle(page)
    record(page, 3.0)
    warning = page.get_by_text(re.compile(r"No speech was found|The recording is silent|No words could be"))
    warning.wait_for(timeout=120_000)
    idle(page)
    assert answer_box(page).input_value() == "My typed draft stays."
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Score").count() == 0
    page.close()
