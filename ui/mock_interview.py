"""Mock interview: timed questions, each with the interviewer's follow-ups, no feedback until the end,
then the report."""

from __future__ import annotations

import time

import streamlit as st

from simulator import Corpus, SimulatorError
from simulator.bank import PointQuestion, Question
from simulator.embeddings import Embedder
from simulator.sessions import MockInterview, MockReport, format_duration, report_html, start_mock
from simulator.sessions.mock import MockSlot
from simulator.sessions.report import ReportRow, verdict
from ui import interviewer, mock_prefs, voice
from ui.grading_wait import WithProgress
from ui.judgement_view import score_header, show_judgement
from ui.meter import answer_meter
from ui.mock_chart import score_chart
from ui.navigation import PLAN_QUESTION_IDS
from ui.runtime import corpus, llm_settings, runtime, wait_ready, warm_up_last
from ui.text import md_escape
from ui.widgets import question_badges, question_filter, widget_key

MOCK = "_mock"  # the running interview, owned by this page
ERROR = "_mock_error"
EDIT_SPOKEN = "_mock_edit_spoken"  # True: a transcript waits in the box to be edited; else it is submitted
PLAN = PLAN_QUESTION_IDS  # the job plan page's questions (list of ids), offered here
TIME_CHOICES = [30, 60, 90, 120, 180, 240, 300, 420, 600]
FILTER_LABELS = {"category": "Categories (any if empty)", "difficulty": "Difficulty (any if empty)"}
# When the browser's countdown did not submit (a sleeping tab, scripts blocked), the next page
# run does, once the deadline is this far behind: the browser's own submission wins a close race.
SERVER_GRACE_S = 3.0


class _Interviewer(WithProgress):
    """The engine with each grade's wait shown; a follow-up also needs its point question and the embedder."""

    def point_question(self, question: Question, point: str) -> PointQuestion:
        return self.engine.point_question(question, point)

    @property
    def embedder(self) -> Embedder:
        return self.engine.embedder


def _stage(interview: MockInterview) -> int:
    """0 while the question's answer is awaited, k while its k-th follow-up's is."""
    slot = interview.current
    return len(slot.follow_ups) if slot is not None and slot.asking is not None else 0


def _key(name: str, interview_id: str, index: int, stage: int) -> str:
    """A widget's key for one turn: the question's keys are as before follow-ups existed."""
    return widget_key(name, interview_id, index, *((stage,) if stage else ()))


def _answer_key(interview: MockInterview) -> str:
    return _key("mock-answer", interview.id, interview.index, _stage(interview))


def _submit(interview_id: str, index: int, stage: int, text: str | None, timed_out: bool | None = None) -> None:
    """Grade and save the current answer (the question's or a follow-up's), unless it was already
    submitted (double click, race)."""
    interview: MockInterview | None = st.session_state.get(MOCK)
    if interview is None or interview.id != interview_id or interview.index != index or interview.finished:
        return
    if _stage(interview) != stage:
        return
    rt = runtime()
    slot = interview.current
    key = _key("mock-answer", interview_id, index, stage)
    extra = voice.measure(key, text or "", rt.engine.corpus.get(slot.question_id)) if slot else None
    try:
        engine = _Interviewer(rt.engine)  # the wait for an LLM shows elapsed seconds and a Cancel
        interview.submit(
            engine, rt.history, rt.engine.corpus, text or "", llm_settings(), timed_out=timed_out, extra=extra
        )
    except SimulatorError as exc:
        st.session_state[ERROR] = str(exc)


def _on_submit(interview_id: str, index: int, stage: int, answer_key: str) -> None:
    _submit(interview_id, index, stage, st.session_state.get(answer_key))


def _on_expired(interview_id: str, index: int, stage: int, clock_key: str) -> None:
    """The countdown reached zero in the browser: it sends the answer as it stands in the box."""
    result = st.session_state.get(clock_key)
    _submit(interview_id, index, stage, getattr(result, "expired", None), timed_out=True)


def _on_stop(interview_id: str) -> None:
    interview: MockInterview | None = st.session_state.get(MOCK)
    if interview is not None and interview.id == interview_id:
        interview.stop()


def _plan_ids(bank: Corpus) -> list[str]:
    """The job plan's questions that are in the bank, in its order (none without a plan)."""
    ids = st.session_state.get(PLAN) or []
    return [q for q in dict.fromkeys(ids) if isinstance(q, str) and q in bank.pack_of]


