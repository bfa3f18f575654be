"""A judgement on the page: the score header with its provenance, then the evidence and feedback."""

from __future__ import annotations

import functools

import streamlit as st

from simulator import Judgement, Question
from simulator.grading.calibration import load_calibration
from simulator.grading.judgement import Band, StarAnalysis
from ui.text import bullets, md_escape, plural
from ui.widgets import WEIGHT_TAGS, widget_key

BAND_COLORS: dict[Band, str] = {
    "excellent": "green",
    "good": "blue",
    "partial": "orange",
    "weak": "red",
    "invalid": "gray",
}
# The same colours as hex, for charts (Altair does not know Streamlit's colour names).
BAND_HEX: dict[Band, str] = {
    "excellent": "#21a366",
    "good": "#1c83e1",
    "partial": "#ff8700",
    "weak": "#e03c31",
    "invalid": "#a3a8b8",
}
HUMAN_AGREEMENT = 0.59  # Pearson r of the two human graders of the dev file's answers (Mohler et al. 2011)


def provenance_badge(j: Judgement) -> None:
    color = "orange" if j.fallback_reason else "gray" if j.advisory else "violet" if j.judge == "llm" else "green"
    icon = ":material/warning:" if j.fallback_reason else ":material/smart_toy:" if j.judge == "llm" else None
    st.badge(md_escape(j.provenance), color=color, icon=icon)  # type: ignore[arg-type]


@functools.cache
def trust_note() -> str | None:
    """How far the offline score can be trusted, from the figures the shipped calibration was fitted with."""
    metrics = load_calibration().metrics
    r, rmse = metrics.get("cv_assignment_pearson"), metrics.get("cv_assignment_rmse")
    if r is None or rmse is None:
        return None
    return (
        f"Measured: agrees with human graders at r {r:.2f} (error {rmse:.2f} on a 0-5 scale) on assignments it "
        f"was not fitted on (two human graders agree at {HUMAN_AGREEMENT}). It catches the misconceptions the "
        "bank lists and negated key points, not every fluent false claim; an LLM judge (Settings) reads for more."
    )


def score_header(j: Judgement, delta: float | None = None) -> None:
    """The score, its band and who graded it; why it is capped, and any fallback or disagreement."""
    cols = st.columns([1, 3], vertical_alignment="center")
    cols[0].metric("Score", f"{j.score:.1f} / 10", delta=None if delta is None else f"{delta:+.1f}")
    with cols[1]:
        st.badge(j.band, color=BAND_COLORS[j.band])  # type: ignore[arg-type]
        provenance_badge(j)
        if j.valid and j.ceiling is not None:
            st.caption(f"Held at {j.ceiling:.1f} at most, whoever grades it: see Feedback for why.")
        if j.valid and (j.judge == "embedding" or j.advisory) and (note := trust_note()):
            st.caption(note)
    if j.llm_issues:
        st.warning(
            "The LLM's reply failed checks, so the embedding score is shown:  \n"
            + "  \n".join(f"- {md_escape(issue)}" for issue in j.llm_issues),
            icon=":material/rule:",
        )
    elif j.advisory:
        st.info(
            md_escape(
                f"{j.model} failed the test on the Settings page (it could not rank test answers in order, or "
                "obeyed one that asked for full marks), so the score is the embedding score and its feedback is "
                "shown as its opinion."
            ),
            icon=":material/rule:",
        )
    if j.fallback_reason:
        st.warning(
            md_escape(
                f"The LLM judge did not grade this answer, so the score is the embedding one: {j.fallback_reason}"
            )
        )
    if j.disagreement_note:
        st.info(md_escape(j.disagreement_note), icon=":material/balance:")


