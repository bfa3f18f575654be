"""Mock interview: timed questions, no feedback until the end, then the report."""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st

from simulator import Corpus, SimulatorError
from simulator.sessions import MockInterview, MockReport, format_duration, report_html, start_mock
from simulator.sessions.report import verdict
from ui import voice
from ui.grading_wait import WithProgress
from ui.judgement_view import BAND_COLORS, BAND_HEX, score_header, show_judgement
from ui.meter import answer_meter
from ui.runtime import corpus, llm_settings, runtime, wait_ready, warm_up_last
from ui.text import md_escape
from ui.widgets import question_badges, question_filter, widget_key

MOCK = "_mock"  # the running interview, owned by this page
ERROR = "_mock_error"
TIME_CHOICES = [30, 60, 90, 120, 180, 240, 300, 420, 600]
FILTER_LABELS = {"category": "Categories (any if empty)", "difficulty": "Difficulty (any if empty)"}
# When the browser's countdown did not submit (a sleeping tab, scripts blocked), the next page
# run does, once the deadline is this far behind: the browser's own submission wins a close race.
SERVER_GRACE_S = 3.0


def _answer_key(interview: MockInterview) -> str:
    return widget_key("mock-answer", interview.id, interview.index)


def _submit(interview_id: str, index: int, text: str | None, timed_out: bool | None = None) -> None:
    """Grade and save the current answer, unless it was already submitted (double click, race)."""
    interview: MockInterview | None = st.session_state.get(MOCK)
    if interview is None or interview.id != interview_id or interview.index != index or interview.finished:
        return
    rt = runtime()
    slot = interview.current
    key = widget_key("mock-answer", interview_id, index)
    extra = voice.measure(key, text or "", rt.engine.corpus.get(slot.question_id)) if slot else None
    try:
        engine = WithProgress(rt.engine)  # the wait for an LLM shows elapsed seconds and a Cancel
        interview.submit(
            engine, rt.history, rt.engine.corpus, text or "", llm_settings(), timed_out=timed_out, extra=extra
        )
    except SimulatorError as exc:
        st.session_state[ERROR] = str(exc)


def _on_submit(interview_id: str, index: int, answer_key: str) -> None:
    _submit(interview_id, index, st.session_state.get(answer_key))


def _on_expired(interview_id: str, index: int, clock_key: str) -> None:
    """The countdown reached zero in the browser: it sends the answer as it stands in the box."""
    result = st.session_state.get(clock_key)
    _submit(interview_id, index, getattr(result, "expired", None), timed_out=True)


def _on_stop(interview_id: str) -> None:
    interview: MockInterview | None = st.session_state.get(MOCK)
    if interview is not None and interview.id == interview_id:
        interview.stop()


def setup() -> None:
    bank = corpus()
    st.title("Mock interview")
    st.markdown(
        "A timed run of questions mixing concepts and scenarios, as in a real interview. "
        "Scores and feedback come at the end; every answer is saved as soon as you submit it. "
        "When the time for a question runs out, your answer is submitted as it stands."
    )
    with st.form("mock_setup"):
        left, right = st.columns(2)
        n = left.number_input("Number of questions", min_value=1, max_value=15, value=5, step=1, key="mock_n")
        seconds = right.select_slider(
            "Time per question", options=TIME_CHOICES, value=180, format_func=format_duration, key="mock_seconds"
        )
        flt = question_filter(bank, "mock", places=(left, right), labels=FILTER_LABELS)
        start = st.form_submit_button("Start the interview", type="primary")
    if start:
        wait_ready()  # the model loads before the first clock starts, not during it
        interview = start_mock(bank, int(n), int(seconds), flt)
        if not interview.slots:
            st.warning("No question matches these filters: widen them.")
            return
        st.session_state[MOCK] = interview
        st.session_state.pop(ERROR, None)
        st.rerun()


def running(interview: MockInterview) -> None:
    bank = corpus()
    now = time.time()
    slot = interview.start_current(now)
    assert slot is not None and slot.started_at is not None
    answer_key = _answer_key(interview)
    if now - slot.started_at > interview.seconds_per_question + SERVER_GRACE_S:
        _submit(interview.id, interview.index, st.session_state.get(answer_key), timed_out=True)
        st.rerun()

    question = bank.get(slot.question_id)
    total = len(interview.slots)
    st.progress(interview.index / total, text=f"Question {interview.index + 1} of {total}")
    if error := st.session_state.pop(ERROR, None):
        st.error(md_escape(error))
    st.subheader(md_escape(question.prompt))
    question_badges(question, bank)
    voice.keep_option()
    voice.record(answer_key, question)  # before the box: its transcript fills it
    st.text_area(
        "Your answer",
        key=answer_key,
        height=260,
        max_chars=20_000,
        placeholder="Answer as you would out loud. The answer is submitted as it stands when the time is up.",
        persist_state="session",  # a visit to another page keeps the draft
    )
    clock_key = widget_key("mock-clock", interview.id, interview.index)
    answer_meter(
        answer_key,
        key=clock_key,
        remaining_s=interview.remaining(now),
        on_expired=_on_expired,
        args=(interview.id, interview.index, clock_key),
    )
    cols = st.columns([1, 1, 3])
    last = interview.index == total - 1
    cols[0].button(
        "Finish" if last else "Submit answer",
        type="primary",
        key=widget_key("mock-submit", interview.id, interview.index),
        on_click=_on_submit,
        args=(interview.id, interview.index, answer_key),
    )
    cols[1].button("End interview", key="mock-stop", on_click=_on_stop, args=(interview.id,))
    st.caption(f"{format_duration(interview.seconds_per_question)} per question · no feedback until the end")


