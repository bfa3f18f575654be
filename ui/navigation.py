"""The pages of the app, and opening a question on the Practice page from another page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from simulator.history import Mode

PRACTICE_PAGE = "ui/practice.py"
MOCK_INTERVIEW_PAGE = "ui/mock_interview.py"
PROGRESS_PAGE = "ui/progress.py"
QUESTION_BANK_PAGE = "ui/question_bank.py"
SETTINGS_PAGE = "ui/settings.py"
PLAN_PAGE = "ui/plan.py"
COHORT_PAGE = "ui/cohort.py"
TARGET = "_practice_target"  # session state: (question id, mode) the Practice page opens next
# Session state: the bank question ids (list[str]) the Job plan page hands to the mock interview.
PLAN_QUESTION_IDS = "plan_question_ids"


def open_in_practice(question_id: str, mode: Mode) -> None:
    """Have the Practice page open this question next (a button callback; the page switch follows)."""
    st.session_state[TARGET] = (question_id, mode)
