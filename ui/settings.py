"""Settings: which judge grades, where the data lives, and resetting the history."""

from __future__ import annotations

import streamlit as st

from simulator import Settings
from simulator.config import LLMSettings, load_judge
from simulator.grading.llm_checks import LADDER, load_qualification
from ui import interviewer, mock_prefs
from ui.auth import runs_the_server
from ui.runtime import corpus, llm_settings, runtime, secret, use_llm, wait_ready
from ui.text import md_escape, plural

EMBEDDING = "Embedding judge (offline)"
LLM = "LLM judge (OpenAI-compatible server)"
CONFIRM = "_confirm_reset"


def _defaults() -> LLMSettings:
    """The LLM judge st.secrets set up, else the environment's (`Settings.llm` resolves which wins)."""
    return Settings().llm(
        base_url=secret("OPENAI_BASE_URL"), model=secret("SIM_LLM_MODEL"), api_key=secret("OPENAI_API_KEY")
    )


def _key_source() -> str:
    """Where the API key comes from; the key itself is never shown or stored."""
    if secret("OPENAI_API_KEY"):
        return "from st.secrets (OPENAI_API_KEY)"
    if Settings().api_key:
        return "from the environment (OPENAI_API_KEY)"
    return "none set: fine for a local server; otherwise set OPENAI_API_KEY or add it to st.secrets"


def _test_connection(llm: LLMSettings) -> None:
    """One tiny request, then the qualification ladder graded by the model; says what happened."""
    engine = wait_ready()
    failed = None
    with st.status(f"Testing {llm.model}: one short request, then {len(LADDER)} test answers to grade…") as status:
        bar = st.progress(0.0, text="Connecting…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Graded {done} of {total} test answers")

        try:
            message, result = engine.test_connection(llm, progress)
        except Exception as exc:  # the judge's errors are sentences; anything else is shown as one
            failed = str(exc) or type(exc).__name__
        status.update(label="Test failed" if failed else "Test done", state="error" if failed else "complete")
    if failed:
        st.error(md_escape(failed))
        return
    st.success(md_escape(message))
    (st.success if result.passed else st.warning)(md_escape(result.verdict()))


def _qualification(llm: LLMSettings) -> None:
    """The judge's recorded qualification, or how to get one."""
    result = load_qualification(runtime().engine.settings.home, llm)
    if result is None:
        st.info(
            "Not tested yet: Test connection also has the model grade a few test answers. One that cannot rank "
            "them or obeys an answer asking for full marks becomes advisory: its feedback is shown as its "
            "opinion and the score is the embedding evidence's.",
            icon=":material/science:",
        )
    elif not result.passed:
        st.warning(md_escape(result.verdict()))
    else:
        st.caption(md_escape(result.verdict()))


def _model_warning(model: str | None) -> str | None:
    """The LLM judge's own warning about a model known to grade poorly, if it has one."""
    from simulator.grading.llm import model_warning  # here: importing openai takes a while

    return model_warning(model)


def _stored_or(defaults: LLMSettings) -> LLMSettings | None:
    stored = load_judge(Settings().home)
    llm = Settings().llm(*stored, api_key=defaults.api_key) if stored else defaults
    return llm if llm.configured else None


def _server_judge(llm: LLMSettings | None) -> None:
    """A candidate on a team server: the server's LLM judge, on or off; its address is the coaches' to set."""
    if llm is None:
        st.info("This server has no LLM judge set up: your coach can add one. The embedding judge grades meanwhile.")
        return
    if llm_settings() != llm:
        use_llm(llm)
    st.caption(md_escape(f"In use for this session: {llm.model}, the server's LLM judge (set up by your coach)."))


