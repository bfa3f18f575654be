"""The interviewer's voice on the Practice and Mock interview pages: the question read aloud when the
person chose so, which engine spoke, and always the words said, as text (for those who cannot hear it).

Thin on purpose: `simulator.speech.tts` picks the engine, renders and caches the audio.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from simulator import Settings, SimulatorError
from simulator.config import load_read_aloud, save_read_aloud
from simulator.speech import tts
from ui.auth import runs_the_server
from ui.text import md_escape

READ_ALOUD = "_read_aloud"  # session state: the "Read questions aloud" choice, loaded from SIM_HOME once
NOTICE = "_voice_notice"  # session state: the key of the speak() call that shows why no voice speaks, boxed
LABEL = "Read questions aloud"


def read_aloud() -> bool:
    """Whether the interviewer reads questions aloud: this session's choice, else the one saved last."""
    if READ_ALOUD not in st.session_state:
        st.session_state[READ_ALOUD] = load_read_aloud(Settings().home)
    return bool(st.session_state[READ_ALOUD])


def set_read_aloud(on: bool) -> None:
    """Read questions aloud from now on (or not), in this session and, for whoever runs the server,
    after a restart."""
    st.session_state[READ_ALOUD] = on
    if not runs_the_server():  # a candidate's choice is theirs, not the server's default
        return
    try:
        save_read_aloud(Settings().home, on)
    except SimulatorError as exc:  # still honoured in this session
        st.warning(md_escape(str(exc)))


def _toggled(key: str) -> None:
    set_read_aloud(bool(st.session_state.get(key)))


def read_aloud_toggle(key: str = "read_aloud") -> None:
    """The "Read questions aloud" switch: one choice wherever it is shown (Settings, the interview page)."""
    st.toggle(
        LABEL,
        value=read_aloud(),
        key=key,
        on_change=_toggled,
        args=(key,),
        help="The interviewer speaks each question and follow-up, offline; the words are always shown too.",
    )


def speak(text: str, key: str, transcript: bool = True) -> None:
    """Say `text` as the interviewer: the audio (autoplayed) when "Read questions aloud" is on, which
    engine spoke, and the transcript. Never raises: without a voice, one notice says why and how to fix it.
    `transcript=False` where the page already shows the same words (a question's heading)."""
    words = " ".join(text.split())
    if not words:
        return
    if not read_aloud():
        st.caption(f"Voice off: “{LABEL}” is off in Settings.")
    else:
        _play(words, key)
    if transcript:
        with st.container(key=f"interviewer-{key}"):
            st.markdown(f"**Interviewer:** {md_escape(words)}")


def prepare(texts: Sequence[str]) -> None:
    """Render what the interviewer will say next (the coming questions) in the background, so each
    plays at once when it is asked. Does nothing when "Read questions aloud" is off."""
    pending = [" ".join(t.split()) for t in texts if t.strip()]
    if pending and read_aloud():
        home = Settings().home
        threading.Thread(target=_render_all, args=(pending, home), name="interviewer-prepare", daemon=True).start()


def _render_all(texts: list[str], home: Path) -> None:
    for text in texts:
        try:
            tts.speak(text, home)
        except Exception:  # the page says what went wrong when the text is actually spoken
            return


def _play(words: str, key: str) -> None:
    try:
        with st.spinner("The interviewer is speaking…"):
            speech = tts.speak(words, Settings().home)
    except SimulatorError as exc:  # text that cannot be read aloud (too long): shown, not spoken
        st.caption(md_escape(f"Voice off: {exc}"))
        return
    if speech.audio is None:
        # One notice in a box, at the first question of the session; later turns say it quietly.
        notice = md_escape(speech.notice or "Voice off.")
        if st.session_state.setdefault(NOTICE, key) == key:
            st.info(notice, icon=":material/volume_off:")
        else:
            st.caption(notice)
        return
    # The same element on every rerun (same bytes, same options): it plays once, not at each click.
    st.audio(speech.audio, format="audio/wav", autoplay=True)
    said = f"Read aloud by {speech.engine}"
    st.caption(md_escape(f"{said}. {speech.notice}" if speech.notice else f"{said}."))


def engine_status() -> str:
    """Which engine reads the questions on this machine, or why none can, in one sentence."""
    found = tts.voices()
    notice = tts.missing_notice(found)
    if not found:
        return notice or "Voice off."
    spoken = f"Spoken offline by {found[0].name}."
    return f"{spoken} {notice}" if notice else spoken
