"""Charts and labels that tell the truth (issue 14): what each chart is drawn from, read from its
Vega-Lite spec and datasets on the page; human durations; the mock report; exports with delivery.

The page tests run the app over a copy of the seed pack with its own SIM_HOME for the module, as
tests/test_app.py does; the history is emptied before every test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from simulator.bank import Corpus
from simulator.grading.gate import NO_ANSWER
from simulator.history import DAY, History, attempts_csv, attempts_json
from simulator.sessions import MockInterview
from simulator.sessions.mock import MockSlot, build_report
from simulator.sessions.report import verdict
from simulator.speech import analyse_typed
from ui.text import due_label, human_duration

from .apptest import fresh_history, page
from .helpers import copy_corpus, judged

DRIFT, SHADOW = "seed-data-vs-concept-drift", "seed-shadow-deployment"
NOON = datetime(2026, 3, 10, 12, 0).timestamp()  # local time: "later today" and "tomorrow" are unambiguous


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The seed pack with the bank's category titles, as the app below runs it."""
    return Corpus.load(copy_corpus(tmp_path_factory.mktemp("seed")))


# --- Pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "under 10 s"),
        (2.4, "under 10 s"),
        (45, "45 s"),
        (130, "2 min 10 s"),
        (1500, "25 min"),
        (3600, "1 h"),
        (3 * 3600, "3 h"),
        (DAY, "1 day"),
        (5 * DAY, "5 days"),
    ],
)
def test_durations_are_said_as_a_person_says_them(seconds: float, said: str) -> None:
    assert human_duration(seconds) == said


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (-60, "due now"),
        (0, "due now"),
        (20 * 60, "due in 20 min"),
        (3 * 3600, "due in 3 h"),
        (1431 * 60 + 22, "due tomorrow"),
        (DAY, "due tomorrow"),
        (5 * DAY, "due in 5 days"),
    ],
)
def test_review_due_dates_are_human(offset: float, said: str) -> None:
    assert due_label(NOON + offset, NOON) == said


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "Off-topic: the answer does not address this question. Re-read the question and try again.",
            "Off-topic: the answer does not address this question.",
        ),
        (NO_ANSWER, "No answer given: that is fine while practising."),
        (
            "Empty answer: write (or say) your answer, then submit it.",
            "Empty answer: write (or say) your answer, then submit it.",
        ),
        ("Off-topic, try again with the question in mind", "Off-topic."),
    ],
)
def test_a_verdict_keeps_the_first_sentence_without_advice_to_retry(reason: str, said: str) -> None:
    assert verdict(reason) == said
    assert "try again" not in verdict(reason).lower()


# --- The mock report and its exports ------------------------------------------------------------


def _interview(seed: Corpus, scores: list[float | None], delivery: dict[str, Any] | None = None) -> MockInterview:
    """A finished interview over the seed pack's first questions of different categories; None: not graded."""
    by_category: dict[str, str] = {}
    for q in seed.questions:
        by_category.setdefault(q.category, q.id)
    slots = []
    for question_id, score in zip(by_category.values(), scores, strict=False):
        q = seed.get(question_id)
        j = judged(q, {0}, score=score) if score is not None else judged(q, set(), valid=False)
        if score is None:
            j = j.model_copy(update={"reason": f"Off-topic: it answers {q.id} instead. Re-read it and try again."})
        slots.append(
            MockSlot(q.id, time.time(), "an answer", len(slots) + 1, j, 30.0, delivery=delivery if score else None)
        )
    return MockInterview("mock-test", 60, slots, index=len(slots))


def test_strongest_category_only_from_good(seed: Corpus) -> None:
    weak = build_report(_interview(seed, [3.9, 0.0]), seed)
    assert weak.strongest is None and weak.weakest is not None
    assert "- No strong category yet." in weak.to_markdown() and "Strongest" not in weak.to_markdown()
    good = build_report(_interview(seed, [6.0, 3.9]), seed)
    assert good.strongest is not None and good.strongest.score == 6.0
    assert f"- Strongest category: {good.strongest.title} (6.0)" in good.to_markdown()


