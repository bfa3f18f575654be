"""The Progress page's review queue: what FSRS has due, and why, in one line per card."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator.bank import Corpus
from simulator.history import DAY, History

from .apptest import APP, TIMEOUT, run, shown, unescaped
from .helpers import copy_corpus, judged
from .test_history import DRIFT, SHADOW, all_hit, must_missed


@pytest.fixture
def seed(sim_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Corpus:
    corpus = copy_corpus(tmp_path / "corpus")
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    return Corpus.load(corpus)


def test_the_queue_shows_what_is_due_and_why(sim_home: Path, seed: Corpus) -> None:
    now = time.time()
    then = [now - 3 * DAY]
    history = History(sim_home / "history.sqlite3", clock=lambda: then[0])
    for _ in range(3):  # the same must-have point missed three days running
        history.record(DRIFT, "a", judged(DRIFT, must_missed(DRIFT)), session_id="s")
        then[0] += DAY / 2
    then[0] = now
    history.record(SHADOW, "b", judged(SHADOW, all_hit(SHADOW)), session_id="s", mode="mock")  # Easy
    point = DRIFT.must_points[0].text

    at = run(run(AppTest.from_file(APP, default_timeout=TIMEOUT)).switch_page("ui/progress.py"))
    text = shown(at)
    assert {m.label: m.value for m in at.metric}["Reviews due"] == "2"  # the question and its point
    assert "Scheduled by FSRS" in text and "Leitner" not in text
    assert "due now: last answer rated Again (a must-have point missed, or a weak answer) · recall chance now" in text
    assert f"· missed: {point}" in text
    assert f"due now: the point '{point}' you missed 3 times · your last answer missed it" in text
    assert "due in 8 days: last answer rated Easy (an excellent answer) · recall chance now 100%" in text
    prompts = [unescaped(m.value) for m in at.markdown if m.value.startswith("**")]
    assert prompts == [f"**{DRIFT.prompt}**", f"**{DRIFT.prompt}**", f"**{SHADOW.prompt}**"]  # the soonest due first
    buttons = {b.key: b.proto.type for b in at.button if b.key and b.key.startswith("review-")}
    assert buttons == {f"review-{DRIFT.id}": "primary", f"review-{DRIFT.id}-point-1": "primary"} | {
        f"review-{SHADOW.id}": "secondary"
    }

    # The point's card opens its question on the Practice page, in review mode.
    at.button(key=f"review-{DRIFT.id}-point-1").click()
    run(at)
    # AppTest keeps running the page it was told last; a browser follows st.switch_page.
    run(at.switch_page("ui/practice.py"))
    assert unescaped(at.subheader[0].value) == DRIFT.prompt
    assert "review from your queue" in shown(at)
    history.close()


def test_nothing_due_says_when_the_next_review_is(sim_home: Path, seed: Corpus) -> None:
    history = History(sim_home / "history.sqlite3")
    history.record(SHADOW, "b", judged(SHADOW, all_hit(SHADOW), score=7.0), session_id="s")  # Good: 2 days
    at = run(run(AppTest.from_file(APP, default_timeout=TIMEOUT)).switch_page("ui/progress.py"))
    text = shown(at)
    assert "Nothing due now; the next review is due in 2 days." in text
    assert {m.label: m.value for m in at.metric}["Reviews due"] == "0"
    history.close()
