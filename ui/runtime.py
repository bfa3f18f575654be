"""The engine and history of the process, warmed up in the background; per-session state and secrets."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

import streamlit as st

from simulator import Corpus, Engine, Settings, SimulatorError
from simulator.config import LLMSettings, load_judge, save_judge
from simulator.history import History
from ui.auth import current_user, runs_the_server
from ui.text import md_escape

log = logging.getLogger("interview_sim")
LLM = "_llm"  # session state: the LLM judge chosen on the Settings page (None: the embedding judge)


@dataclass
class Runtime:
    """The engine and history of one data directory, warmed up in a background thread.

    The first question is on screen as soon as the packs are parsed; the model loads and the
    bank is indexed while the person reads it. Grading waits for the warm-up if it must.
    """

    engine: Engine
    store: History  # every user's; pages read `history`, the current user's view of it
    step: str = "Loading the embedding model"
    done: int = 0
    total: int = 0
    error: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _views: dict[str, History] = field(default_factory=dict)

    @property
    def history(self) -> History:
        """The history of this session's user: every read, write, export and reset is theirs alone.
        One view per user, made once: views share the store's connection pool."""
        user = current_user()
        with self._lock:
            view = self._views.get(user.id)
            if view is None:
                view = self._views[user.id] = self.store.for_user(user.id, user.name, user.email)
        return view

    def start(self) -> None:
        """Start the warm-up once. Pages call this after drawing the question, not before: the
        model's imports hold the GIL for seconds and would slow the first page down."""
        with self._lock:
            if self._thread is None and not self.ready.is_set():
                self._thread = threading.Thread(target=self.warm_up, name="grader-warm-up", daemon=True)
                self._thread.start()

    def warm_up(self) -> None:
        try:
            self.engine.embedder.embed_batch(["warm up"])
            self.step = "Indexing the question bank"
            self.engine.ingest(progress=self._progress)
            _ = self.engine.judge  # builds the gate's vocabulary once
            self.step = "Ready"
        except SimulatorError as exc:
            self.error = str(exc)
        except Exception as exc:  # the page shows one sentence, never a traceback
            self.error = f"The grader could not start ({type(exc).__name__}: {exc})."
        finally:
            self.ready.set()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


@st.cache_resource(show_spinner=False)
def _runtime(home: str, corpus_dir: str, chroma_url: str | None) -> Runtime:
    settings = Settings()
    engine = Engine(settings)
    rt = Runtime(engine, History(settings.history_target))
    try:
        _ = engine.corpus  # parsed here, in one thread, before the warm-up reads it
    except SimulatorError as exc:
        rt.error = str(exc)
        rt.ready.set()
    return rt


def runtime() -> Runtime:
    """The process-wide runtime for the current settings (SIM_HOME, corpus, Chroma)."""
    s = Settings()
    try:
        return _runtime(str(s.home.resolve()), str(s.corpus_dir.resolve()), s.chroma_url)
    except SimulatorError as exc:
        fail(str(exc))
        raise  # fail() does not return; this keeps type checkers content


def reload_runtime() -> None:
    """Forget the runtime (after a pack was added): the next page run builds a new one."""
    _runtime.clear()


def corpus() -> Corpus:
    """The question bank, or a message saying how to fix it and the end of this page run."""
    rt = runtime()
    try:
        return rt.engine.corpus
    except SimulatorError as exc:
        fail(str(exc))
        raise


def wait_ready(rt: Runtime | None = None) -> Engine:
    """The warmed-up engine; shows progress while the model loads and the bank is indexed."""
    rt = rt or runtime()
    rt.start()
    if not rt.ready.is_set():
        # Always the first element pinned to the bottom, and gone when ready: a wait at the answer
        # box replaces the one a page started at its end (an interrupted run's element would stay
        # on screen beside a new one drawn elsewhere), so the page shows one at most.
        slot = st.bottom.empty()
        with slot.status("Preparing the grader…", expanded=True):
            bar = st.progress(0.0, text=rt.step)
            while not rt.ready.wait(0.25):
                fraction = rt.done / rt.total if rt.total else 0.0
                label = f"{rt.step} ({rt.done}/{rt.total} questions)" if rt.total else f"{rt.step}…"
                bar.progress(min(1.0, fraction), text=label)
        slot.empty()
    if rt.error:
        fail(rt.error)
    return rt.engine


def warm_up_last() -> None:
    """Last on a page: start the grader's warm-up and show its progress, if it is not ready. The
    page above is readable while the model loads."""
    rt = runtime()
    if not rt.ready.is_set():
        wait_ready(rt)


def fail(message: str) -> None:
    """Say what went wrong and what to do, offer a retry once it is fixed, and end this page run."""
    log.error(message)
    st.error(md_escape(message), icon=":material/error:")
    st.button("Try again", key="retry_runtime", on_click=reload_runtime)
    st.stop()


def session_id() -> str:
    """One id per browser session, stored with every attempt it makes."""
    if "_session_id" not in st.session_state:
        st.session_state["_session_id"] = f"web-{uuid.uuid4().hex[:12]}"
    return str(st.session_state["_session_id"])


def secret(name: str) -> str | None:
    """A value from st.secrets, or None when there is no secrets file or no such key."""
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml: Streamlit raises rather than returning None
        return None
    return str(value) if value else None


def llm_settings() -> LLMSettings | None:
    """The LLM judge chosen on the Settings page, in this session or else the last one saved in
    SIM_HOME (with the key from st.secrets or the environment), or None (embedding judge only)."""
    if LLM not in st.session_state:
        stored = load_judge(Settings().home)
        st.session_state[LLM] = stored and Settings().llm(*stored, api_key=secret("OPENAI_API_KEY"))
    value = st.session_state.get(LLM)
    return value if isinstance(value, LLMSettings) else None


def use_llm(llm: LLMSettings | None) -> None:
    """Grade answers with `llm` from now on, in this session and after a restart (None: the embedding
    judge alone). Only the base URL and model are saved; the key is never written anywhere. A signed-in
    candidate's choice lasts for their session; a coach's becomes the server's default."""
    st.session_state[LLM] = llm
    if not runs_the_server():
        return
    try:
        save_judge(Settings().home, llm)
    except SimulatorError as exc:  # still used in this session
        st.warning(md_escape(str(exc)))