def chart_data(report: MockReport) -> pd.DataFrame:
    """One row per question for the report's chart: its bar, band, category title and the word above it."""
    return pd.DataFrame(
        [
            {
                "question": f"Q{r.number}",
                "score": r.score,
                "band": r.band,
                # A 0 draws no bar: the word above it says why.
                "label": f"{r.score:.1f}" if r.valid else ("not reached" if not r.answered else "not graded"),
                "category": r.category_title,
                "prompt": r.prompt,
            }
            for r in report.rows
        ]
    )


def legend_bands(data: pd.DataFrame) -> list[str]:
    """The bands in the legend: only those with a bar drawn (a 0 draws none)."""
    drawn = set(data.loc[data["score"] > 0, "band"])
    return [b for b in BAND_COLORS if b in drawn]


def _chart(report: MockReport) -> alt.LayerChart:
    data = chart_data(report)
    bands = legend_bands(data)
    base = alt.Chart(data).encode(
        # The questions in order: the bars' layer alone would list the drawn ones first.
        x=alt.X("question:N", scale=alt.Scale(domain=list(data["question"])), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 10]), title="score"),
        tooltip=["question", "prompt", "category", "score", "band"],
    )
    bars = base.transform_filter(alt.datum.score > 0).mark_bar()
    bars = bars.encode(color=alt.Color("band:N", scale=alt.Scale(domain=bands, range=[BAND_HEX[b] for b in bands])))
    labels = base.mark_text(baseline="bottom", dy=-3).encode(text="label:N")
    return (bars + labels).properties(height=260)


def _question_by_question(interview: MockInterview, report: MockReport, bank: Corpus) -> None:
    """One tab per question: the judgement as on the Practice page, or the model answer if not reached."""
    st.subheader("Question by question")
    tabs = st.tabs([f"Q{r.number} · {r.score:.1f}" for r in report.rows])
    for tab, row, slot in zip(tabs, report.rows, interview.slots):
        with tab:
            st.markdown(f"**{md_escape(row.prompt)}**")
            if slot.judgement is None:
                st.caption("Not reached.")
                with st.expander("Model answer"):
                    st.markdown(md_escape(row.reference_answer))
                continue
            if slot.timed_out:
                st.caption("Time ran out: this answer was submitted as it stood.")
            judgement = slot.judgement
            if judgement.reason:  # the verdict only: a report comes after the interview, too late to retry
                judgement = judgement.model_copy(update={"reason": verdict(judgement.reason)})
            score_header(judgement)
            voice.show_delivery(slot.attempt_id)
            show_judgement(judgement, bank.get(row.question_id), key=f"mock-{slot.attempt_id}")
            if slot.judgement.follow_up:
                st.info(md_escape(f"Follow-up to prepare: {slot.judgement.follow_up}"), icon=":material/forum:")


def report_view(interview: MockInterview) -> None:
    bank = corpus()
    report = interview.report(bank)
    st.title("Mock interview report")
    used = sum(r.seconds_used or 0 for r in report.rows)
    cols = st.columns(3)
    cols[0].metric("Overall", f"{report.overall:.1f} / 10")
    cols[1].metric("Answered", f"{report.answered} of {len(report.rows)}")
    cols[2].metric("Time used", format_duration(used))
    parts = [
        f"Strongest category: **{md_escape(report.strongest.title)}** ({report.strongest.score:.1f})"
        if report.strongest
        else "No strong category yet"
    ]
    if report.weakest:
        parts.append(f"weakest: **{md_escape(report.weakest.title)}** ({report.weakest.score:.1f})")
    st.markdown(" · ".join(parts))
    st.altair_chart(_chart(report), width="stretch")
    st.dataframe(
        [
            {
                "#": r.number,
                "question": r.prompt,
                "category": r.category_title,
                "kind": r.kind,
                "score": r.score,
                "band": r.band,
                "time": (format_duration(r.seconds_used) if r.seconds_used is not None else "not reached")
                + (" (time ran out)" if r.timed_out else ""),
                "key points": f"{r.key_points_hit}/{r.key_points_total}",
            }
            for r in report.rows
        ],
        hide_index=True,
        key="mock_report_table",
    )
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(report.created_at))
    downloads = st.columns([1, 1, 1, 2])
    downloads[0].download_button(
        "Report (Markdown)", report.to_markdown(), f"mock-interview-{stamp}.md", "text/markdown", key="dl_md"
    )
    downloads[1].download_button(
        "Attempts (JSON)", report.to_json(), f"mock-interview-{stamp}.json", "application/json", key="dl_json"
    )
    downloads[2].download_button(
        "Attempts (CSV)", report.to_csv(), f"mock-interview-{stamp}.csv", "text/csv", key="dl_csv"
    )
    downloads[3].download_button(
        "Report to share (HTML)",
        report_html(report, [slot.judgement for slot in interview.slots]),
        f"mock-interview-{stamp}.html",
        "text/html",
        key="dl_html",
    )
    _question_by_question(interview, report, bank)
    if st.button("Start a new interview", type="primary", key="mock_new"):
        st.session_state.pop(MOCK, None)
        st.rerun()


def main() -> None:
    interview: MockInterview | None = st.session_state.get(MOCK)
    if interview is None:
        setup()
    elif interview.finished:
        report_view(interview)
    else:
        running(interview)
    warm_up_last()


main()
