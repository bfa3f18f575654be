"""Drive the app in Chromium: practice, a mock interview to its report, progress; nothing leaves 127.0.0.1."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.bank import Corpus

from ..helpers import ROOT
from .helpers import Browser, Server, answer_box, idle, score_of

pytestmark = pytest.mark.e2e

QUESTION = "seed-data-vs-concept-drift"
LADDERS = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}
# Markup that must stay text: an image and a link to an address no test machine serves.
INJECTION = " <img src=http://203.0.113.9/x.png> ![x](http://203.0.113.9/y.png) [here](http://203.0.113.9/z)"


def test_practice_mock_interview_and_progress(server: Server, browser: Browser, shots: Path) -> None:
    page: Any = browser.context.new_page()  # type: ignore[attr-defined]
    bank = Corpus.load(server.corpus)
    by_prompt = {q.prompt: q for q in bank.questions}
    timings = server.timings

    # --- Practice: a weak answer, then "Try again" with a strong one --------------------------
    started = time.perf_counter()
    page.goto(f"{server.url}/?q={QUESTION}")
    page.get_by_role("heading", name=bank.get(QUESTION).prompt).wait_for(timeout=60_000)
    timings["first_question_s"] = time.perf_counter() - server.spawned_at
    timings["first_question_after_load_s"] = time.perf_counter() - started
    answer_box(page).wait_for()
    idle(page)  # the page waits for the grader at its end: this is when grading is ready
    timings["grader_ready_s"] = time.perf_counter() - server.spawned_at

    weak = LADDERS[QUESTION]["partial"].strip() + INJECTION
    answer_box(page).fill(weak)
    words = len(re.findall(r"[^\W_]+(?:['’\-.][^\W_]+)*", weak))
    page.get_by_text(re.compile(rf"^{words} words · about")).wait_for()  # live, before any rerun
    page.get_by_role("button", name="Grade my answer").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Score").first.wait_for()
    idle(page)
    weak_score = score_of(page)
    evidence = page.locator('[class*="st-key-evidence-"]').last
    assert "203.0.113.9" in evidence.inner_text()  # the markup is shown, as text
    assert page.locator("main img").count() == 0
    assert page.locator('main a[href*="203.0.113.9"]').count() == 0

    page.get_by_role("button", name="Try again").click()
    answer_box(page).wait_for()
    idle(page)
    assert answer_box(page).input_value().startswith(LADDERS[QUESTION]["partial"].strip()[:40])
    assert page.get_by_text("Attempt 1:").count() == 1  # the earlier attempt beside the new box
    strong = LADDERS[QUESTION]["excellent"].strip()
    answer_box(page).fill(strong)
    page.get_by_role("button", name="Grade my answer").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Attempt 2").wait_for()
    idle(page)
    strong_score = score_of(page)
    assert strong_score > weak_score, (strong_score, weak_score)
    evidence = page.locator('[class*="st-key-evidence-"]').last
    highlighted = evidence.locator("span", has_text="covariate shift")
    assert highlighted.count() >= 1, evidence.inner_html()[:500]
    covered = page.get_by_text(re.compile(r"^Key points covered \((\d+) of (\d+)\)"))
    n_covered = int(re.search(r"\((\d+) of", covered.inner_text()).group(1))  # type: ignore[union-attr]
    assert n_covered >= 3
    page.screenshot(path=str(shots / "practice.png"), full_page=True)

    # --- Mock interview: 2 questions, 30 s each; the second is submitted by the countdown -----
    page.get_by_role("link", name="Mock interview").click()
    page.get_by_role("button", name="Start the interview").wait_for()
    idle(page)
    number = page.get_by_label("Number of questions")
    number.fill("2")
    number.press("Tab")
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # the shortest time: 30 s
    page.get_by_text("30 s", exact=True).first.wait_for()
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of 2").wait_for()
    idle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0  # no feedback during the interview
    prompt1 = page.locator("h3").first.inner_text()
    answer_box(page).fill(by_prompt[prompt1].reference_answer)
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_text("Question 2 of 2").wait_for()
    idle(page)
    prompt2 = page.locator("h3").first.inner_text()
    countdown = page.get_by_text(re.compile(r"^Time left 0:\d\d$"))  # plain text: no emoji glyph
    countdown.wait_for()
    # Typed but never committed (no blur, no Ctrl+Enter): the countdown must send it as it stands.
    answer_box(page).fill(by_prompt[prompt2].reference_answer)
    page.get_by_role("heading", name="Mock interview report").wait_for(timeout=60_000)
    idle(page)
    page.locator('[data-testid="stMetric"]').filter(has_text="Overall").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    for label in ("Report (Markdown)", "Attempts (JSON)", "Attempts (CSV)"):
        page.get_by_role("button", name=label).wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_role("tab", name=re.compile("^Q2")).click()
    page.get_by_text("Time ran out: this answer was submitted as it stood.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Report (Markdown)").click()
    report_md = Path(download.value.path()).read_text()
    assert "time ran out" in report_md and by_prompt[prompt2].reference_answer.split()[0] in report_md
    page.screenshot(path=str(shots / "mock-interview.png"), full_page=True)

    # --- Progress, in a second tab while the first stays open -----------------------------
    second = browser.context.new_page()  # type: ignore[attr-defined]
    second.goto(f"{server.url}/progress")
    second.get_by_role("heading", name="Progress").wait_for()
    idle(second)
    answers = second.locator('[data-testid="stMetric"]').filter(has_text="Answers")
    assert answers.locator('[data-testid="stMetricValue"]').inner_text().strip() == "4"  # 2 practice + 2 mock
    second.locator('[data-testid="stVegaLiteChart"]').nth(1).wait_for()
    assert second.get_by_text("Review queue").count() >= 1
    second.screenshot(path=str(shots / "progress.png"), full_page=True)
    second.get_by_role("button", name="Review now").first.click()
    second.get_by_text("Practice · review from your queue").wait_for()
    idle(second)

    # --- Question bank and Settings, for the screenshots and a look at what they show -------
    second.get_by_role("link", name="Question bank").click()
    second.get_by_role("heading", name="Question bank").wait_for()
    idle(second)
    second.get_by_label("Search by meaning").fill("versioning large datasets next to code")
    second.get_by_label("Search by meaning").press("Enter")
    second.get_by_text(re.compile("nearest in meaning")).wait_for()
    idle(second)
    second.screenshot(path=str(shots / "question-bank.png"), full_page=True)
    second.get_by_role("link", name="Settings").click()
    second.get_by_role("heading", name="Settings").wait_for()
    idle(second)
    assert str(server.home.resolve()) in second.locator('[data-testid="stCode"]').first.inner_text()
    second.screenshot(path=str(shots / "settings.png"), full_page=True)

    assert browser.outside_requests() == []
    print(
        "\ncold start: first question {first_question_s:.1f} s after process start "
        "({first_question_after_load_s:.1f} s after page load); grader ready {grader_ready_s:.1f} s".format(**timings)
    )
