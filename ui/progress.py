"""Progress: scores over time, mastery per category, most-missed key points, the review queue."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from simulator import Corpus
from simulator.history import POINT_CARD_MISSES, Attempt, History, ReviewItem, attempts_csv, attempts_json
from simulator.sessions import MockInterview, report_html
from ui.navigation import PRACTICE_PAGE, open_in_practice
from ui.runtime import corpus, runtime
from ui.text import due_label, md_escape

REVIEW_SHOWN = 10
BAR_STEP = 32  # pixels per bar: room for every category's label, however many there are
DATE_TICKS = 8  # at most this many dates under a time axis, so months of history stay legible


def _timeline(points: Sequence[Any], columns: dict[str, str]) -> pd.DataFrame:
    """One row per point, in order: `when` (its `created_at`), then each column from the attribute named."""
    return pd.DataFrame(
        {
            "when": [datetime.fromtimestamp(p.created_at) for p in points],
            **{column: [getattr(p, attr) for p in points] for column, attr in columns.items()},
        }
    )


def date_axis(when: pd.Series) -> alt.X:
    """A time axis labelled with dates, whole days wide, at most one tick a day.

    Left to itself Vega-Lite labels a short span in milliseconds (".063") or seconds (":15 :30"):
    one attempt, or many within a minute, would show no date at all.
    """
    first = when.min().normalize()
    last = when.max().normalize() + timedelta(days=1)
    step = -(-(last - first).days // DATE_TICKS)  # whole days between ticks, at most DATE_TICKS of them
    return alt.X(
        "when:T",
        title=None,
        scale=alt.Scale(domain=[first.isoformat(), last.isoformat()]),
        axis=alt.Axis(format="%d %b", tickCount={"interval": "day", "step": step}, labelAngle=0),
    )


def summary(history: History, bank: Corpus, answers: int, due: int) -> None:
    """Four figures: answers, questions practised, the average latest score, reviews due."""
    latest = history.latest_scores()
    cols = st.columns(4)
    cols[0].metric("Answers", answers)
    cols[1].metric("Questions practised", f"{len(latest)} of {len(bank.questions)}")
    cols[2].metric("Average latest score", f"{sum(latest.values()) / len(latest):.1f} / 10")
    cols[3].metric("Reviews due", due)


def scores_over_time(points: Sequence[Any], bank: Corpus) -> None:
    st.subheader("Scores over time")
    frame = _timeline(points, {"score": "score", "mode": "mode", "question": "question_id", "category": "category"})
    frame["category"] = [bank.category_title(c) for c in frame["category"]]
    frame["attempt"] = range(1, len(frame) + 1)
    base = alt.Chart(frame).encode(
        x=date_axis(frame["when"]),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 10])),
    )
    line = (
        base.mark_line(color="#a3a8b8")
        .transform_window(rolling="mean(score)", frame=[-4, 0])
        .encode(y=alt.Y("rolling:Q", title="score (points; line: mean of the last 5)"))
    )
    dots = base.mark_circle(size=70).encode(
        color=alt.Color("mode:N"),
        tooltip=["attempt", alt.Tooltip("when:T", format="%d %b %Y %H:%M"), "question", "category", "mode", "score"],
    )
    st.altair_chart(line + dots, width="stretch")


def shown_series(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns worth a line: an empty or all-zero series would only draw a flat "0.000000" axis."""
    return [c for c in columns if frame[c].fillna(0).ne(0).any()]


