"""The interviewer's voice in Chromium: with "Read questions aloud" on, the question plays by itself
(once: a rerun of the page does not start it again), its audio has a length, and the page says who spoke."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.config import save_read_aloud

from ..helpers import copy_corpus
from .helpers import Server, chromium_context, idle, streamlit_app

pytestmark = pytest.mark.e2e

QUESTION = "seed-data-vs-concept-drift"


@pytest.fixture(scope="module")
def voiced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own whose data dir has "Read questions aloud" on (the shared one keeps it off)."""
    base = tmp_path_factory.mktemp("voice-on")
    home = base / "sim-home"
    save_read_aloud(home, True)
    with streamlit_app(base, copy_corpus(base / "corpus"), SIM_HOME=str(home)) as srv:
        yield srv


def test_the_question_plays_once_and_the_page_says_who_spoke(voiced: Server, shots: Path) -> None:
    with chromium_context() as chromium:
        context = chromium.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        page.goto(f"{voiced.url}/?q={QUESTION}")
        audio = page.locator('[data-testid="stAudio"]').first
        audio.wait_for(timeout=90_000)
        idle(page)
        assert page.get_by_text("Read aloud by Piper (joe, medium).").is_visible()
        seconds = audio.evaluate(
            "a => new Promise(ok => a.readyState >= 1 ? ok(a.duration) : a.addEventListener('loadedmetadata', "
            "() => ok(a.duration)))"
        )
        assert 1.0 < seconds < 20.0
        assert audio.evaluate("a => a.autoplay")
        # Play it, then rerun the page by a click elsewhere: the same element keeps playing, not restarted.
        audio.evaluate("a => { a.muted = true; return a.play(); }")
        page.wait_for_function("a => a.currentTime > 0.5", arg=audio.element_handle(), timeout=20_000)
        page.get_by_text("Keep my recordings").click()
        idle(page)
        position = audio.evaluate("a => a.ended ? a.duration : a.currentTime")
        assert position > 0.5, position
        page.screenshot(path=str(shots / "interviewer-voice.png"))
        context.close()
