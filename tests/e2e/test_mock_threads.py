"""A conversational mock interview in Chromium: 2 questions with one follow-up each, typed, to the
report that shows both threads, and downloads that carry them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from simulator.bank import Corpus
from simulator.text import split_sentences

from .helpers import Browser, Server, idle

pytestmark = pytest.mark.e2e


def test_a_mock_interview_with_follow_ups_runs_to_a_report_of_both_threads(
    server: Server, browser: Browser, shots: Path
) -> None:
    page: Any = browser.context.new_page()  # type: ignore[attr-defined]
    bank = Corpus.load(server.corpus)
    by_prompt = {q.prompt: q for q in bank.questions}
    page.goto(f"{server.url}/mock-interview")
    page.get_by_role("button", name="Start the interview").wait_for(timeout=60_000)
    idle(page)
    number = page.get_by_label("Number of questions")
    number.fill("2")
    number.press("Tab")
    assert page.get_by_role("spinbutton", name="Follow-ups per question").input_value() == "1"  # Settings' default
    page.get_by_role("button", name="Start the interview").click()

    for n in (1, 2):
        page.get_by_text(f"Question {n} of 2").wait_for()
        idle(page)
        question = by_prompt[page.locator("h3").first.inner_text()]
        # The model answer's first sentence: on topic, but short of most must-have points.
        page.get_by_label("Your answer", exact=True).fill(split_sentences(question.reference_answer)[0])
        page.get_by_role("button", name="Submit answer").click()
        page.get_by_text("Follow-up 1", exact=True).wait_for(timeout=90_000)
        idle(page)
        assert page.get_by_text(f"Question {n} of 2").count() == 1  # still the same question
        assert page.locator('[data-testid="stMetric"]').count() == 0  # no feedback during the interview
        page.get_by_label("Your answer to the follow-up").fill(f"Follow-up answer {n}: {question.reference_answer}")
        page.get_by_role("button", name="Answer the follow-up").click()

    page.get_by_role("heading", name="Mock interview report").wait_for(timeout=90_000)
    idle(page)
    for n in (1, 2):
        page.get_by_role("tab", name=re.compile(f"^Q{n}")).click()
        panel = page.locator('[role="tabpanel"]:visible')
        panel.get_by_text(re.compile("^Follow-up 1: ")).wait_for()
        panel.get_by_text(f"Follow-up answer {n}:", exact=False).first.wait_for()
        panel.get_by_text(re.compile(r"^Thread score: \d+\.\d / 10")).wait_for()
    page.screenshot(path=str(shots / "mock-threads.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Attempts (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert [len(a["follow_ups"]) for a in data["attempts"]] == [1, 1]
    assert [a["follow_ups"][0]["answer"][:17] for a in data["attempts"]] == ["Follow-up answer ", "Follow-up answer "]
    with page.expect_download() as download:
        page.get_by_role("button", name="Report to share (HTML)").click()
    assert Path(download.value.path()).read_text().count("<h3>Follow-up 1</h3>") == 2
    page.close()
