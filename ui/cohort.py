"""Cohort: a coach's view of every candidate on a team server (activity, mastery, the points missed most).

Served to every signed-in user, so that a candidate who types its address is refused here, by the
page itself, rather than silently sent to another page."""

from __future__ import annotations

import time

import streamlit as st

from simulator.history import LOCAL_USER, Cohort, to_csv
from ui.auth import current_user
from ui.runtime import corpus, runtime
from ui.text import human_duration, md_escape


def refuse_non_coaches() -> None:
    user = current_user()
    if not user.coach:
        st.title("Cohort")
        st.error(
            md_escape(
                f"The Cohort page is for coaches. You are signed in as {user.name}: your own answers are on Progress."
            ),
            icon=":material/lock:",
        )
        st.stop()


def activity(cohort: Cohort) -> None:
    st.subheader("Everyone who answered")
    st.caption("Answers and their mean score leave follow-ups out; coaches who practised are listed too.")
    rows = cohort.activity()
    if not rows:
        st.info("Nobody has answered a question yet.")
        st.stop()
    now = time.time()
    table = [
        {
            "person": "local user (before sign-in)" if r.user_id == LOCAL_USER else r.name,
            "answers": r.attempts,
            "mean score": round(r.mean_score, 1),
            "last active": f"{human_duration(now - r.last_active)} ago",
        }
        for r in rows
    ]
    st.dataframe(table, hide_index=True, key="cohort_activity")
    st.download_button("Activity (CSV)", lambda: to_csv(table), "cohort.csv", "text/csv")


def mastery(cohort: Cohort) -> None:
    st.subheader("Mastery by category")
    st.caption("Each candidate's mean of the latest score per question, by category.")
    bank = corpus()
    rows = [
        {"person": m.name, "category": bank.category_title(m.category), "mastery": round(m.mastery, 1)}
        for m in cohort.mastery()
    ]
    st.dataframe(rows, hide_index=True, key="cohort_mastery")
    st.download_button("Mastery (CSV)", lambda: to_csv(rows), "cohort-mastery.csv", "text/csv")


def most_missed(cohort: Cohort) -> None:
    st.subheader("Key points the cohort misses most")
    prompts = {q.id: q.prompt for q in corpus().questions}
    rows = []
    for m in cohort.most_missed(limit=15):
        rows.append(
            {
                "key point": m.text,
                "question": prompts.get(m.question_id, m.question_id),
                "people": m.users,
                "times missed": m.times,
            }
        )
    if not rows:
        st.caption("No key point missed yet.")
        return
    st.dataframe(rows, hide_index=True, key="cohort_missed")
    st.download_button("Missed points (CSV)", lambda: to_csv(rows), "cohort-missed.csv", "text/csv")


def main() -> None:
    refuse_non_coaches()
    st.title("Cohort")
    cohort = Cohort(runtime().store)
    activity(cohort)
    left, right = st.columns(2)
    with left:
        mastery(cohort)
    with right:
        most_missed(cohort)


main()
