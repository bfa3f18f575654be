"""Spoken answers on the Practice and Mock interview pages: record, transcribe into the answer box
(editable), then grade as typed; delivery metrics beside the judgement.

Thin on purpose: `simulator.speech` checks and transcribes the recording and measures its delivery.
The recording lives in the browser session only, unless the person keeps it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from simulator import Corpus, Question, Settings, SimulatorError
from simulator.speech import (
    TYPED_WPM,
    Delivery,
    JobTerms,
    Transcriber,
    Transcript,
    analyse_spoken,
    analyse_typed,
    keep_recording,
    prompt_for,
    transcriber,
)
from ui.auth import current_user
from ui.runtime import corpus, runtime, secret
from ui.text import human_duration, md_escape
from ui.widgets import widget_key

SPOKEN = "_voice_spoken"  # answer key -> Spoken: what the last recording for that answer gave
KEEP = "voice_keep"


@dataclass(frozen=True)
class Spoken:
    digest: str  # of the recording, so a rerun does not transcribe it again
    transcript: Transcript | None = None
    error: str | None = None


@st.cache_resource(show_spinner=False)
def _transcriber(model: str | None, base_url: str | None) -> Transcriber:
    """One per process and online setting; the local Whisper model loads once."""
    return transcriber(Settings(), model=model, base_url=base_url, api_key=secret("OPENAI_API_KEY"))


@st.cache_resource(show_spinner=False)
def _job_terms(_bank: Corpus, packs: tuple[str, ...], n: int) -> JobTerms:
    return JobTerms(_bank.questions)


def _terms(question: Question) -> list[str]:
    bank = corpus()
    return _job_terms(bank, tuple(p.pack for p in bank.packs), len(bank.questions)).for_question(question)


def keep_option() -> None:
    """The "Keep my recordings" choice. A page calls it once, in one place, whatever recorders it
    shows: a widget key may appear only once per run, and the choice outlives the recorder.
    Not offered on a team server: a recording kept there would sit in a folder its speaker cannot reach."""
    if current_user().signed_in:
        return
    st.checkbox(
        "Keep my recordings",
        key=KEEP,
        help="Saved under SIM_HOME/recordings/ on this machine. Otherwise a recording is dropped once transcribed.",
        persist_state="session",  # kept while no recorder is shown, and shared by the pages
    )


def record(answer_key: str, question: Question, prompt: str | None = None, hint: str | None = None) -> bool:
    """A recorder whose transcript lands in the answer box `answer_key`; call it before the box.
    True in the run where a new recording was transcribed into the box.

    `prompt` (default: the question) is what the answer replies to; its names, and the question's
    terms, prime the transcriber's vocabulary. `hint` replaces the caption under a transcript."""
    audio = st.audio_input("Or say your answer", key=widget_key("voice", answer_key))
    if audio is None:
        return False
    fresh = False
    data = audio.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    spoken: dict[str, Spoken] = st.session_state.setdefault(SPOKEN, {})
    last = spoken.get(answer_key)
    if last is None or last.digest != digest:
        try:
            with st.spinner("Transcribing your answer…"):
                transcript = _transcriber(secret("SIM_STT_MODEL"), secret("SIM_STT_BASE_URL")).transcribe(
                    data, prompt=prompt_for(question, _terms(question), asked=prompt)
                )
        except SimulatorError as exc:  # bad audio or no model: say why, grade nothing, keep the box as it is
            spoken[answer_key] = Spoken(digest, error=str(exc))
        else:
            if st.session_state.get(KEEP):
                keep_recording(data, Settings().home)
            before = (st.session_state.get(answer_key) or "").strip()
            previous = last.transcript.text if last and last.transcript else ""
            # Replace an empty box or the previous transcript; append to anything typed, so nothing is lost.
            keep = before and before != previous
            st.session_state[answer_key] = f"{before}\n\n{transcript.text}" if keep else transcript.text
            spoken[answer_key] = Spoken(digest, transcript)
            fresh = True
        last = spoken[answer_key]
    if last.error:
        st.warning(md_escape(last.error), icon=":material/mic_off:")
    elif last.transcript is not None:
        t = last.transcript
        then = hint or "edit the text below, then submit it"
        st.caption(md_escape(f"Transcribed {t.duration:.0f} s of speech ({t.engine}): {then}."))
        if t.fallback:
            st.info(md_escape(t.fallback), icon=":material/cloud_off:")
    return fresh


def measure(answer_key: str, text: str, question: Question) -> dict[str, object]:
    """Delivery of an answer about to be graded (spoken when it came from a recording, else
    typed), as the `extra` stored with the attempt."""
    entry = st.session_state.get(SPOKEN, {}).get(answer_key)
    terms = _terms(question)
    if entry is not None and entry.transcript is not None:
        delivery = analyse_spoken(entry.transcript, terms, text=text)
    else:
        delivery = analyse_typed(text, terms)
    return {"delivery": delivery.model_dump(mode="json")}


def show_delivery(attempt_id: int | None) -> None:
    """The delivery metrics stored with an attempt, if any."""
    attempt = runtime().history.get(attempt_id) if attempt_id is not None else None
    stored = attempt.extra.get("delivery") if attempt is not None else None
    d = Delivery.model_validate(stored) if stored else None
    if d is None or not d.word_count:
        return
    with st.container(border=True, key=widget_key("delivery", attempt_id)):
        st.markdown("**Delivery** " + (":gray[(spoken answer)]" if d.spoken else ":gray[(typed answer)]"))
        cols = st.columns(4)
        if d.words_per_minute is not None:
            cols[0].metric("Words per minute", f"{d.words_per_minute:.0f}")
        else:
            cols[0].metric("Time to say it", human_duration(d.duration_s), help=f"Estimated at {TYPED_WPM} words/min")
        cols[1].metric("Filler words", d.filler_count, help=f"{d.fillers_per_minute} per minute")
        cols[2].metric("Hedges", d.hedge_count)
        if d.spoken:
            cols[3].metric("Long pauses", len(d.long_pauses), help=f"Silences of {d.pause_threshold_s:.0f} s or more")
        else:
            cols[3].metric("Job terms", len(d.job_terms))
        for note in d.notes:
            st.caption(md_escape(note))
        if d.most_used:
            st.caption(md_escape("Most used: " + ", ".join(f"{c.term} ×{c.count}" for c in d.most_used)))