def delivery_over_time(history: History) -> None:
    """Fillers, hedges and pace of the answers that have delivery metrics; nothing when none has."""
    delivery = history.delivery_history()
    if not delivery:
        return
    st.subheader("Delivery over time")
    st.caption("Fillers per minute and hedges per answer; pace of spoken answers (110-170 words/min reads well).")
    trend = _timeline(
        delivery,
        {
            "fillers per minute": "fillers_per_minute",
            "hedges": "hedge_count",
            "words per minute": "words_per_minute",
        },
    )
    cols = st.columns(2)
    habits = shown_series(trend, ["fillers per minute", "hedges"])
    if habits:
        cols[0].altair_chart(_trend(trend, habits), width="stretch")
    else:
        cols[0].caption("No filler words or hedges in your answers yet.")
    if shown_series(trend, ["words per minute"]):
        cols[1].altair_chart(_trend(trend.dropna(subset=["words per minute"]), ["words per minute"]), width="stretch")
    else:
        cols[1].caption("No spoken answers yet: record one to see your pace here.")


def _trend(frame: pd.DataFrame, series: list[str]) -> alt.Chart:
    """A line per series over a date axis."""
    return (
        alt.Chart(frame)
        .transform_fold(series, as_=["series", "value"])
        .mark_line(point=True)
        .encode(
            x=date_axis(frame["when"]),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("when:T", format="%d %b %Y %H:%M"), "series:N", "value:Q"],
        )
        .properties(height=220)
    )


def mastery_frame(history: History, bank: Corpus) -> pd.DataFrame:
    """One row per practised category, weakest first: its title, mastery, questions and attempts."""
    return pd.DataFrame(
        [
            {
                "category": bank.category_title(m.category),
                "mastery": m.mastery,
                "questions": m.questions,
                "attempts": m.attempts,
            }
            for m in history.mastery()
        ],
        columns=["category", "mastery", "questions", "attempts"],
    )


