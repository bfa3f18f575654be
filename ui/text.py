"""Text as the person typed it, in markdown: escaping, plurals, bulleted lists and human durations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import streamlit as st

from simulator.text import human_duration

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


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 pack`, `2 packs`; `words` for irregular plurals."""
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def bullets(title: str, items: Iterable[object]) -> None:
    """A bold title over a bulleted list of items shown as typed; nothing at all when there are none."""
    items = list(items)
    if not items:
        return
    st.markdown(f"**{title}**")
    for item in items:
        st.markdown(f"- {md_escape(str(item))}")


def due_label(due_at: float, now: float) -> str:
    """`due now`, `due in 3 h` (later today), `due tomorrow`, `due in 5 days` (calendar days, local time)."""
    if due_at <= now:
        return "due now"
    days = (date.fromtimestamp(due_at) - date.fromtimestamp(now)).days
    if days == 0:
        return f"due in {human_duration(due_at - now)}"
    return "due tomorrow" if days == 1 else f"due in {days} days"
