"""The mock interview's preferences that Settings sets and the mock setup starts from."""

from __future__ import annotations

import streamlit as st

from simulator.sessions.mock import MAX_FOLLOW_UPS

FOLLOW_UPS = "_mock_follow_ups"  # survives page switches (a widget's own key would be dropped)
DEFAULT_FOLLOW_UPS = 1


def follow_ups() -> int:
    """Follow-ups per question, as chosen in Settings (default 1)."""
    return int(st.session_state.get(FOLLOW_UPS, DEFAULT_FOLLOW_UPS))


def set_follow_ups(n: int) -> None:
    st.session_state[FOLLOW_UPS] = max(0, min(MAX_FOLLOW_UPS, int(n)))