def mastery_chart(mframe: pd.DataFrame) -> alt.LayerChart:
    """A bar per category with its title beside it and its score at the bar's end (a 0 draws no bar)."""
    base = alt.Chart(mframe).encode(
        x=alt.X("mastery:Q", scale=alt.Scale(domain=[0, 10])),
        # Vega-Lite hides labels that overlap: a fixed step per bar and no overlap rule keep them all.
        y=alt.Y("category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        tooltip=["category", "mastery", "questions", "attempts"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("mastery:Q", scale=alt.Scale(domain=[0, 10], scheme="redyellowgreen"), legend=None)
    )
    scores = base.mark_text(align="left", dx=4).encode(text=alt.Text("mastery:Q", format=".1f"))
    return (bars + scores).properties(height=alt.Step(BAR_STEP))


def mastery_by_category(history: History, bank: Corpus) -> None:
    st.subheader("Mastery by category")
    st.caption("The mean of the latest score of each question you answered in the category.")
    st.altair_chart(mastery_chart(mastery_frame(history, bank)), width="stretch")


def most_missed(history: History, bank: Corpus) -> None:
    st.subheader("Key points missed most often")
    missed = history.most_missed(10)
    if not missed:
        st.caption("No key point missed yet.")
        return
    st.dataframe(
        [
            {
                "key point": m.text,
                "weight": m.weight,
                "missed": f"{m.missed} of {m.seen}",
                "question": bank.get(m.question_id).prompt if m.question_id in bank.pack_of else m.question_id,
            }
            for m in missed
        ],
        hide_index=True,
        key="missed_table",
    )


def review_queue(queue: Sequence[ReviewItem], bank: Corpus, now: float) -> None:
    """The review cards, the soonest due first, each saying why it is due, with a button that opens
    its question on the Practice page."""
    st.subheader("Review queue")
    st.caption(
        "Scheduled by FSRS, the spaced-repetition model Anki uses. Each answer is rated from its score: "
        "Again (a must-have point missed, or under 4), Hard (partial), Good, Easy (8 or more). FSRS brings "
        "a question back when your chance of recalling it falls to 90%: tomorrow after Again, later after "
        f"each good answer. A must-have point missed {POINT_CARD_MISSES} times gets a card of its own."
    )
    shown = [item for item in queue if item.question_id in bank.pack_of]  # cards of questions still in the bank
    if not shown:
        st.caption("Empty: answer a question to schedule its first review.")
    elif not shown[0].is_due(now):
        st.caption(f"Nothing due now; the next review is {due_label(shown[0].due_at, now)}.")
    for index, item in enumerate(shown[:REVIEW_SHOWN]):
        q = bank.get(item.question_id)
        with st.container(border=True):
            cols = st.columns([5, 1], vertical_alignment="center")
            with cols[0]:
                st.markdown(f"**{md_escape(q.prompt)}**")
                st.caption(md_escape(f"{due_label(item.due_at, now)}: {item.why(now)}"))
            if cols[1].button(
                "Review now",
                key=f"review-{q.id}" if item.point is None else f"review-{q.id}-point-{index}",
                type="primary" if item.is_due(now) else "secondary",
                on_click=open_in_practice,
                args=(q.id, "review"),
            ):
                st.switch_page(PRACTICE_PAGE)
    if len(shown) > REVIEW_SHOWN:
        st.caption(f"…and {len(shown) - REVIEW_SHOWN} more.")


def recent_answers(history: History, bank: Corpus) -> None:
    """The last 200 answers in a table, and the whole history to download."""
    with st.expander("Recent answers and exports"):
        recent = history.attempts(limit=200)
        st.dataframe(
            [
                {
                    "when": time.strftime("%Y-%m-%d %H:%M", time.localtime(a.created_at)),
                    "mode": a.mode,
                    "question": a.prompt,
                    "score": a.score,
                    "band": a.judgement.band,
                    "judge": a.judgement.judge,
                }
                for a in reversed(recent)
            ],
            hide_index=True,
            key="recent_table",
        )
        cols = st.columns([1, 1, 3])
        # Built when clicked, not on every run: the whole history can be large.
        cols[0].download_button(
            "All attempts (JSON)", lambda: attempts_json(history.attempts(), bank), "history.json", "application/json"
        )
        cols[1].download_button(
            "All attempts (CSV)", lambda: attempts_csv(history.attempts(), bank), "history.csv", "text/csv"
        )


def past_report_html(attempts: Sequence[Attempt], bank: Corpus) -> str:
    """The report to share of a past mock interview, from its stored answers and their follow-ups."""
    interview = MockInterview.from_attempts(attempts, bank)
    return report_html(interview.report(bank), [s.judgement for s in interview.slots])


def mock_reports(history: History, bank: Corpus) -> None:
    """Past mock interviews, each downloadable as the HTML report to share."""
    sessions: dict[str, list[Attempt]] = {}
    for a in history.attempts(mode="mock"):
        sessions.setdefault(a.session_id, []).append(a)
    if not sessions:
        return

    def label(session_id: str) -> str:
        answers = sessions[session_id]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(answers[0].created_at))
        mean = sum(a.score for a in answers) / len(answers)
        return f"{when} · {len(answers)} answered · {mean:.1f} / 10"

    with st.expander("Mock interview reports"):
        chosen = st.selectbox("Mock interview", list(reversed(sessions)), format_func=label, key="progress_mock")
        stamp = time.strftime("%Y%m%d-%H%M", time.localtime(sessions[chosen][0].created_at))
        # Built when clicked, like the history exports.
        st.download_button(
            "Report to share (HTML)",
            lambda: past_report_html(history.attempts(session_id=chosen), bank),
            f"mock-interview-{stamp}.html",
            "text/html",
            key="progress_mock_html",
        )


def main() -> None:
    bank = corpus()
    history = runtime().history
    st.title("Progress")
    points = history.score_history()
    if not points:
        st.info("No attempts yet: answer a question on the Practice page or run a mock interview.")
        return
    now = time.time()
    queue = history.review_queue()
    summary(history, bank, len(points), sum(item.is_due(now) for item in queue if item.question_id in bank.pack_of))
    scores_over_time(points, bank)
    delivery_over_time(history)
    left, right = st.columns(2)
    with left:
        mastery_by_category(history, bank)
    with right:
        most_missed(history, bank)
    review_queue(queue, bank, now)
    recent_answers(history, bank)
    mock_reports(history, bank)


main()