def judge_section() -> None:
    st.subheader("Judge")
    current = llm_settings()
    mode = st.radio(
        "Who grades your answers",
        [EMBEDDING, LLM],
        index=1 if current is not None else 0,
        key="judge_mode",
        captions=[
            "Sentence embeddings on this machine; nothing leaves it.",
            "Rubric feedback from a chat model; the score stays bounded by the embedding evidence.",
        ],
    )
    if mode == EMBEDDING:
        if current is not None:
            use_llm(None)
            st.rerun()
        st.caption("Grading is offline: no request leaves this machine.")
        return
    defaults = _defaults()
    shown = current or defaults
    if not runs_the_server():
        _server_judge(current or _stored_or(defaults))
        return
    with st.form("llm_form"):
        base_url = st.text_input("Base URL", value=shown.base_url or "", placeholder="http://127.0.0.1:8088/v1")
        model = st.text_input("Model", value=shown.model or "", placeholder="gpt-4o-mini, llama3.1:8b, …")
        st.caption(md_escape(f"API key: {_key_source()}."))
        cols = st.columns(2)
        save = cols[0].form_submit_button("Use this judge", type="primary")
        test = cols[1].form_submit_button("Test connection")
    if save or test:
        llm = Settings().llm(base_url=base_url.strip() or None, model=model.strip() or None, api_key=defaults.api_key)
        if not llm.configured:
            st.error("Set both a base URL and a model.")
            return
        if save:
            use_llm(llm)
            st.success(
                md_escape(
                    f"Answers are now graded by {llm.model}, also after a restart (the key is not saved); "
                    "the embedding judge is the fallback."
                )
            )
        if test:
            _test_connection(llm)
    elif current is not None:
        st.caption(md_escape(f"In use: {current.model} at {current.base_url}."))
    chosen = llm_settings()
    if chosen is not None:
        if not test:
            _qualification(chosen)
        if warning := _model_warning(chosen.model):
            st.warning(md_escape(warning))


def data_section() -> None:
    st.subheader("Data")
    rt = runtime()
    if not runs_the_server():
        st.caption(f"{plural(rt.history.count(), 'answer')} in your history, visible to you and your coaches.")
        return
    s = rt.engine.settings
    bank = corpus()
    st.markdown("Everything the app writes lives in the data directory (`SIM_HOME`):")
    st.code(str(s.home.resolve()), language=None)
    rows = [
        {"what": "History", "where": rt.store.location},
        {"what": "Reference store (Chroma)", "where": s.chroma_url or str(s.chroma_dir.resolve())},
        {"what": "Question packs", "where": str(s.corpus_dir.resolve())},
    ]
    st.dataframe(rows, hide_index=True, key="data_table")
    st.caption(
        f"{plural(len(bank.questions), 'question')} in {plural(len(bank.packs), 'pack')}; "
        f"{plural(rt.history.count(), 'answer')} in history."
    )


def _ask_reset() -> None:
    st.session_state[CONFIRM] = True


def _cancel_reset() -> None:
    st.session_state.pop(CONFIRM, None)


def _do_reset() -> None:
    deleted = runtime().history.reset()
    st.session_state.pop(CONFIRM, None)
    st.session_state["_reset_notice"] = f"History reset: {plural(deleted, 'answer')} deleted."


def reset_section() -> None:
    st.subheader("Reset history")
    if notice := st.session_state.pop("_reset_notice", None):
        st.success(notice)
    n = runtime().history.count()
    if not st.session_state.get(CONFIRM):
        st.button("Reset history…", key="reset_ask", on_click=_ask_reset, disabled=n == 0)
        return
    st.warning(f"Delete all {plural(n, 'answer')}, your progress and the review queue? This cannot be undone.")
    cols = st.columns([1, 1, 4])
    cols[0].button(f"Delete {plural(n, 'answer')}", type="primary", key="reset_confirm", on_click=_do_reset)
    cols[1].button("Cancel", key="reset_cancel", on_click=_cancel_reset)


def voice_section() -> None:
    st.subheader("Interviewer's voice")
    interviewer.read_aloud_toggle("read_aloud_settings")
    st.caption(md_escape(interviewer.engine_status()))


def mock_section() -> None:
    st.subheader("Mock interview")
    st.number_input(
        "Follow-ups per question (0-3, default 1)",
        min_value=0,
        max_value=mock_prefs.MAX_FOLLOW_UPS,
        value=mock_prefs.follow_ups(),
        step=1,
        key="settings_follow_ups",
        on_change=lambda: mock_prefs.set_follow_ups(st.session_state["settings_follow_ups"]),
        help="After each answer the interviewer asks up to this many follow-ups on the must-have points it missed.",
    )


def main() -> None:
    st.title("Settings")
    judge_section()
    st.divider()
    mock_section()
    st.divider()
    voice_section()
    st.divider()
    data_section()
    st.divider()
    reset_section()


main()
