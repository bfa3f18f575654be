"""Streamlit entry point: pick a question, answer it, see the judgement and its evidence."""

from __future__ import annotations

import streamlit as st

from simulator import Engine, SimulatorError
from simulator.grading import Judgement

st.set_page_config(page_title="MLOps interview simulator", page_icon="🎯", layout="wide")


@st.cache_resource(show_spinner="Loading the embedding model and indexing the question bank…")
def engine() -> Engine:
    eng = Engine()
    eng.ensure_indexed()
    return eng


def show_judgement(j: Judgement) -> None:
    if not j.valid:
        st.warning(f"Not graded (score 0): {j.reason}")
        return
    st.metric("Score", f"{j.score:.1f} / 10", j.band)
    st.caption(j.provenance)
    for k in j.key_points:
        mark = "✅" if k.hit else "❌"
        st.text(f"{mark} [{k.weight}] {k.text}  (similarity {k.similarity:.2f})")
        if k.evidence:
            st.caption(f"evidence: “{k.evidence}”")
    if j.follow_up:
        st.info(f"Follow-up: {j.follow_up}")


def main() -> None:
    st.title("MLOps mock interview")
    try:
        eng = engine()
        questions = eng.corpus.questions
    except SimulatorError as exc:
        st.error(str(exc))
        return
    question = st.selectbox("Question", questions, format_func=lambda q: f"[{q.category}] {q.prompt}")
    answer = st.text_area("Your answer", height=200, key=f"answer-{question.id}")
    if st.button("Grade my answer", type="primary"):
        try:
            show_judgement(eng.grade(question.id, answer))
        except SimulatorError as exc:
            st.error(str(exc))
        with st.expander("Model answer"):
            st.text(question.reference_answer)


main()
