"""Each page through Streamlit's AppTest: what the person sees after each action.

The app runs over a copy of the seed pack with its own SIM_HOME for the module (one engine, one
warm-up); the history is emptied before every test.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from simulator.bank import Corpus
from simulator.grading import Judgement
from simulator.grading.calibration import load_calibration
from simulator.history import History
from simulator.sessions import MockInterview

from .apptest import APP, TIMEOUT, fresh_history, page, run, shown, unescaped
from .helpers import MAX_WER, NEW_PACK, ROOT, copy_corpus, judged, say, word_error_rate

DRIFT = "seed-data-vs-concept-drift"
LADDERS = {r["question_id"]: r for r in yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text())}
STRONG = LADDERS[DRIFT]["excellent"].strip()
WEAK = LADDERS[DRIFT]["partial"].strip()


@pytest.fixture(scope="module")
def app_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("app")
    return base / "home", copy_corpus(base / "corpus")


@pytest.fixture(autouse=True)
def app_env(sim_home: Path, app_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    """One data dir for the module (the engine is built once per process); history emptied per test."""
    yield fresh_history(*app_dirs, monkeypatch)


@pytest.fixture
def seed() -> Corpus:
    return Corpus.load(ROOT / "corpus" / "mlops-seed.yaml")


def practice(question_id: str = DRIFT) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["q"] = question_id
    return run(at)


def answer_key(question_id: str, round_: int = 0) -> str:
    return f"answer-{question_id}-{round_}"


def grade(at: AppTest, text: str, question_id: str = DRIFT, round_: int = 0) -> AppTest:
    key = answer_key(question_id, round_)
    at.text_area(key=key).input(text)
    at.button(key=f"grade-{key}").click()
    return run(at)


# --- Practice ------------------------------------------------------------------------------


def test_practice_shows_the_question_then_the_judgement_with_its_evidence(app_env: History, seed: Corpus) -> None:
    at = practice()
    q = seed.get(DRIFT)
    assert unescaped(at.subheader[0].value) == q.prompt
    assert at.text_area(key=answer_key(DRIFT)).label == "Your answer"
    meter = [e for e in at.get("bidi_component") if "answer_meter" in e.proto.component_name]
    assert meter and f'"key": "{answer_key(DRIFT)}"' in meter[0].proto.json and '"wpm": 130' in meter[0].proto.json
    assert not at.metric  # nothing graded yet

    grade(at, STRONG)
    [score] = [m for m in at.metric if m.label == "Score"]
    assert float(score.value.split("/")[0]) >= 6.0
    text = shown(at)
    assert "embedding judge, offline" in text  # the provenance badge
    evidence = [m.value for m in at.markdown if ":green-background[" in m.value]
    assert evidence and "covariate shift" in unescaped(evidence[0])
    covered = next(m.value for m in at.markdown if m.value.startswith("**Key points covered"))
    assert int(re.search(r"\((\d+) of", covered).group(1)) >= 3  # type: ignore[union-attr]
    quoted = [unescaped(c.value) for c in at.caption if c.value.startswith("“")]
    assert any("P(x)" in c for c in quoted)  # each covered key point quotes the sentence that earned it
    assert "Model answer" in [e.label for e in at.expander]
    # The follow-up question: about a missed point, or with none missed an authored one to go further.
    assert {"**Follow-up question**", "**To go further**"} & {m.value for m in at.markdown} and at.info
    [attempt] = app_env.attempts()
    assert (attempt.question_id, attempt.mode, attempt.answer) == (DRIFT, "practice", STRONG)


def test_what_the_person_typed_is_shown_as_text(app_env: History) -> None:
    payload = "Data drift is a change in P(x) <img src=x onerror=alert(1)> ![p](http://203.0.113.9/a.png) :red[x] $y$"
    at = grade(practice(), payload + ". Concept drift is a change in P(y|x) **really**.")
    evidence = next(m.value for m in at.markdown if "onerror" in m.value)
    for raw in ("<img", "![p](", ":red[x]", "$y$", "**really**", "http://"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), evidence), raw  # escaped, or broken up
    assert "<img src=x onerror=alert(1)>" in unescaped(evidence)  # and still reads as typed


def test_a_short_answer_shows_why_it_is_held_weak_and_a_non_answer_why_it_is_not_graded(app_env: History) -> None:
    at = grade(practice(), "input distribution shift")
    [score] = [m for m in at.metric if m.label == "Score"]
    assert float(score.value.split("/")[0]) <= 3.9
    text = shown(at)
    assert "at most, whoever grades it" in text and "Too short for this question (3 words" in text
    r = load_calibration().metrics["cv_assignment_pearson"]
    assert f"agrees with human graders at r {r:.2f}" in text  # the fitted figure, shown with the offline score
    at = grade(practice(), "I have no idea, sorry.")
    assert "Not graded (score 0): No answer given" in shown(at)
    assert [a.judgement.valid for a in app_env.attempts()] == [True, False]  # both kept in history


def test_try_again_keeps_the_earlier_attempt_beside_the_new_one(app_env: History) -> None:
    at = grade(practice(), WEAK)
    weak_score = float(next(m for m in at.metric if m.label == "Score").value.split("/")[0])
    at.button(key="try_again").click()
    run(at)
    assert at.text_area(key=answer_key(DRIFT, 1)).value == WEAK  # starts from the last answer
    assert any(m.value.startswith("**Attempt 1:") for m in at.markdown)
    # The last feedback stays at hand, folded: the points still missing and the model answer.
    [last] = [e for e in at.expander if e.label == "Your last feedback"]
    first = app_env.attempts()[0]
    inside = unescaped("\n".join(str(e.value) for e in last.markdown))
    assert first.judgement.missed[0] in inside and any(e.label == "Model answer" for e in last.expander)
    grade(at, STRONG, round_=1)
    attempts = {m.label: m for m in at.metric}
    assert float(attempts["Attempt 1"].value) == weak_score
    assert float(attempts["Attempt 2"].value) > weak_score
    assert attempts["Attempt 2"].delta.startswith("+")
    assert sum("embedding judge" in c.value for c in at.caption) >= 2  # each card names its judge
    assert [a.answer for a in app_env.attempts()] == [WEAK, STRONG]


def test_the_follow_up_is_graded_on_the_point_it_asks_about_and_updates_the_coverage(app_env: History) -> None:
    at = grade(practice(), WEAK)
    first = app_env.attempts()[0]
    point = first.judgement.follow_up_point
    assert point == "Data drift is detected without labels by comparing feature distributions with a reference"
    before = sum(k.hit for k in first.judgement.key_points)
    key = f"follow-up-{first.id}-0"
    said = (
        "You can spot it without any labels at all. Compare each feature's distribution in production "
        "against a reference window from training, for example with PSI or a KS test."
    )
    at.text_area(key=key).input(said)
    at.button(key=f"grade-{key}").click()
    text = shown(run(at))
    assert "Follow-up answer 1" in text
    assert f"Earned the point: “{point}”" in text
    assert f"By your answer as a whole “{said}”" in text  # it states the point across its two sentences
    total = len(first.judgement.key_points)
    assert f"now {before + 1} of {total} (were {before})" in text
    [follow] = app_env.attempts(mode="follow-up")
    assert (follow.question_id, follow.parent_id, follow.prompt) == (DRIFT, first.id, first.judgement.follow_up)
    assert [k.text for k in follow.judgement.key_points] == [point] and follow.judgement.key_points[0].hit


def test_filters_and_surprise_me(seed: Corpus) -> None:
    at = practice()
    at.multiselect(key="pf_category").select("tooling")
    run(at)
    options = at.selectbox(key="pick_question").options
    assert len(options) == 1 + sum(q.category == "tooling" for q in seed.questions)  # + the open question
    at.button(key="surprise").click()
    run(at)
    prompt = unescaped(at.subheader[0].value)
    assert next(q for q in seed.questions if q.prompt == prompt).category == "tooling"


def test_a_job_description_ranks_the_questions(seed: Corpus) -> None:
    at = practice("seed-tool-quick-api")
    at.text_area(key="job_description").input(
        "You will run shadow deployments, sending a copy of live traffic to a new model before it serves users."
    )
    at.button(key="rank_job").click()
    run(at)
    assert unescaped(at.subheader[0].value) == seed.get("seed-shadow-deployment").prompt
    picker = at.selectbox(key="pick_question")
    assert "ranked for the job" in picker.label and picker.value == "seed-shadow-deployment"


# --- Mock interview ------------------------------------------------------------------------


def test_mock_interview_gives_no_feedback_until_the_report(app_env: History, seed: Corpus) -> None:
    at = page("ui/mock_interview.py")
    at.number_input(key="mock_n").set_value(2)
    at.select_slider(key="mock_seconds").set_value(60)
    at.button[0].click()  # Start the interview
    run(at)
    assert "Question 1 of 2" in at.get("progress")[0].proto.text
    meter = next(e for e in at.get("bidi_component") if "answer_meter" in e.proto.component_name)
    assert '"remaining_ms": ' in meter.proto.json and '"remaining_ms": null' not in meter.proto.json
    interview: MockInterview = at.session_state["_mock"]
    first = seed.get(interview.slots[0].question_id)
    answer_key = f"mock-answer-{interview.id}-0"
    at.text_area(key=answer_key).input(first.reference_answer)
    at.button(key=f"mock-submit-{interview.id}-0").click()
    run(at)
    assert "Question 2 of 2" in at.get("progress")[0].proto.text
    assert not at.metric and "Score" not in shown(at)  # nothing graded is shown yet
    assert [a.mode for a in app_env.attempts()] == ["mock"]  # but the answer is saved

    # The browser's countdown did not submit (a sleeping tab): the next run submits what stands.
    second = seed.get(interview.slots[1].question_id)
    at.text_area(key=f"mock-answer-{interview.id}-1").input(second.reference_answer)
    interview.slots[1].started_at = time.time() - 120
    run(at)
    assert "Mock interview report" in [t.value for t in at.title]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Answered"] == "2 of 2" and float(metrics["Overall"].split("/")[0]) > 0
    assert at.get("vega_lite_chart")  # the chart
    assert [d.proto.label for d in at.get("download_button")] == [
        "Report (Markdown)",
        "Attempts (JSON)",
        "Attempts (CSV)",
        "Report to share (HTML)",
    ]
    assert "Strongest category" in shown(at)
    assert "Time ran out: this answer was submitted as it stood." in shown(at)
    saved = app_env.attempts()
    assert [a.mode for a in saved] == ["mock", "mock"] and saved[1].timed_out and saved[1].valid
    assert saved[1].answer == second.reference_answer


# --- Spoken answers (the real local transcriber) ------------------------------------------

SPOKEN = (
    "Data drift is a change in the distribution of the input features. We detect it by comparing recent "
    "feature distributions with a reference window, using the population stability index, without any labels."
)


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """SPOKEN said by espeak-ng, as the browser's recorder would send it (one WAV file)."""
    return say(SPOKEN, tmp_path_factory.mktemp("spoken") / "answer.wav").read_bytes()