def highlighted_answer(j: Judgement) -> str:
    """The answer as graded, sentence by sentence, with each evidence sentence highlighted and
    followed by the numbers of the key points it earned (the numbers of `key_points_hit`), and each
    sentence that states a misconception in red (its correction is in Feedback)."""
    earned: dict[int, list[int]] = {}
    for n, k in enumerate((k for k in j.key_points if k.hit), start=1):
        if k.evidence_index is not None:
            earned.setdefault(k.evidence_index, []).append(n)
    wrong = {m.evidence_index for m in j.misconceptions}
    parts = []
    for i, sentence in enumerate(j.sentences):
        if i in wrong:
            parts.append(f":red-background[{md_escape(sentence)}] :red[**\\[false claim\\]**]")
        elif i in earned:
            marks = ",".join(str(n) for n in earned[i])
            parts.append(f":green-background[{md_escape(sentence)}] :green[**\\[{marks}\\]**]")
        else:
            parts.append(md_escape(sentence))
    return " ".join(parts)


def _key_points(j: Judgement) -> None:
    """Key points covered, each with the sentence that earned it, beside the ones missed."""
    hit = [k for k in j.key_points if k.hit]
    # Must-have points first: they weigh more.
    missed = sorted((k for k in j.key_points if not k.hit), key=lambda k: k.weight != "must")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Key points covered ({len(hit)} of {len(j.key_points)})**")
        if not hit:
            st.caption("None yet.")
        for n, k in enumerate(hit, start=1):
            st.markdown(f":green[**\\[{n}\\]**] {md_escape(k.text)} :gray[({k.weight})]")
            if k.evidence:
                st.caption(md_escape(f"“{k.evidence}”"))
    with right:
        st.markdown(f"**Key points missed ({len(missed)})**")
        if not missed:
            st.caption("None: every key point is covered.")
        for k in missed:
            st.markdown(f"{WEIGHT_TAGS[k.weight]} {md_escape(k.text)}")


STAR_TITLES = {"situation": "Situation", "task": "Task", "action": "Action", "result": "Result"}


def star_block(star: StarAnalysis, key: str) -> None:
    """The answer's STAR structure: each part with the sentence that tells it or "missing", who
    acted in the actions, whether the result is measured, and what to add."""
    with st.container(border=True, key=widget_key("star", key)):
        st.markdown("**STAR structure** :gray[(how the story is told; it does not change the score)]")
        for column, part in zip(st.columns(4), star.components):
            with column:
                title = STAR_TITLES[part.part]
                if part.found:
                    st.markdown(f":green[:material/check_circle:] **{title}**")
                    more = len(part.evidence) - 1
                    st.caption(
                        md_escape(f"“{part.evidence[0]}”" + (f" and {plural(more, 'more sentence')}" if more else ""))
                    )
                else:
                    st.markdown(f":orange[:material/error:] **{title}**: missing")
        facts = [f"In the action sentences: 'I' ×{star.i_count}, 'we' ×{star.we_count}."]
        if star.part("result").found:
            facts.append(f"Result measured: {star.measure}." if star.measured else "Result not measured.")
        st.caption(md_escape(" ".join(facts)))
        bullets("STAR feedback", star.feedback)


def show_judgement(j: Judgement, question: Question, key: str, show_model_answer: bool = True) -> None:
    """The answer with its evidence, key points hit and missed, feedback, the model answer."""
    if not j.valid:
        st.warning(md_escape(f"Not graded (score 0): {j.reason}"), icon=":material/block:")
    if j.sentences:
        st.markdown("**Your answer, with the sentences that earned key points highlighted** (false claims in red)")
        with st.container(border=True, key=widget_key("evidence", key)):
            st.markdown(highlighted_answer(j))
    if j.key_points:
        _key_points(j)
    else:
        bullets("Must-have points to cover", j.missed)
    if j.star is not None:
        star_block(j.star, key)
    bullets("Feedback", j.feedback)
    bullets(f"{md_escape(j.model)}'s opinion (advisory: it did not change the score)", j.opinion)
    if j.criteria:
        st.markdown("**Rubric (the LLM's opinion, not scored)**" if j.advisory else "**Rubric (LLM judge)**")
        st.dataframe(
            [
                {"criterion": c.name, "score": f"{c.score:g} / {c.max_score:g}", "why": c.justification}
                for c in j.criteria
            ],
            hide_index=True,
        )
    bullets("A stronger answer would (the LLM's opinion)" if j.advisory else "A stronger answer would", j.outline)
    if show_model_answer:
        with st.expander("Model answer", expanded=False):
            st.markdown(md_escape(question.reference_answer))