def test_the_report_names_categories_by_title_and_exports_delivery(seed: Corpus) -> None:
    typed = analyse_typed("Um, I think data drift is, like, basically a change in the inputs.").model_dump(mode="json")
    spoken = {**typed, "spoken": True, "words_per_minute": 142.0, "speaking_s": 6.0}
    report = build_report(_interview(seed, [7.0, None], delivery=spoken), seed)
    md = report.to_markdown()
    for row in report.rows:
        assert row.category_title != row.category
        assert f"| {row.category_title} |" in md and f"| {row.category} |" not in md
    assert "try again" not in md.lower() and "Not graded: Off-topic: it answers" in md

    data = json.loads(report.to_json())
    first, second = data["attempts"]
    assert first["category_title"] == report.rows[0].category_title
    assert (first["answer_mode"], first["words_per_minute"], first["speaking_s"]) == ("spoken", 142.0, 6.0)
    assert first["filler_count"] == typed["filler_count"] > 0 and first["hedge_count"] == typed["hedge_count"]
    assert (second["answer_mode"], second["words_per_minute"], second["filler_count"]) == ("typed", None, None)
    assert data["strongest"] == report.rows[0].category_title
    assert {c["title"] for c in data["categories"]} == {r.category_title for r in report.rows}
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert rows[0]["answer_mode"] == "spoken" and rows[0]["words_per_minute"] == "142.0"
    assert rows[0]["category_title"] == report.rows[0].category_title


def test_history_exports_carry_the_answer_mode_delivery_and_category_titles(sim_home: Path, seed: Corpus) -> None:
    history = History(sim_home / "history.sqlite3")
    drift, shadow = seed.get(DRIFT), seed.get(SHADOW)
    typed = analyse_typed("Um, I think data drift is, like, basically a change in the inputs.").model_dump(mode="json")
    spoken = {
        **typed,
        "spoken": True,
        "words_per_minute": 150.0,
        "long_pauses": [{"start": 1, "end": 3, "seconds": 2, "after": "so"}],
    }
    history.record(drift, "a", judged(drift, {0}), session_id="s", extra={"delivery": typed})
    history.record(drift, "b", judged(drift, {0}), session_id="s", extra={"delivery": spoken})
    history.record(shadow, "c", judged(shadow, {0}), session_id="s")  # graded from the CLI: nothing measured
    data = json.loads(attempts_json(history.attempts(), seed))
    assert [d["answer_mode"] for d in data] == ["typed", "spoken", "typed"]
    assert [d["words_per_minute"] for d in data] == [None, 150.0, None]
    assert [d["long_pauses"] for d in data] == [0, 1, None]
    assert data[0]["fillers_per_minute"] == typed["fillers_per_minute"] and data[0]["estimated"] is True
    assert [d["category_title"] for d in data] == [seed.category_title(q.category) for q in (drift, drift, shadow)]
    assert data[0]["category"] == drift.category  # the id stays, for joining with the bank
    rows = list(csv.DictReader(io.StringIO(attempts_csv(history.attempts(), seed))))
    assert [r["answer_mode"] for r in rows] == ["typed", "spoken", "typed"]
    assert rows[1]["hedge_count"] == str(typed["hedge_count"]) and rows[2]["hedge_count"] == ""
    assert rows[0]["category_title"] == seed.category_title(drift.category)


# --- On the page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("app")
    return base / "home", copy_corpus(base / "corpus")


@pytest.fixture
def app_history(sim_home: Path, app_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    """One data dir for the module (the engine is built once per process); history emptied per test."""
    yield fresh_history(*app_dirs, monkeypatch)


def charts(at: AppTest) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    """Each chart on the page: its Vega-Lite spec and the data it was drawn from."""
    return [
        (json.loads(c.proto.spec), pa.ipc.open_stream(c.proto.datasets[0].data.data).read_pandas())
        for c in at.get("vega_lite_chart")
    ]


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


def texts(at: AppTest) -> str:
    parts = [
        str(e.value) for kind in ("subheader", "markdown", "caption", "info", "warning") for e in getattr(at, kind)
    ]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts + [f"{m.label} {m.value}" for m in at.metric]))


def _record_at(history: History, when: float, question: Any, score: float | None, **options: Any) -> None:
    clocked = History(history.path, clock=lambda: when)
    j = judged(question, {0}, score=score) if score is not None else judged(question, set(), valid=False)
    clocked.record(question, "an answer", j, session_id="t", **options)