def keep_choices(at: AppTest) -> int:
    return sum(c.key == "voice_keep" for c in at.checkbox)


def test_a_spoken_follow_up_fills_its_box_and_is_stored_with_its_delivery(
    app_env: History, app_dirs: tuple[Path, Path], spoken_wav: bytes
) -> None:
    home, _ = app_dirs
    shutil.rmtree(home / "recordings", ignore_errors=True)
    at = grade(practice(), WEAK)  # typed
    first = app_env.attempts()[0]
    key = f"follow-up-{first.id}-0"
    assert keep_choices(at) == 1  # one "Keep my recordings", wherever the recorder is
    at.checkbox(key="voice_keep").check()
    at.audio_input(key=f"voice-{key}").set_value(("follow-up.wav", spoken_wav, "audio/wav"))
    run(at)
    said = at.text_area(key=key).value
    assert said and word_error_rate(SPOKEN, said) <= MAX_WER, said
    assert re.search(r"Transcribed \d+ s of speech", shown(at))
    assert len(list((home / "recordings").glob("*.wav"))) == 1  # kept, as ticked

    at.button(key=f"grade-{key}").click()
    run(at)
    [follow] = app_env.attempts(mode="follow-up")
    assert follow.answer == said and follow.parent_id == first.id
    delivery = follow.extra["delivery"]
    assert delivery["spoken"] is True and 100 <= delivery["words_per_minute"] <= 220, delivery
    typed = app_env.get(first.id)
    assert typed is not None and typed.extra["delivery"]["spoken"] is False  # the typed answer stays typed
    text = shown(at)
    assert "Follow-up answer 1" in text and "(spoken answer)" in text and "(typed answer)" in text
    assert keep_choices(at) == 1


