"""Streamlit entry point: the pages. Each page renders and calls `simulator/`; nothing else here."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="MLOps interview simulator", page_icon="🎯", layout="wide")

PAGES = [
    st.Page("ui/practice.py", title="Practice", icon=":material/edit_note:", url_path="practice", default=True),
    st.Page("ui/mock_interview.py", title="Mock interview", icon=":material/timer:", url_path="mock-interview"),
    st.Page("ui/progress.py", title="Progress", icon=":material/monitoring:", url_path="progress"),
    st.Page("ui/question_bank.py", title="Question bank", icon=":material/library_books:", url_path="question-bank"),
    st.Page("ui/settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
]

st.navigation(PAGES, position="top").run()
