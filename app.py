"""Streamlit entry point: the pages. Each page renders and calls `simulator/`; nothing else here."""

from __future__ import annotations

import streamlit as st

from simulator import SimulatorError
from ui.auth import require_user, sign_out_control
from ui.navigation import (
    COHORT_PAGE,
    MOCK_INTERVIEW_PAGE,
    PLAN_PAGE,
    PRACTICE_PAGE,
    PROGRESS_PAGE,
    QUESTION_BANK_PAGE,
    SETTINGS_PAGE,
)
from ui.runtime import fail

st.set_page_config(page_title="MLOps interview simulator", page_icon="🎯", layout="wide")
# With sign-in configured, nothing below is drawn until someone has signed in.
user = require_user()

PAGES = [
    st.Page(PRACTICE_PAGE, title="Practice", icon=":material/edit_note:", url_path="start", default=True),
    # The default page is served at the root only; this serves it at /practice too, for links to it.
    st.Page(PRACTICE_PAGE, title="Practice", url_path="practice", visibility="hidden"),
    st.Page(MOCK_INTERVIEW_PAGE, title="Mock interview", icon=":material/timer:", url_path="mock-interview"),
    st.Page(PLAN_PAGE, title="Job plan", icon=":material/work:", url_path="plan"),
    st.Page(PROGRESS_PAGE, title="Progress", icon=":material/monitoring:", url_path="progress"),
    st.Page(QUESTION_BANK_PAGE, title="Question bank", icon=":material/library_books:", url_path="question-bank"),
    st.Page(SETTINGS_PAGE, title="Settings", icon=":material/settings:", url_path="settings"),
]
if user.signed_in:
    # Served to every signed-in user so that a candidate who types its address is refused by the page
    # itself rather than sent elsewhere; listed in the bar for coaches only.
    cohort = st.Page(COHORT_PAGE, title="Cohort", icon=":material/groups:", url_path="cohort")
    PAGES.append(cohort if user.coach else st.Page(COHORT_PAGE, url_path="cohort", visibility="hidden"))
sign_out_control(user)

try:
    st.navigation(PAGES, position="top").run()
except SimulatorError as exc:  # e.g. the history's database went away mid-session: one sentence, no traceback
    fail(str(exc))