def test_a_spoken_mock_answer_fills_the_box_and_is_stored_with_its_delivery(
    app_env: History, spoken_wav: bytes
) -> None:
    at = page("ui/mock_interview.py")
    at.number_input(key="mock_n").set_value(1)
    at.number_input(key="mock_follow_ups").set_value(0)  # the question is drawn at random: no follow-up to wait for
    at.button[0].click()  # Start the interview
    run(at)
    interview: MockInterview = at.session_state["_mock"]
    key = f"mock-answer-{interview.id}-0"
    assert keep_choices(at) == 1
    at.audio_input(key=f"voice-{key}").set_value(("answer.wav", spoken_wav, "audio/wav"))
    run(at)  # stopping the recording submits its transcript: no button pressed
    assert "Mock interview report" in [t.value for t in at.title]
    [saved] = app_env.attempts(mode="mock")
    said = saved.answer
    assert said and word_error_rate(SPOKEN, said) <= MAX_WER, said
    assert saved.extra["delivery"]["spoken"] is True
    assert "(spoken answer)" in shown(at)


# --- Progress ------------------------------------------------------------------------------


def test_progress_is_empty_at_first(app_env: History) -> None:
    at = page("ui/progress.py")
    assert "No attempts yet" in at.info[0].value


def test_progress_shows_charts_missed_points_and_the_review_queue(app_env: History, seed: Corpus) -> None:
    drift, shadow = seed.get(DRIFT), seed.get("seed-shadow-deployment")
    app_env.record(drift, "a", judged(drift, {0}), session_id="t")  # misses must-have points
    app_env.record(shadow, "b", judged(shadow, set(range(len(shadow.key_points)))), session_id="t", mode="mock")
    at = page("ui/progress.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Answers"] == "2" and metrics["Questions practised"] == f"2 of {len(seed.questions)}"
    assert len(at.get("vega_lite_chart")) == 2  # scores over time, mastery by category
    assert "Scheduled by FSRS" in shown(at)
    assert any(unescaped(m.value) == f"**{drift.prompt}**" for m in at.markdown)  # in the queue
    at.button(key=f"review-{DRIFT}").click()
    run(at)
    assert unescaped(at.subheader[0].value) == drift.prompt  # Practice, in review mode
    assert "review from your queue" in shown(at)
    # AppTest keeps running the page it was told last; a browser follows st.switch_page.
    run(at.switch_page("ui/practice.py"))
    grade(at, STRONG)
    assert app_env.attempts()[-1].mode == "review"


