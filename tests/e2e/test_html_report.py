"""The shared HTML report in Chromium (issue 17), opened from a file with every other request blocked:
nothing leaves, an injected script is shown as text and never runs, it fits a phone and prints to PDF.

No Streamlit server: the report is written by the core, as the download button writes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.bank import Corpus
from simulator.sessions import MockInterview, report_html
from simulator.sessions.mock import MockSlot, build_report

from ..helpers import copy_corpus, judged
from .helpers import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

HOSTILE = "<script>alert('injected')</script>"
IMG = "<img src=x onerror=\"alert('img')\">"
OUTSIDE = "https://example.invalid/"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Headless Chromium for this module alone (no app server needed)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium (CI does this in .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_offline(chromium: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """The file in a phone-sized page; any other request is recorded and aborted, any dialog recorded."""
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    own, blocked, dialogs = path.as_uri(), [], []

    def route(r: Any) -> None:
        if r.request.url == own:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: None if req.url == own else blocked.append(req.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(own)
    page.wait_for_load_state("load")
    return page, blocked, dialogs


def test_the_recorder_sees_a_request_leave(chromium: Any, tmp_path: Path) -> None:
    """The control: a page that does reach out is caught, so an empty record below means something."""
    path = tmp_path / "leaky.html"
    path.write_text(f"<!DOCTYPE html><img src='{OUTSIDE}x.png'><script>alert('ran')</script>")
    page, blocked, dialogs = open_offline(chromium, path)
    assert any(url.startswith(OUTSIDE) for url in blocked)
    assert dialogs == ["ran"]
    page.close()


def test_the_report_stays_offline_shows_the_script_as_text_and_prints(chromium: Any, tmp_path: Path) -> None:
    seed = Corpus.load(copy_corpus(tmp_path / "corpus"))
    first, second = seed.questions[:2]
    j = judged(first, {0}).model_copy(update={"feedback": [f"Feedback {HOSTILE}"]})
    answer = f"My answer. {HOSTILE} {IMG}"
    slots = [MockSlot(first.id, time.time(), answer, 1, j, 30.0), MockSlot(second.id)]
    mock = MockInterview("mock-e2e", 60, slots, index=1)
    path = tmp_path / "report.html"
    path.write_text(report_html(build_report(mock, seed), [s.judgement for s in mock.slots]), encoding="utf-8")

    page, blocked, dialogs = open_offline(chromium, path)
    page.get_by_text("Mock interview report").first.wait_for()
    assert blocked == [] and dialogs == []
    assert page.evaluate("document.querySelectorAll('script, img, link, iframe').length") == 0
    text = page.evaluate("document.body.innerText")
    assert HOSTILE in text and IMG in text and f"Feedback {HOSTILE}" in text
    assert first.prompt in text and seed.category_title(first.category) in text
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    assert blocked == [] and dialogs == []  # printing fetched nothing either
    page.close()
