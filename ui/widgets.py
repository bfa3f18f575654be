"""Widgets every page draws the same way: widget keys, a question's badges, the question filter."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from simulator.bank import DIFFICULTIES, KINDS, Corpus, Difficulty, Question
from simulator.sessions import QuestionFilter
from ui.text import md_escape

DIFFICULTY_COLORS: dict[Difficulty, str] = {"easy": "green", "medium": "orange", "hard": "red"}
WEIGHT_TAGS = {"must": ":red[**must**]", "nice": ":orange[nice]"}  # a key point's weight, as markdown

# The filter's fields, labelled as the Practice and Question bank pages show them; each is a
# multiselect keyed `<prefix>_<field>`, and an empty one means "any".
FILTER_LABELS = {"category": "Category", "difficulty": "Difficulty", "kind": "Kind", "pack": "Pack"}


def widget_key(*parts: object) -> str:
    """A widget key that is also a valid CSS class name (Streamlit adds `st-key-<key>`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", "-".join(str(p) for p in parts))


def question_badges(question: Question, corpus: Corpus) -> None:
    """Category, difficulty, kind and pack as badges."""
    with st.container(horizontal=True, gap="small"):
        st.badge(md_escape(corpus.category_title(question.category)), color="blue")
        st.badge(question.difficulty, color=DIFFICULTY_COLORS[question.difficulty])  # type: ignore[arg-type]
        st.badge(question.kind, color="violet")
        st.badge(md_escape(corpus.pack_of.get(question.id, "")), color="gray")


def question_filter(
    bank: Corpus, prefix: str, places: Sequence[Any] = (), labels: Mapping[str, str] = FILTER_LABELS
) -> QuestionFilter:
    """The filter the person sets: one multiselect per field of `labels`, drawn in turn in `places`
    (columns; the current container when none). Choices come from the bank and the question types."""
    choices: dict[str, tuple[Sequence[str], Any]] = {
        "category": (sorted({q.category for q in bank.questions}), bank.category_title),
        "difficulty": (DIFFICULTIES, str),
        "kind": (KINDS, str),
        "pack": ([p.pack for p in bank.packs], str),
    }
    chosen = {}
    for n, (name, label) in enumerate(labels.items()):
        options, title = choices[name]
        place = places[n % len(places)] if places else st
        chosen[name] = tuple(place.multiselect(label, options, format_func=title, key=f"{prefix}_{name}"))
    return QuestionFilter(
        categories=chosen.get("category", ()),
        difficulties=chosen.get("difficulty", ()),
        kinds=chosen.get("kind", ()),
        packs=chosen.get("pack", ()),
    )