def test_progress_charts_delivery_over_time(app_env: History, app_dirs: tuple[Path, Path], seed: Corpus) -> None:
    from simulator.bank.files import load_categories
    from simulator.speech import analyse_typed

    drift = seed.get(DRIFT)
    typed = analyse_typed("Um, I think data drift is, like, basically a change in the inputs.").model_dump(mode="json")
    spoken = {**typed, "spoken": True, "words_per_minute": 142.0}
    for delivery in (typed, spoken):
        app_env.record(drift, "a", judged(drift, {0}), session_id="t", extra={"delivery": delivery})
    at = page("ui/progress.py")
    assert "Delivery over time" in shown(at)
    assert "Record a spoken answer" not in shown(at)  # one answer was spoken: its pace is charted
    charts = at.get("vega_lite_chart")
    scores, habits, pace, _ = (chart_data(c) for c in charts)
    assert list(scores["question"]) == [DRIFT] * 2
    assert set(scores["category"]) == {load_categories(app_dirs[1])[drift.category]}  # the title, not the id
    assert list(habits["hedges"]) == [typed["hedge_count"]] * 2
    assert list(pace["words per minute"]) == [142.0]  # the typed answer has no pace
    for chart in charts[1:3]:  # the delivery charts' time axes are dates, as the scores' is
        assert json.loads(chart.proto.spec)["encoding"]["x"]["axis"]["format"] == "%d %b"


