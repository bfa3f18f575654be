"""What every page shares: the engine and history (once per process), escaping, the judgement view."""

from __future__ import annotations

import functools
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
import streamlit.components.v2 as components

from simulator import Engine, Settings, SimulatorError
from simulator.config import LLMSettings
from simulator.corpus import Corpus, Question
from simulator.grading import Judgement
from simulator.grading.calibration import load_calibration
from simulator.history import History
from simulator.interview import WORDS_PER_MINUTE, GradeFn, grader

PRACTICE_PAGE = "ui/practice.py"

# --- escaping ------------------------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# leaves no markdown, HTML, LaTeX ($) or Streamlit directive (:red[...]) in the text.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# Bare URLs and e-mail addresses are turned into links even when escaped; a word joiner (U+2060,
# invisible) after "://", inside "www." and before "@" stops that.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def md_escape(text: str) -> str:
    """Text shown as itself in any Streamlit element that renders markdown."""
    text = _AUTOLINK.sub(WORD_JOINER, text)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return "  \n".join(text.splitlines())  # keep line breaks; a blank line stays a paragraph break


# --- the engine and history, once per process ---------------------------------------------


@dataclass
class Runtime:
    """The engine and history of one data directory, warmed up in a background thread.

    The first question is on screen as soon as the packs are parsed; the model loads and the
    bank is indexed while the person reads it. Grading waits for the warm-up if it must.
    """

    engine: Engine
    history: History
    step: str = "Loading the embedding model"
    done: int = 0
    total: int = 0
    error: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
    history = History(settings.history_path)
    rt = Runtime(engine, history)
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
        with st.status("Preparing the grader…", expanded=True) as status:
            bar = st.progress(0.0, text=rt.step)
            while not rt.ready.wait(0.25):
                fraction = rt.done / rt.total if rt.total else 0.0
                label = f"{rt.step} ({rt.done}/{rt.total} questions)" if rt.total else f"{rt.step}…"
                bar.progress(min(1.0, fraction), text=label)
            status.update(label="Grader ready", state="complete", expanded=False)
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
    st.error(md_escape(message), icon=":material/error:")
    st.button("Try again", key="retry_runtime", on_click=reload_runtime)
    st.stop()


def session_id() -> str:
    """One id per browser session, stored with every attempt it makes."""
    if "_session_id" not in st.session_state:
        st.session_state["_session_id"] = f"web-{uuid.uuid4().hex[:12]}"
    return str(st.session_state["_session_id"])


# --- the judge -----------------------------------------------------------------------------


def llm_settings() -> LLMSettings | None:
    """The LLM judge settings chosen on the Settings page, or None (embedding judge only)."""
    value = st.session_state.get("_llm")
    return value if isinstance(value, LLMSettings) else None


def grade_fn(engine: Engine) -> GradeFn:
    return grader(engine, llm_settings())


def secret(name: str) -> str | None:
    """A value from st.secrets, or None when there is no secrets file or no such key."""
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml: Streamlit raises rather than returning None
        return None
    return str(value) if value else None


# --- widgets -------------------------------------------------------------------------------


