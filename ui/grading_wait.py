"""Waiting for the LLM judge: elapsed seconds on the page, and a Cancel that keeps the embedding score.

A small local model takes 13-15 s per answer. The grade runs in a worker thread while the page run
polls it. A click stops that run and starts the next one at once (Streamlit's fast reruns), so the
stopped run can no longer draw anything, but it still returns a judgement for its caller to record:
the embedding one if Cancel was pressed (the button's callback, first thing in the next run, waits
until the stopped run has finished so the page shows the attempt), else the LLM's when it comes
(any other click: another page, another button; nothing is lost).
"""

from __future__ import annotations

import threading
import time

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from simulator import Engine, Judgement, Question
from simulator.config import LLMSettings

CANCELLED = "LLM grading cancelled: you stopped the wait."
CANCEL_KEY = "cancel_llm_grading"
POLL_S = 0.5
RECORD_WAIT_S = 30.0  # for the stopped run to record the embedding judgement (well under a second)


class Grading:
    """One grade in a worker thread, for the page run that started it (`page_thread`)."""

    def __init__(self, engine: Engine, question: Question, answer: str, llm: LLMSettings):
        self.engine, self.question, self.answer = engine, question, answer
        self.started = time.monotonic()
        self.page_thread = threading.current_thread()
        self.cancelled = threading.Event()
        self._done = threading.Event()
        self._result: Judgement | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(llm,), name="llm-grading", daemon=True).start()

    def _run(self, llm: LLMSettings) -> None:
        try:
            self._result = self.engine.grade(self.question, self.answer, llm)
        except BaseException as exc:  # raised in the page's thread by `wait`
            self._error = exc
        finally:
            self._done.set()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self, timeout: float) -> Judgement | None:
        """The judgement once graded, None while the LLM is still at it; the grade's error is raised here."""
        if not self._done.wait(timeout):
            return None
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def settle(self) -> Judgement:
        """The LLM's judgement, or the embedding one (`cancel`) as soon as `cancelled` is set."""
        while (judgement := self.wait(POLL_S)) is None:
            if self.cancelled.is_set():
                return self.cancel()
        return judgement

    def cancel(self) -> Judgement:
        """The embedding judgement, saying the LLM's grade was cancelled (its reply, if it comes, is dropped)."""
        return self.engine.grade(self.question, self.answer).model_copy(update={"fallback_reason": CANCELLED})


def _on_cancel(grading: Grading) -> None:
    """Cancel, first thing in the run the click started: the stopped run records the embedding
    judgement; this run draws the page once it has."""
    grading.cancelled.set()
    grading.page_thread.join(RECORD_WAIT_S)


def grade(engine: Engine, question: Question, answer: str, llm: LLMSettings | None) -> Judgement:
    """`engine.grade`, and while an LLM grades, a status with the seconds waited and a Cancel button.

    Record the judgement before any other Streamlit call: after a click this run is stopped, and
    its next Streamlit call ends it.
    """
    if llm is None or not llm.configured:
        return engine.grade(question, answer)
    grading = Grading(engine, question, answer, llm)
    label = f"{llm.model} is grading your answer"
    cancel = st.empty()
    try:
        status = st.status(f"{label}…")
        cancel.button(
            "Cancel: use the embedding score",
            key=CANCEL_KEY,
            icon=":material/cancel:",
            on_click=_on_cancel,
            args=(grading,),
        )
        while (judgement := grading.wait(POLL_S)) is None:
            status.update(label=f"{label}… {grading.elapsed:.0f} s")
    except StopException:  # a click: no Streamlit call works in this run any more
        return grading.settle()
    status.update(label=f"Graded by {llm.model} in {grading.elapsed:.0f} s", state="complete")
    cancel.empty()
    return judgement


class WithProgress:
    """An engine whose `grade` shows the wait, for code that grades through an engine it is given
    (`answer_question`, `MockInterview.submit`)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def grade(self, question: Question, answer: str, llm: LLMSettings | None = None) -> Judgement:
        return grade(self.engine, question, answer, llm)