def chart_data(chart: Any) -> pd.DataFrame:
    """The data a chart on the page was drawn from."""
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()


# --- Question bank -------------------------------------------------------------------------


def test_question_bank_browses_searches_and_opens_a_question(seed: Corpus) -> None:
    at = page("ui/question_bank.py")
    assert f"{len(seed.questions)} questions in 1 pack, " in shown(at)
    at.text_input(key="bank_query").input("testing a new model in shadow mode")
    run(at)
    assert "nearest in meaning" in shown(at)
    table = at.dataframe[0].value
    assert table.iloc[0]["question"] == seed.get("seed-shadow-deployment").prompt
    at.session_state["bank_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    run(at)
    text = shown(at)
    q = seed.get("seed-shadow-deployment")
    assert md_plain(q.reference_answer) in unescaped(text)
    assert all(md_plain(k.text) in unescaped(text) for k in q.key_points)
    markdown = [unescaped(m.value) for m in at.markdown]
    for title, items in (("Follow-ups", q.follow_ups), ("Sources", q.sources)):
        assert items and f"**{title}**" in markdown and all(f"- {item}" in markdown for item in items)
    assert at.button(key="practise_selected")


def md_plain(text: str) -> str:
    return " ".join(text.split())


def test_question_bank_imports_a_pack_and_shows_errors_plainly(app_dirs: tuple[Path, Path]) -> None:
    _, corpus = app_dirs
    at = page("ui/question_bank.py")
    uploader = at.file_uploader(key="pack_upload_0")
    assert ".yaml" in list(uploader.allowed_type)
    bad = {**NEW_PACK, "questions": [{**NEW_PACK["questions"][0], "category": "astrology"}]}  # type: ignore[dict-item]
    at.file_uploader(key="pack_upload_0").upload("bad.yaml", yaml.safe_dump(bad).encode())
    run(at)
    assert any("field category" in e.value and "astrology" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "import_confirm"]
    try:
        at.file_uploader(key="pack_upload_0").upload("extra.yaml", yaml.safe_dump(NEW_PACK).encode())
        run(at)
        assert not at.error
        at.button(key="import_confirm").click()
        run(at)
        assert (corpus / "platform-extra.yaml").exists()
        assert "Added 1 question to" in shown(at)
        assert "13 questions in 2 packs" in shown(at)
    finally:
        (corpus / "platform-extra.yaml").unlink(missing_ok=True)
        from ui.runtime import reload_runtime

        reload_runtime()


# --- Settings ------------------------------------------------------------------------------


def test_settings_show_the_data_directory_and_default_to_the_offline_judge(app_dirs: tuple[Path, Path]) -> None:
    home, _ = app_dirs
    at = page("ui/settings.py")
    assert at.code[0].value == str(home.resolve())
    assert at.radio(key="judge_mode").value.startswith("Embedding judge")
    assert "no request leaves this machine" in shown(at)


def test_the_llm_settings_never_show_the_key_and_a_failed_test_is_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-DO-NOT-SHOW-4242"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    at = page("ui/settings.py")
    at.radio(key="judge_mode").set_value("LLM judge (OpenAI-compatible server)")
    run(at)
    assert "from the environment (OPENAI_API_KEY)" in shown(at)
    at.text_input[0].input("http://127.0.0.1:9/v1")  # nothing listens on the discard port
    at.text_input[1].input("tiny-model")
    test_button = next(b for b in at.button if b.label == "Test connection")
    test_button.click()
    run(at)
    assert at.error, shown(at)
    assert "Traceback" not in shown(at)
    use = next(b for b in at.button if b.label == "Use this judge")
    use.click()
    run(at)
    llm = at.session_state["_llm"]
    assert (llm.base_url, llm.model, llm.api_key) == ("http://127.0.0.1:9/v1", "tiny-model", secret)
    everything = shown(at) + "".join(str(w.value) for w in at.text_input)
    assert secret not in everything


def test_reset_history_needs_a_confirmation(app_env: History, seed: Corpus) -> None:
    drift = seed.get(DRIFT)
    for _ in range(3):
        app_env.record(drift, "a", judged(drift, {0}), session_id="t")
    at = page("ui/settings.py")
    at.button(key="reset_ask").click()
    run(at)
    assert "Delete all 3 answers" in shown(at)
    at.button(key="reset_cancel").click()
    run(at)
    assert app_env.count() == 3
    at.button(key="reset_ask").click()
    run(at)
    at.button(key="reset_confirm").click()
    run(at)
    assert "History reset: 3 answers deleted." in shown(at)
    assert app_env.count() == 0


# --- Shared engine, banners, escaping -----------------------------------------------------


def test_two_browser_sessions_share_one_engine_and_keep_their_own_state(app_env: History) -> None:
    first, second = practice(), practice("seed-shadow-deployment")
    grade(first, STRONG)
    grade(
        second,
        "In a shadow deployment the new model gets a copy of live traffic and its predictions are "
        "only logged, never returned to users.",
        question_id="seed-shadow-deployment",
    )
    assert first.session_state["_session_id"] != second.session_state["_session_id"]
    assert {a.session_id for a in app_env.attempts()} == {
        first.session_state["_session_id"],
        second.session_state["_session_id"],
    }
    assert first.session_state["_practice"].question_id == DRIFT
    assert second.session_state["_practice"].question_id == "seed-shadow-deployment"


def test_an_unreachable_llm_judge_falls_back_visibly_and_the_attempt_is_saved(app_env: History) -> None:
    from simulator.config import LLMSettings

    secret = "sk-test-NEVER-ON-THE-PAGE-77"
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["q"] = DRIFT
    at.session_state["_llm"] = LLMSettings(base_url="http://127.0.0.1:9/v1", model="tiny", api_key=secret)
    run(at)
    grade(at, STRONG)
    text = shown(at)
    assert "LLM unavailable" in text and at.warning  # the badge and the banner
    assert secret not in text
    [attempt] = app_env.attempts()
    assert attempt.judgement.judge == "embedding" and attempt.judgement.fallback_reason
    assert secret not in attempt.judgement.model_dump_json()


def _fallback_page(judgement_json: str) -> None:
    from simulator.grading import Judgement
    from ui.judgement_view import score_header

    score_header(Judgement.model_validate_json(judgement_json))


def test_a_fallback_shows_a_banner_and_the_reason(seed: Corpus) -> None:
    j: Judgement = judged(seed.get(DRIFT), {0}).model_copy(update={"fallback_reason": "connection refused **bold**"})
    at = AppTest.from_function(_fallback_page, args=(j.model_dump_json(),), default_timeout=30)
    run(at)
    assert "connection refused" in unescaped(at.warning[0].value)
    assert "**bold**" not in at.warning[0].value
    assert any("LLM unavailable, embedding score shown" in unescaped(m.value) for m in at.markdown)


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://203.0.113.9/a.png)",
        "<script>alert(1)</script>",
        "[link](javascript:alert(1))",
        "https://203.0.113.9/x and www.example.com and a@b.com",
        ":red[colour] :material/home: $x^2$",
        "# heading\n- item\n1. item\n| a | b |",
        "back\\slash `code` **bold** _it_ ~~strike~~",
    ],
)
def test_md_escape_leaves_no_markup(text: str) -> None:
    from ui.text import md_escape

    out = md_escape(text)
    chars = iter(out)
    for ch in chars:
        if ch == "\\":
            next(chars)  # an escaped character is text
        else:
            assert not re.match(r"[!-/:-@\[-`{-~]", ch), (ch, out)  # any other mark would be markup
    plain = out.replace("\\", "")
    assert "://" not in plain and "www." not in plain and "a@" not in plain  # no autolinks
    assert unescaped(out).replace("  \n", "\n") == text


