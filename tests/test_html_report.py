"""The mock interview report as one HTML file to share (issue 17): self-contained, everything the
candidate or an LLM wrote escaped, evidence marked, and the report's figures in words and numbers."""

from __future__ import annotations

import time
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from simulator.bank import Corpus
from simulator.grading.judgement import MisconceptionResult
from simulator.history import History
from simulator.sessions import MockInterview, report_html
from simulator.sessions.mock import MockSlot, build_report
from simulator.speech import analyse_typed

from .apptest import kept_media, page
from .helpers import copy_corpus, judged

DRIFT, SHADOW, DVC = "seed-data-vs-concept-drift", "seed-shadow-deployment", "seed-dvc-vs-git-lfs"
EVIDENCE = "Data drift is a change in the input distribution P(x), the features themselves."
WRONG = "Concept drift can be caught from the inputs alone with a KS test."
HOSTILE = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ANSWER = f"{EVIDENCE}\n{WRONG}  {HOSTILE} {IMG} & more"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus.load(copy_corpus(tmp_path_factory.mktemp("seed")))


def interview(seed: Corpus, answer: str = ANSWER, **hostile: Any) -> MockInterview:
    """Three questions: one graded with evidence and a misconception, one not graded, one not reached."""
    drift = seed.get(DRIFT)
    j = judged(drift, {0})  # the first key point (data drift) hit
    points = [k.model_copy(update={"evidence": " ".join(EVIDENCE.split())}) if k.hit else k for k in j.key_points]
    wrong = MisconceptionResult(
        text=drift.misconceptions[1].text,
        correction=drift.misconceptions[1].correction,
        contradicts=drift.misconceptions[1].contradicts,
        evidence=WRONG,
        evidence_index=1,
    )
    j = j.model_copy(
        update={"key_points": points, "misconceptions": [wrong], "sentences": [EVIDENCE, WRONG], **hostile}
    )
    shadow = seed.get(SHADOW)
    off = judged(shadow, set(), valid=False).model_copy(
        update={"reason": "Off-topic: the answer does not address this question. Re-read the question and try again."}
    )
    typed = analyse_typed("Um, I think data drift is, like, basically a change in the inputs.").model_dump(mode="json")
    spoken = {**typed, "spoken": True, "words_per_minute": 142.0, "speaking_s": 6.0}
    slots = [
        MockSlot(DRIFT, time.time(), answer, 1, j, 42.0, delivery=spoken),
        MockSlot(SHADOW, time.time(), "A canary sends traffic.", 2, off, 60.0, timed_out=True),
        MockSlot(DVC),
    ]
    return MockInterview("mock-test", 90, slots, index=2)


def render(seed: Corpus, **kwargs: Any) -> tuple[str, MockInterview]:
    mock = interview(seed, **kwargs)
    return report_html(build_report(mock, seed), [s.judgement for s in mock.slots]), mock


def test_the_page_is_self_contained_and_prints(seed: Corpus) -> None:
    page, _ = render(seed)
    tags = parsed(page)
    assert not [t for t, _ in tags.tags if t in ("script", "link", "iframe", "img", "object", "embed")]
    for tag, attrs in tags.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "http" not in (value or "").lower() or name == "content", (tag, name, value)
    assert "http://" not in page and "https://" not in page and "url(" not in page
    assert "@import" not in page and "@font-face" not in page
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags.tags
    assert "@media print" in page and "@media (max-width:600px)" in page
    assert "<svg" in page  # the chart is drawn inline


def test_what_the_candidate_and_the_llm_wrote_is_text(seed: Corpus) -> None:
    page, _ = render(
        seed,
        feedback=[f"Good {HOSTILE}"],
        follow_up=f"Why {IMG}?",
        model=f"evil{HOSTILE}",
        judge="llm",
    )
    tags = parsed(page)
    assert [t for t, _ in tags.tags if t in ("script", "img")] == []
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert escape(HOSTILE) in page and escape(IMG) in page
    text = "".join(tags.text)
    assert HOSTILE in text and IMG in text  # shown as written, as text
    assert f"LLM judge: evil{HOSTILE}" in text and f"Good {HOSTILE}" in text and f"Why {IMG}?" in text
    assert "& more" in text


