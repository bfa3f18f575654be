"""Practice: pick a question, answer it, see the judgement and its evidence, answer the follow-up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Unpack

import streamlit as st

from simulator import Question, SimulatorError
from simulator.history import Attempt, Mode, RecordOptions, score_change
from simulator.sessions import QuestionFilter, answer_question, rank_for_job, select, surprise
from ui import interviewer, voice
from ui.grading_wait import WithProgress
from ui.judgement_view import score_header, show_judgement
from ui.meter import answer_meter
from ui.navigation import TARGET
from ui.runtime import corpus, llm_settings, runtime, session_id, wait_ready, warm_up_last
from ui.text import md_escape
from ui.widgets import FILTER_LABELS, question_badges, question_filter, widget_key

STATE = "_practice"  # owned by this page, never by a widget
JOB_RESULTS = 15


@dataclass
class PracticeState:
    question_id: str
    mode: Mode = "practice"
    attempts: list[Attempt] = field(default_factory=list)
    follow_ups: dict[int, list[Attempt]] = field(default_factory=dict)
    retrying: bool = False
    round: int = 0
    shown_at: float = field(default_factory=time.time)
    ranked: list[tuple[str, float]] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)

    def answer_key(self) -> str:
        return widget_key("answer", self.question_id, self.round)


def open_question(question_id: str, mode: Mode = "practice") -> None:
    """Show another question (keeps the job-description ranking and the recent list)."""
    old: PracticeState | None = st.session_state.get(STATE)
    state = PracticeState(question_id, mode)
    if old is not None:
        state.ranked = old.ranked
        state.recent = [*old.recent, old.question_id][-20:]
    st.session_state[STATE] = state
    st.query_params["q"] = question_id


def _filters() -> QuestionFilter:
    bank = corpus()
    # A pack filter only when there is more than one pack to choose from.
    labels = {f: label for f, label in FILTER_LABELS.items() if f != "pack" or len(bank.packs) > 1}
    with st.sidebar:
        st.subheader("Choose a question")
        return question_filter(bank, "pf", labels=labels)


def _on_pick() -> None:
    picked = st.session_state.get("pick_question")
    state: PracticeState | None = st.session_state.get(STATE)
    if picked and (state is None or picked != state.question_id):
        open_question(str(picked))


def _chooser(flt: QuestionFilter, state: PracticeState) -> None:
    bank = corpus()
    matching = select(bank, flt)
    with st.sidebar:
        if st.button("Surprise me", icon=":material/casino:", width="stretch", key="surprise"):
            q = surprise(bank, flt, avoid={state.question_id, *state.recent})
            if q is None:
                st.warning("No question matches these filters.")
            else:
                open_question(q.id)
                st.rerun()
        ranked = [qid for qid, _ in state.ranked if qid in bank.pack_of]
        options = ranked or [q.id for q in matching]
        if state.question_id not in options:
            options = [state.question_id, *options]
        sims = dict(state.ranked)
        st.session_state["pick_question"] = state.question_id

        def label(qid: str) -> str:
            q = bank.get(qid)
            match = f"{sims[qid]:.0%} match · " if qid in sims else ""
            return f"{match}{bank.category_title(q.category)}: {q.prompt}"

        st.selectbox(
            f"Question ({len(options)} {'ranked for the job' if ranked else 'matching'})",
            options,
            format_func=label,
            key="pick_question",
            on_change=_on_pick,
        )
        with st.expander("Match a job description", expanded=bool(state.ranked)):
            text = st.text_area(
                "Paste a job description",
                key="job_description",
                height=160,
                placeholder="We are hiring an ML platform engineer to run Kubernetes, Kubeflow and drift monitoring…",
            )
            cols = st.columns(2)
            if cols[0].button("Rank questions", key="rank_job", type="primary"):
                if not (text or "").strip():
                    st.warning("Paste a job description first.")
                    return
                engine = wait_ready()
                hits = rank_for_job(engine.store, bank, text or "", flt, n=JOB_RESULTS)
                if hits:
                    state.ranked = [(r.question.id, r.similarity) for r in hits]
                    open_question(hits[0].question.id)
                    st.rerun()
                st.warning("No question matched: paste more of the description.")
            if state.ranked and cols[1].button("Clear", key="clear_job"):
                state.ranked = []
                st.rerun()


def _save(question: Question, key: str, text: str, **options: Unpack[RecordOptions]) -> Attempt | None:
    """Grade and record the answer typed (or spoken) into box `key`; None, with the error shown, if that fails."""
    engine = wait_ready()
    options["extra"] = voice.measure(key, text, question)
    try:
        # The wait for an LLM shows elapsed seconds and a Cancel that keeps the embedding score.
        return answer_question(WithProgress(engine), runtime().history, question, text, llm_settings(), **options)
    except SimulatorError as exc:
        st.error(md_escape(str(exc)))
        return None


def _grade(state: PracticeState, text: str) -> None:
    attempt = _save(
        corpus().get(state.question_id),
        state.answer_key(),
        text,
        session_id=session_id(),
        mode=state.mode,
        answer_seconds=round(time.time() - state.shown_at, 1),
    )
    if attempt is not None:
        state.attempts.append(attempt)
        state.retrying = False


def _answer_box(state: PracticeState, with_previous: bool) -> None:
    key = state.answer_key()
    box, side = st.columns([3, 2]) if with_previous else (st.container(), None)
    with box:
        voice.record(key, corpus().get(state.question_id))  # before the box: its transcript fills it
        text = st.text_area(
            "Your answer",
            key=key,
            height=220,
            max_chars=20_000,
            placeholder="Answer as you would out loud: define, explain why, give an example.",
            persist_state="session",  # a visit to another page keeps the draft
        )
        answer_meter(key)
        if st.button("Grade my answer", type="primary", key=widget_key("grade", key)):
            _grade(state, text or "")
            st.rerun()
    if side is not None:
        with side:
            last = state.attempts[-1]
            st.markdown(f"**Attempt {len(state.attempts)}: {last.score:.1f} / 10 ({last.judgement.band})**")
            st.caption(md_escape(_judge_name(last)))
            with st.container(border=True, height=260):
                st.markdown(md_escape(last.answer))
            hits = sum(k.hit for k in last.judgement.key_points)
            st.caption(f"Covered {hits} of {len(last.judgement.key_points)} key points.")
            # What the retry needs: the points still missing and the model answer, folded away.
            with st.expander("Your last feedback"):
                show_judgement(last.judgement, corpus().get(state.question_id), key=f"retry-{last.id}")


def _comparison(state: PracticeState) -> None:
    """Earlier attempts beside the latest: scores, who graded each, and what each covered."""
    shown = state.attempts[-4:]
    cols = st.columns(len(shown))
    first = len(state.attempts) - len(shown) + 1
    for i, (col, attempt) in enumerate(zip(cols, shown)):
        delta = score_change(state.attempts[: first + i])
        with col, st.container(border=True):
            st.metric(f"Attempt {first + i}", f"{attempt.score:.1f}", delta=None if delta is None else f"{delta:+.1f}")
            hits = sum(k.hit for k in attempt.judgement.key_points)
            st.caption(
                md_escape(
                    f"{attempt.judgement.band} · {hits}/{len(attempt.judgement.key_points)} key points · "
                    f"{_judge_name(attempt)}"
                )
            )
            with st.popover("Answer"):
                st.markdown(md_escape(attempt.answer))


def _judge_name(attempt: Attempt) -> str:
    """Who graded an attempt, in a few words."""
    j = attempt.judgement
    return f"LLM judge ({j.model})" if j.judge == "llm" else "embedding judge"


def _follow_up(state: PracticeState, attempt: Attempt) -> None:
    j = attempt.judgement
    if not j.follow_up:
        return
    if j.follow_up_point is None:
        st.markdown("**To go further**")
        st.info(md_escape(j.follow_up), icon=":material/forum:")
        st.caption("An open question to think about: the bank has no reference answer for it, so it is not graded.")
        return
    st.markdown("**Follow-up question**")
    st.info(md_escape(j.follow_up), icon=":material/forum:")
    done = state.follow_ups.get(attempt.id, [])
    for n in range(1, len(done) + 1):
        _follow_up_result(attempt, done[:n])
    question = corpus().get(state.question_id)
    key = widget_key("follow-up", attempt.id, len(done))
    voice.record(key, question, prompt=j.follow_up)  # before the box: its transcript fills it
    text = st.text_area("Your answer to the follow-up", key=key, height=120)
    answer_meter(key)
    if st.button("Answer the follow-up", key=widget_key("grade", key)):
        # Graded on what it asks: the point, against the sentence of the model answer that makes it.
        asked = wait_ready().point_question(question, j.follow_up_point)
        answered = _save(
            asked,
            key,
            text or "",
            session_id=session_id(),
            mode="follow-up",
            prompt=j.follow_up,
            parent_id=attempt.id,
        )
        if answered is not None:
            state.follow_ups.setdefault(attempt.id, []).append(answered)
            st.rerun()


def _follow_up_result(attempt: Attempt, answers: list[Attempt]) -> None:
    """The last of `answers` to the follow-up on `attempt`: the point earned (and by which
    sentence) or still missing and why, and the coverage of the question with the answers so far."""
    fa = answers[-1]
    j = fa.judgement
    point = attempt.judgement.follow_up_point
    with st.container(border=True):
        st.markdown(md_escape(f"Follow-up answer {len(answers)}: {fa.score:.1f} / 10 ({j.band})"))
        st.caption(md_escape(_judge_name(fa)))
        earned = [k for k in j.key_points if k.hit]
        if not j.valid:
            st.caption(md_escape(f"Not graded: {j.reason}"))
        elif earned:
            by = "By the sentence" if earned[0].evidence_index is not None else "By your answer as a whole"
            st.markdown(md_escape(f"Earned the point: “{point}”"))
            st.caption(md_escape(f"{by} “{earned[0].evidence}”"))
        else:
            st.markdown(md_escape(f"Still missing: “{point}”"))
            for note in j.feedback:
                if not note.startswith("Covered "):  # "Covered 0 of 1 key points" says it again
                    st.caption(md_escape(note))
        before = _hit_texts(attempt)
        now = before | {k.text for a in answers for k in a.judgement.key_points if k.hit}
        total = len(attempt.judgement.key_points)
        if now != before:
            st.caption(f"The question's key points covered: now {len(now)} of {total} (were {len(before)}).")
        voice.show_delivery(fa.id)


def _hit_texts(attempt: Attempt) -> set[str]:
    return {k.text for k in attempt.judgement.key_points if k.hit}


def _try_again(state: PracticeState) -> None:
    state.round += 1
    state.retrying = True
    state.shown_at = time.time()
    st.session_state[state.answer_key()] = state.attempts[-1].answer  # start from the last answer


def main() -> None:
    bank = corpus()
    target = st.session_state.pop(TARGET, None)
    asked = st.query_params.get("q")
    state: PracticeState | None = st.session_state.get(STATE)
    if target:
        open_question(*target)
    elif asked and asked in bank.pack_of and (state is None or state.question_id != asked):
        open_question(asked)
    elif state is None or state.question_id not in bank.pack_of:
        first = surprise(bank)
        if first is None:
            st.error("The question bank is empty: add a pack on the Question bank page.")
            return
        open_question(first.id)
    state = st.session_state[STATE]
    question = bank.get(state.question_id)

    flt = _filters()
    _chooser(flt, state)
    with st.sidebar:
        voice.keep_option()  # here once, whether the recorder is at the answer or the follow-up

    st.caption("Practice" + (" · review from your queue" if state.mode == "review" else ""))
    st.subheader(md_escape(question.prompt))
    interviewer.speak(question.prompt, widget_key("ask", state.question_id), transcript=False)  # the heading says it
    question_badges(question, bank)

    if not state.attempts or state.retrying:
        _answer_box(state, with_previous=bool(state.attempts))
    if state.attempts and not state.retrying:
        latest = state.attempts[-1]
        if len(state.attempts) > 1:
            _comparison(state)
        score_header(latest.judgement, score_change(state.attempts))
        voice.show_delivery(latest.id)
        show_judgement(latest.judgement, question, key=str(latest.id))
        _follow_up(state, latest)
        cols = st.columns([1, 1, 4])
        if cols[0].button("Try again", icon=":material/replay:", key="try_again"):
            _try_again(state)
            st.rerun()
        if cols[1].button("Next question", icon=":material/skip_next:", key="next_question"):
            q = surprise(bank, flt, avoid={state.question_id, *state.recent})
            if q is not None:
                open_question(q.id)
                st.rerun()

    warm_up_last()


main()