def widget_key(*parts: object) -> str:
    """A widget key that is also a valid CSS class name (Streamlit adds `st-key-<key>`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", "-".join(str(p) for p in parts))


_METER_JS = """
export default function(component) {
  const { data, parentElement, setTriggerValue } = component;
  const words = parentElement.querySelector('.words');
  const clock = parentElement.querySelector('.clock');
  // Looked up on every use, never kept: Streamlit may replace the textarea element on a rerun
  // (e.g. when the grader finishes warming up), and a listener on the old one would go deaf.
  const selector = '.st-key-' + data.key + ' textarea';
  const box = () => document.querySelector(selector);
  const fmt = (s) => s < 60 ? s + ' s' : Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
  const onInput = (event) => { if (event.target.matches && event.target.matches(selector)) count(); };
  const count = () => {
    const text = box() ? box().value : '';
    const n = (text.match(/[\\p{L}\\p{N}]+(?:['’\\-.][\\p{L}\\p{N}]+)*/gu) || []).length;
    const spoken = fmt(Math.round(n * 60 / data.wpm));
    words.textContent = n + (n === 1 ? ' word' : ' words') + ' · about ' + spoken + ' spoken';
  };
  count();
  document.addEventListener('input', onInput, true);
  let timer = null;
  if (data.remaining_ms !== null && data.remaining_ms !== undefined) {
    const end = performance.now() + data.remaining_ms;
    const tick = () => {
      const left = Math.max(0, end - performance.now());
      const s = Math.ceil(left / 1000);
      clock.textContent = '⏱ ' + Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0') + ' left';
      clock.classList.toggle('low', s <= 30);
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        clock.textContent = '⏱ time is up: submitting your answer as it stands';
        setTriggerValue('expired', box() ? box().value : '');
      }
    };
    tick();
    timer = setInterval(tick, 250);
  }
  return () => {
    document.removeEventListener('input', onInput, true);
    if (timer) clearInterval(timer);
  };
}
"""
_METER_CSS = """
.meter { display: flex; gap: 1.5rem; align-items: baseline; font-size: 0.875rem; color: var(--st-text-color); }
.words { opacity: 0.7; }
.clock { font-weight: 600; font-variant-numeric: tabular-nums; }
.clock.low { color: #c0392b; }
"""


@functools.cache
def _meter() -> Any:
    """Registered on first use, inside a running app (registration needs the runtime)."""
    return components.component(
        "answer_meter",
        html="<div class='meter'><span class='words'></span><span class='clock'></span></div>",
        css=_METER_CSS,
        js=_METER_JS,
    )


def answer_meter(
    text_key: str, key: str, remaining_s: float | None = None, on_expired: Any = None, args: tuple[Any, ...] = ()
) -> Any:
    """Live word count and speaking time of the text area `text_key`; a countdown when timed.

    The count updates as the person types (a text area only reports its value when it loses
    focus); at zero the countdown sends the text as it stands through `on_expired`.
    """
    data = {
        "key": text_key,
        "wpm": WORDS_PER_MINUTE,
        "remaining_ms": None if remaining_s is None else int(remaining_s * 1000),
    }
    kwargs: dict[str, Any] = {"data": data, "key": key}
    if on_expired is not None:
        kwargs["on_expired_change"] = lambda: on_expired(*args)
    return _meter()(**kwargs)


def question_badges(question: Question, corpus: Corpus) -> None:
    """Category, difficulty, kind and pack as badges."""
    title = corpus.categories.get(question.category, question.category)
    with st.container(horizontal=True, gap="small"):
        st.badge(md_escape(title), color="blue")
        colors = {"easy": "green", "medium": "orange", "hard": "red"}
        st.badge(question.difficulty, color=colors.get(question.difficulty, "gray"))  # type: ignore[arg-type]
        st.badge(question.kind, color="violet")
        st.badge(md_escape(corpus.pack_of.get(question.id, "")), color="gray")


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 pack`, `2 packs`; `words` for irregular plurals."""
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def category_title(corpus: Corpus, category: str) -> str:
    return corpus.categories.get(category, category)


def bullets(title: str, items: Iterable[object]) -> None:
    """A bold title over a bulleted list of items shown as typed; nothing at all when there are none."""
    items = list(items)
    if not items:
        return
    st.markdown(f"**{title}**")
    for item in items:
        st.markdown(f"- {md_escape(str(item))}")


# --- the judgement -------------------------------------------------------------------------

BAND_COLORS = {"excellent": "green", "good": "blue", "partial": "orange", "weak": "red", "invalid": "gray"}


def provenance_badge(j: Judgement) -> None:
    color = "orange" if j.fallback_reason else "violet" if j.judge == "llm" else "green"
    icon = ":material/warning:" if j.fallback_reason else ":material/smart_toy:" if j.judge == "llm" else None
    st.badge(md_escape(j.provenance), color=color, icon=icon)  # type: ignore[arg-type]


HUMAN_AGREEMENT = 0.59  # Pearson r of the two human graders of the dev file's answers (Mohler et al. 2011)


@functools.cache
def trust_note() -> str | None:
    """How far the offline score can be trusted, from the figures the shipped calibration was fitted with."""
    r = load_calibration().metrics.get("cv_question_pearson")
    if r is None:
        return None
    return (
        f"Measured: agrees with human graders at r {r:.2f} on questions it was not fitted on (two human "
        f"graders agree at {HUMAN_AGREEMENT}). It cannot tell a fluent false claim from a true one; an LLM "
        "judge (Settings) reads for that."
    )


def score_header(j: Judgement, delta: float | None = None) -> None:
    cols = st.columns([1, 3], vertical_alignment="center")
    cols[0].metric("Score", f"{j.score:.1f} / 10", delta=None if delta is None else f"{delta:+.1f}")
    with cols[1]:
        st.badge(j.band, color=BAND_COLORS.get(j.band, "gray"))  # type: ignore[arg-type]
        provenance_badge(j)
        if j.valid and j.ceiling is not None:
            st.caption(f"Held at {j.ceiling:.1f} at most, whoever grades it: see Feedback for why.")
        if j.valid and j.judge == "embedding" and (note := trust_note()):
            st.caption(note)
    if j.fallback_reason:
        st.warning(md_escape(f"The LLM judge was unavailable, so this is the embedding score: {j.fallback_reason}"))
    if j.disagreement_note:
        st.info(md_escape(j.disagreement_note), icon=":material/balance:")


def highlighted_answer(j: Judgement) -> str:
    """The answer as graded, sentence by sentence, with each evidence sentence highlighted and
    followed by the numbers of the key points it earned (the numbers of `key_points_hit`)."""
    earned: dict[int, list[int]] = {}
    for n, k in enumerate((k for k in j.key_points if k.hit), start=1):
        if k.evidence_index is not None:
            earned.setdefault(k.evidence_index, []).append(n)
    parts = []
    for i, sentence in enumerate(j.sentences):
        if i in earned:
            marks = ",".join(str(n) for n in earned[i])
            parts.append(f":green-background[{md_escape(sentence)}] :green[**\\[{marks}\\]**]")
        else:
            parts.append(md_escape(sentence))
    return " ".join(parts)


def show_judgement(j: Judgement, question: Question, key: str, show_model_answer: bool = True) -> None:
    """The answer with its evidence, key points hit and missed, feedback, the model answer."""
    if not j.valid:
        st.warning(md_escape(f"Not graded (score 0): {j.reason}"), icon=":material/block:")
    if j.sentences:
        st.markdown("**Your answer, with the sentences that earned key points highlighted**")
        with st.container(border=True, key=widget_key("evidence", key)):
            st.markdown(highlighted_answer(j))
    hit = [k for k in j.key_points if k.hit]
    missed_must = [k for k in j.key_points if not k.hit and k.weight == "must"]
    missed_nice = [k for k in j.key_points if not k.hit and k.weight == "nice"]
    if j.key_points:
        left, right = st.columns(2)
        with left:
            st.markdown(f"**Key points covered ({len(hit)} of {len(j.key_points)})**")
            if not hit:
                st.caption("None yet.")
            for n, k in enumerate(hit, start=1):
                st.markdown(f":green[**\\[{n}\\]**] {md_escape(k.text)} :gray[({k.weight})]")
                if k.evidence:
                    st.caption(md_escape(f"“{k.evidence}”"))
        with right:
            st.markdown(f"**Key points missed ({len(missed_must) + len(missed_nice)})**")
            if not missed_must and not missed_nice:
                st.caption("None: every key point is covered.")
            for k in missed_must:
                st.markdown(f":red[**must**] {md_escape(k.text)}")
            for k in missed_nice:
                st.markdown(f":orange[nice] {md_escape(k.text)}")
    else:
        bullets("Must-have points to cover", j.missed)
    bullets("Feedback", j.feedback)
    if j.criteria:
        st.markdown("**Rubric (LLM judge)**")
        st.dataframe(
            [
                {"criterion": c.name, "score": f"{c.score:g} / {c.max_score:g}", "why": c.justification}
                for c in j.criteria
            ],
            hide_index=True,
        )
    bullets("A stronger answer would", j.outline)
    if show_model_answer:
        with st.expander("Model answer", expanded=False):
            st.markdown(md_escape(question.reference_answer))