def test_a_broken_pack_is_named_on_the_page_and_try_again_picks_up_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    good = (ROOT / "corpus" / "mlops-seed.yaml").read_text()
    (corpus / "mlops-seed.yaml").write_text(good.replace("kind: concept", "kind: lecture", 1))
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    at = run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    [error] = at.error
    assert "mlops-seed.yaml" in unescaped(error.value) and "field kind" in unescaped(error.value)
    (corpus / "mlops-seed.yaml").write_text(good)
    at.button(key="retry_runtime").click()
    run(at)
    assert not at.error and at.subheader  # the question is back


# --- The LLM judge: saved choice, checks and advisory models on the page (issue 14) -------------


@pytest.fixture(autouse=True)
def no_saved_judge(app_dirs: tuple[Path, Path]) -> Iterator[None]:
    """The judge chosen on the Settings page is saved in SIM_HOME: every test here starts without one."""
    saved = app_dirs[0] / "judge.json"
    saved.unlink(missing_ok=True)
    yield
    saved.unlink(missing_ok=True)


def test_the_llm_judge_choice_survives_a_restart_and_its_key_is_never_saved(
    app_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = app_dirs
    secret = "sk-test-NEVER-ON-DISK-5150"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    at = page("ui/settings.py")
    at.radio(key="judge_mode").set_value("LLM judge (OpenAI-compatible server)")
    run(at)
    at.text_input[0].input("http://127.0.0.1:9/v1")
    at.text_input[1].input("tiny-model")
    next(b for b in at.button if b.label == "Use this judge").click()
    run(at)
    assert "also after a restart" in shown(at)
    again = page("ui/settings.py")  # a new session: a reload, or the app started again
    assert again.radio(key="judge_mode").value.startswith("LLM judge")
    llm = again.session_state["_llm"]
    assert (llm.base_url, llm.model, llm.api_key) == ("http://127.0.0.1:9/v1", "tiny-model", secret)
    assert "In use: tiny-model" in shown(again) and "Not tested yet" in shown(again)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert home / "judge.json" in files
    assert not [p for p in files if secret.encode() in p.read_bytes()]
    again.radio(key="judge_mode").set_value("Embedding judge (offline)")
    run(again)
    assert page("ui/settings.py").radio(key="judge_mode").value.startswith("Embedding judge")


def _judgement_page(judgement_json: str, question_json: str) -> None:
    from simulator.bank import Question
    from simulator.grading import Judgement
    from ui.judgement_view import score_header, show_judgement

    j = Judgement.model_validate_json(judgement_json)
    score_header(j)
    show_judgement(j, Question.model_validate_json(question_json), key="t")


def test_an_advisory_llm_reply_shows_its_opinion_and_why_the_evidence_score_stands(seed: Corpus) -> None:
    question = seed.get(DRIFT)
    j = judged(question, {0, 1}, score=6.5).model_copy(
        update={
            "judge": "llm",
            "model": "SmolLM2-135M-Instruct",
            "advisory": True,
            "llm_score": 1.0,
            "evidence_score": 6.5,
            "opinion": ["Mention PSI."],
            "llm_issues": ["The LLM's feedback repeated your answer; it is not shown."],
        }
    )
    at = AppTest.from_function(
        _judgement_page, args=(j.model_dump_json(), question.model_dump_json()), default_timeout=30
    )
    run(at)
    text = shown(at)
    assert "6.5 / 10" in at.metric[0].value
    assert "failed checks, so the embedding score is shown" in text and "repeated your answer" in text
    assert "SmolLM2-135M-Instruct's opinion (advisory" in text and "Mention PSI." in text
    assert "opinion (advisory)" in " ".join(unescaped(m.value) for m in at.markdown)  # the badge