def test_evidence_and_misconceptions_are_marked_in_the_answer(seed: Corpus) -> None:
    page, _ = render(seed)
    drift = seed.get(DRIFT)
    hit = drift.key_points[0].text
    # Found in the answer as written (its own whitespace), marked with the point it earned.
    assert f"<mark title='{escape('Key point: ' + hit)}'>{escape(EVIDENCE)}</mark>" in page
    assert f"<mark class='wrong' title='{escape('Misconception: ' + drift.misconceptions[1].text)}'>" in page
    assert escape(drift.misconceptions[1].correction) in page
    assert "Misconceptions stated" in page


def test_scores_titles_missed_points_verdicts_provenance_and_delivery(seed: Corpus) -> None:
    page, mock = render(seed)
    report = build_report(mock, seed)
    text = "".join(parsed(page).text)
    for row in report.rows:
        assert f"{row.score:.1f} / 10" in text and row.band in text
        assert row.category_title in text and row.prompt in text
        assert row.question_id not in page  # titles and prompts, never ids
        for point in row.missed:
            assert point in text
    assert f"Overall{report.overall:.1f} / 10" in text and "Answered2 of 3" in text
    assert report.weakest is not None and f"Weakest category: {report.weakest.title}" in text
    assert "Graded by: embedding judge, offline" in text
    assert (
        "Not graded: Off-topic: the answer does not address this question." in text and "try again" not in page.lower()
    )
    assert "time ran out" in text and "Not reached." in text
    assert seed.get(DVC).reference_answer in text  # the model answer of the question not reached
    assert "Words per minute142" in text and "Fillers" in text and "Answerspoken" in text
    assert page.count("<h3>Delivery</h3>") == 1  # only the answer that has delivery figures


def test_judgements_must_match_the_rows(seed: Corpus) -> None:
    mock = interview(seed)
    with pytest.raises(ValueError):
        report_html(build_report(mock, seed), [None])


def test_an_empty_answer_reads_as_no_answer(seed: Corpus) -> None:
    page, _ = render(seed, answer="")
    assert "<div class='answer'>(no answer)</div>" in page


# --- On the pages ------------------------------------------------------------------------------


@pytest.fixture
def app_history(sim_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> History:
    monkeypatch.setenv("SIM_CORPUS", str(copy_corpus(tmp_path / "corpus")))
    return History(sim_home / "history.sqlite3")


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    return kept_media(monkeypatch)


def downloaded(at: AppTest, media: list[MediaFileManager], label: str) -> str:
    """The file the download button labelled so would give (a deferred one is built now, as on a click)."""
    [button] = [b.proto for b in at.get("download_button") if b.proto.label == label]
    url = media[-1].execute_deferred(button.deferred_file_id) if button.deferred_file_id else button.url
    return bytes(media[-1]._storage.get_file(url.rsplit("/", 1)[1]).content).decode()


def test_the_report_page_and_the_progress_page_offer_the_html(
    app_history: History, media: list[MediaFileManager], seed: Corpus
) -> None:
    mock = interview(seed)
    mock.stop()  # ended before the third question: the report page
    at = page("ui/mock_interview.py", _mock=mock)
    live = downloaded(at, media, "Report to share (HTML)")
    assert live.startswith("<!DOCTYPE html>") and escape(HOSTILE) in live and "Not reached." in live
    for slot in mock.slots[:2]:
        assert slot.judgement is not None
        app_history.record(
            seed.get(slot.question_id),
            slot.answer or "",
            slot.judgement,
            session_id=mock.id,
            mode="mock",
            answer_seconds=slot.seconds_used,
            time_limit=mock.seconds_per_question,
            timed_out=slot.timed_out,
            extra={"delivery": slot.delivery} if slot.delivery else None,
        )
    at = page("ui/progress.py")
    past = downloaded(at, media, "Report to share (HTML)")
    # The same report from the history, but for the question never reached (never stored).
    assert escape(HOSTILE) in past and "Not reached." not in past and "time ran out" in past
    assert "Words per minute<b>142</b>" in past and "Graded by: embedding judge, offline" in past
    assert escape(seed.get(DRIFT).prompt) in past and escape(seed.get(DVC).prompt) not in past