def setup() -> None:
    bank = corpus()
    st.title("Mock interview")
    st.markdown(
        "A timed run of questions mixing concepts and scenarios, as in a real interview. After each answer the "
        "interviewer may ask a follow-up on a must-have point you missed; the question and its follow-ups share "
        "its time. Scores and feedback come at the end; every answer is saved as soon as you submit it. "
        "When the time for a question runs out, your answer is submitted as it stands."
    )
    planned = _plan_ids(bank)
    interviewer.read_aloud_toggle("mock_read_aloud")
    with st.form("mock_setup"):
        use_plan = False
        if planned:
            use_plan = st.checkbox(
                f"From your job plan: {len(planned)} question{'s' if len(planned) != 1 else ''}",
                value=True,
                key="mock_use_plan",
                help="The questions your job plan chose, in its order (adaptive difficulty does not reorder them); "
                "untick to choose by the filters below.",
            )
        left, right = st.columns(2)
        n = left.number_input("Number of questions", min_value=1, max_value=15, value=5, step=1, key="mock_n")
        seconds = right.select_slider(
            "Time per question", options=TIME_CHOICES, value=180, format_func=format_duration, key="mock_seconds"
        )
        follow_ups = left.number_input(
            "Follow-ups per question",
            min_value=0,
            max_value=mock_prefs.MAX_FOLLOW_UPS,
            value=mock_prefs.follow_ups(),
            step=1,
            key="mock_follow_ups",
            help="Asked only about missed must-have points; the default is set in Settings.",
        )
        adaptive = right.toggle(
            "Adaptive difficulty",
            key="mock_adaptive",
            help="Starts at medium; the next question is harder after a good answer, easier after a weak one, "
            "within the chosen categories (the difficulty filter is then ignored).",
        )
        flt = question_filter(bank, "mock", places=(left, right), labels=FILTER_LABELS)
        edit_spoken = st.checkbox(
            "Let me edit a spoken answer before it is submitted",
            key="mock_edit_spoken",
            help="Otherwise a spoken answer is submitted when you stop recording, as in a real interview.",
        )
        start = st.form_submit_button("Start the interview", type="primary")
    if start:
        st.session_state[EDIT_SPOKEN] = edit_spoken
        wait_ready()  # the model loads before the first clock starts, not during it
        if use_plan:
            interview = start_mock(bank, len(planned), int(seconds), follow_ups=int(follow_ups), question_ids=planned)
        else:
            interview = start_mock(bank, int(n), int(seconds), flt, follow_ups=int(follow_ups), adaptive=adaptive)
        if not interview.slots:
            st.warning("No question matches these filters: widen them.")
            return
        st.session_state[MOCK] = interview
        st.session_state.pop(ERROR, None)
        interviewer.prepare([bank.get(slot.question_id).prompt for slot in interview.slots])  # voiced ahead
        st.rerun()


