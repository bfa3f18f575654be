"""The mock interview report's chart: one bar per question, its thread's score, coloured by band."""

from __future__ import annotations

import altair as alt
import pandas as pd

from simulator.grading import band_for
from simulator.sessions import MockReport
from ui.judgement_view import BAND_COLORS, BAND_HEX


def chart_data(report: MockReport) -> pd.DataFrame:
    """One row per question for the report's chart: its bar, band, category title and the word above it."""
    return pd.DataFrame(
        [
            {
                "question": f"Q{r.number}",
                "score": r.thread_score,  # the question's score: its thread's
                "band": band_for(r.thread_score, r.valid) if r.answered else r.band,
                # A 0 draws no bar: the word above it says why.
                "label": f"{r.thread_score:.1f}" if r.valid else ("not reached" if not r.answered else "not graded"),
                "category": r.category_title,
                "prompt": r.prompt,
            }
            for r in report.rows
        ]
    )


def legend_bands(data: pd.DataFrame) -> list[str]:
    """The bands in the legend: only those with a bar drawn (a 0 draws none)."""
    drawn = set(data.loc[data["score"] > 0, "band"])
    return [b for b in BAND_COLORS if b in drawn]


def score_chart(report: MockReport) -> alt.LayerChart:
    data = chart_data(report)
    bands = legend_bands(data)
    base = alt.Chart(data).encode(
        # The questions in order: the bars' layer alone would list the drawn ones first.
        x=alt.X("question:N", scale=alt.Scale(domain=list(data["question"])), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 10]), title="score"),
        tooltip=["question", "prompt", "category", "score", "band"],
    )
    bars = base.transform_filter(alt.datum.score > 0).mark_bar()
    bars = bars.encode(color=alt.Color("band:N", scale=alt.Scale(domain=bands, range=[BAND_HEX[b] for b in bands])))
    labels = base.mark_text(baseline="bottom", dy=-3).encode(text="label:N")
    return (bars + labels).properties(height=260)