def test_every_mastery_bar_is_labelled_with_its_own_category(app_history: History, seed: Corpus) -> None:
    """Three categories (one scored 0, one 3.9): three labels, each beside its own bar."""
    picks = {}
    for q in seed.questions:
        picks.setdefault(q.category, q)
    scored = dict(zip(list(picks)[:3], (None, 3.9, 8.0), strict=True))
    for category, score in scored.items():
        _record_at(app_history, time.time(), picks[category], score)
    at = page("ui/progress.py")
    spec, data = charts(at)[1]  # after scores over time
    expected = {seed.category_title(c): (0.0 if s is None else s) for c, s in scored.items()}
    assert dict(zip(data["category"], data["mastery"], strict=True)) == expected  # titles, matching the history
    assert {m.category for m in app_history.mastery()} == set(scored)
    bars, numbers = layers(spec)
    y = bars["encoding"]["y"]
    assert y["field"] == "category" and y["axis"]["labelOverlap"] is False  # no label hidden
    assert spec["height"] == {"step": 32}  # room for each label, however many categories
    assert numbers["mark"]["type"] == "text" and numbers["encoding"]["text"]["field"] == "mastery"


@pytest.mark.parametrize(
    "offsets",
    [[0.0], [i * 3.0 for i in range(20)], [-90 * DAY, -30 * DAY, -2 * DAY, 0.0]],
    ids=["one attempt", "many in one minute", "months"],
)
def test_scores_over_time_are_dated_at_any_amount_of_history(
    app_history: History, seed: Corpus, offsets: list[float]
) -> None:
    start = time.time() - 60
    for offset in offsets:
        _record_at(app_history, start + offset, seed.get(DRIFT), 6.0)
    at = page("ui/progress.py")
    spec, data = charts(at)[0]
    assert len(data) == len(offsets)
    for layer in layers(spec):
        x = layer["encoding"]["x"]
        assert x["axis"]["format"] == "%d %b" and x["axis"]["tickCount"]["interval"] == "day"  # dates, whole days
        first, last = (datetime.fromisoformat(d) for d in x["scale"]["domain"])
        assert first == datetime.fromtimestamp(start + min(offsets)).replace(hour=0, minute=0, second=0, microsecond=0)
        assert last - first >= timedelta(days=1) and (first.hour, last.hour, last.minute) == (0, 0, 0)


def test_empty_delivery_series_are_not_drawn(app_history: History, seed: Corpus) -> None:
    clean = analyse_typed("Data drift is a change in the distribution of the input features over time.")
    assert clean.filler_count == clean.hedge_count == 0
    _record_at(app_history, time.time(), seed.get(DRIFT), 6.0, extra={"delivery": clean.model_dump(mode="json")})
    at = page("ui/progress.py")
    assert "Delivery over time" in texts(at)
    assert "No filler words or hedges in your answers yet." in texts(at)
    assert "No spoken answers yet" in texts(at)
    assert len(charts(at)) == 2  # scores and mastery: no flat "0.000000" chart


def test_the_review_queue_says_when_in_words(app_history: History, seed: Corpus) -> None:
    _record_at(app_history, time.time(), seed.get(DRIFT), 2.0)  # misses must-have points: due in a day
    at = page("ui/progress.py")
    assert "due tomorrow" in texts(at) and " min " not in texts(at)


def test_the_mock_report_chart_and_verdicts(app_history: History, seed: Corpus) -> None:
    interview = _interview(seed, [5.0, None, 3.0])
    six_words = analyse_typed("Drift means the input data changed.").model_dump(mode="json")
    first = seed.get(interview.slots[0].question_id)
    stored = app_history.record(first, "a", judged(first, {0}), session_id="t", extra={"delivery": six_words})
    interview.slots[0].attempt_id = stored.id
    at = page("ui/mock_interview.py", _mock=interview)
    shown = texts(at)
    assert "Time to say it under 10 s" in shown  # not "0.0 min"
    assert "No strong category yet" in shown and "Strongest category" not in shown  # 5.0 is not "good"
    assert "try again" not in shown.lower()
    assert "Off-topic: it answers" in shown
    [(spec, data)] = charts(at)
    assert list(data["question"]) == ["Q1", "Q2", "Q3"]
    assert list(data["label"]) == ["5.0", "not graded", "3.0"]
    assert list(data["category"]) == [r.category_title for r in interview.report(seed).rows]
    bars, labels = layers(spec)
    assert bars["encoding"]["x"]["axis"]["labelAngle"] == 0  # Q1, Q2 read horizontally
    assert bars["encoding"]["x"]["scale"]["domain"] == ["Q1", "Q2", "Q3"]  # in order, the undrawn one too
    assert bars["encoding"]["color"]["scale"]["domain"] == ["partial", "weak"]  # no "invalid" without a bar
    assert labels["encoding"]["text"]["field"] == "label"