def running(interview: MockInterview) -> None:
    bank = corpus()
    now = time.time()
    slot = interview.start_current(now)
    assert slot is not None and slot.started_at is not None
    stage = _stage(interview)
    answer_key = _answer_key(interview)
    if now - slot.started_at > interview.seconds_per_question + SERVER_GRACE_S:
        _submit(interview.id, interview.index, stage, st.session_state.get(answer_key), timed_out=True)
        st.rerun()

    question = bank.get(slot.question_id)
    total = len(interview.slots)
    st.progress(interview.index / total, text=f"Question {interview.index + 1} of {total}")
    if error := st.session_state.pop(ERROR, None):
        st.error(md_escape(error))
    st.subheader(md_escape(question.prompt))
    question_badges(question, bank)
    voice.keep_option()
    asked = slot.asking
    if asked is None:
        interviewer.speak(question.prompt, widget_key("mock-ask", interview.id, interview.index), transcript=False)
        label, placeholder = (
            "Your answer",
            "Answer as you would out loud. It is submitted as it stands when the time is up.",
        )
    else:
        st.markdown(f"**Follow-up {stage}**")
        st.info(md_escape(asked.prompt), icon=":material/forum:")
        if asked.written_by or asked.note:
            st.caption(md_escape(f"Worded by the LLM ({asked.written_by})." if asked.written_by else asked.note or ""))
        interviewer.speak(asked.prompt, _key("mock-ask", interview.id, interview.index, stage), transcript=False)
        label, placeholder = "Your answer to the follow-up", "The follow-up shares the question's remaining time."
    edit = bool(st.session_state.get(EDIT_SPOKEN))
    hint = None if edit else "submitting it"
    # Before the box: its transcript fills it. Stopping a recording submits the answer, unless asked not to.
    if voice.record(answer_key, question, prompt=asked.prompt if asked else None, hint=hint) and not edit:
        _submit(interview.id, interview.index, stage, st.session_state.get(answer_key))
        st.rerun()
    st.text_area(
        label,
        key=answer_key,
        height=260 if asked is None else 160,
        max_chars=20_000,
        placeholder=placeholder,
        persist_state="session",  # a visit to another page keeps the draft
    )
    clock_key = _key("mock-clock", interview.id, interview.index, stage)
    answer_meter(
        answer_key,
        key=clock_key,
        remaining_s=interview.remaining(now),
        on_expired=_on_expired,
        args=(interview.id, interview.index, stage, clock_key),
    )
    cols = st.columns([1, 1, 3])
    last = interview.index == total - 1
    cols[0].button(
        "Answer the follow-up" if asked else ("Finish" if last and not interview.follow_ups else "Submit answer"),
        type="primary",
        key=_key("mock-submit", interview.id, interview.index, stage),
        on_click=_on_submit,
        args=(interview.id, interview.index, stage, answer_key),
    )
    cols[1].button("End interview", key="mock-stop", on_click=_on_stop, args=(interview.id,))
    said = f"up to {interview.follow_ups} follow-up{'s' if interview.follow_ups != 1 else ''}"
    mode = " · adaptive difficulty" if interview.adaptive else ""
    st.caption(
        f"{format_duration(interview.seconds_per_question)} per question, its follow-ups included ({said})"
        f"{mode} · no feedback until the end"
    )


def _question_by_question(interview: MockInterview, report: MockReport, bank: Corpus) -> None:
    """One tab per question: the judgement as on the Practice page, then its follow-ups; or the model
    answer if not reached."""
    st.subheader("Question by question")
    tabs = st.tabs([f"Q{r.number} · {r.thread_score:.1f}" for r in report.rows])
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
            if row.follow_ups:
                _thread(row, slot)
            elif slot.judgement.follow_up:
                st.info(md_escape(f"Follow-up to prepare: {slot.judgement.follow_up}"), icon=":material/forum:")


def _thread(row: ReportRow, slot: MockSlot) -> None:
    """The follow-ups the interviewer asked, each with its answer and grade, and the thread's score."""
    for turn, asked in zip(row.follow_ups, slot.follow_ups):
        with st.container(border=True, key=widget_key("mock-turn", slot.attempt_id, turn.number)):
            st.markdown(md_escape(f"Follow-up {turn.number}: {turn.prompt}"))
            if turn.written_by:
                st.caption(md_escape(f"Worded by the LLM ({turn.written_by})."))
            st.markdown(md_escape(turn.answer) if turn.answer.strip() else "_(no answer)_")
            result = f"earned the point “{turn.point}”" if turn.earned else f"still missing “{turn.point}”"
            late = " · time ran out" if turn.timed_out else ""
            st.caption(md_escape(f"{turn.score:.1f} / 10 ({turn.band}): {result}{late}"))
            if turn.reason:
                st.caption(md_escape(f"Not graded: {verdict(turn.reason)}"))
            voice.show_delivery(asked.attempt_id)
    st.markdown(
        f"**Thread score: {row.thread_score:.1f} / 10** "
        f"(answer {row.score:.1f}, raised by the follow-ups that earned a missed point)"
    )


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
    if report.adaptive:
        st.markdown(md_escape(f"Difficulty path (adaptive): {report.difficulty_path or 'no answer'}"))
    st.altair_chart(score_chart(report), width="stretch")
    st.dataframe(
        [
            {
                "#": r.number,
                "question": r.prompt,
                "category": r.category_title,
                "kind": r.kind,
                "score": r.score,
                "follow-ups": f"{sum(t.earned for t in r.follow_ups)}/{len(r.follow_ups)} earned"
                if r.follow_ups
                else "",
                "thread": r.thread_score,
                "band": r.band,
                "difficulty": r.difficulty,
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
