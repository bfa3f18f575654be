"""Job plan: a résumé set against a job description, the gaps, and questions to practise for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from simulator import SimulatorError
from simulator.prep import (
    MAX_RESUME_BYTES,
    SUFFIXES,
    GapPlan,
    Prompt,
    StoryFeedback,
    gap_plan,
    read_resume,
    story_feedback,
)
from simulator.prep.plan import MAX_STORY_CHARS
from ui.judgement_view import star_block
from ui.navigation import MOCK_INTERVIEW_PAGE, PLAN_QUESTION_IDS
from ui.runtime import wait_ready, warm_up_last
from ui.text import md_escape, plural

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

PLAN = "_job_plan"  # session state: the plan on screen (never written to disk)
ERROR = "_job_plan_error"
STORIES = "_job_plan_stories"  # prompt number -> its STAR feedback, or why there is none


def _build(upload: UploadedFile | None, job: str) -> None:
    """Read the résumé and the posting, and make the plan (or one error)."""
    for key in (PLAN, ERROR, STORIES):
        st.session_state.pop(key, None)
    if upload is None:
        st.session_state[ERROR] = "Upload your résumé first (PDF, DOCX, Markdown or text)."
        return
    if not job.strip():
        st.session_state[ERROR] = "Paste the job description first."
        return
    try:
        resume = read_resume(upload.name, upload.getvalue())  # its size is checked before it is parsed
        engine = wait_ready()
        st.session_state[PLAN] = gap_plan(engine.embedder, engine.store, engine.corpus, resume, job)
    except SimulatorError as exc:
        st.session_state[ERROR] = str(exc)


def _requirements(plan: GapPlan) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(f"Covered by your résumé ({len(plan.covered)} of {len(plan.requirements)})")
        for req in plan.covered:
            with st.container(border=True):
                st.markdown(f":material/check_circle: **{md_escape(req.text)}**")
                st.caption(f"Evidence from your résumé: {md_escape(req.evidence or '')}")
        if not plan.covered:
            st.caption("No line of your résumé shows evidence for these requirements.")
    with right:
        st.subheader(f"Gaps ({len(plan.gaps)})")
        for req in plan.gaps:
            with st.container(border=True):
                st.markdown(f":material/radio_button_unchecked: **{md_escape(req.text)}**")
        if not plan.gaps:
            st.caption("Your résumé shows evidence for every requirement found.")


def _questions(plan: GapPlan) -> None:
    st.subheader("Questions to practise, gaps first")
    if not plan.questions:
        st.caption("No question of the bank is close to these requirements.")
    for n, planned in enumerate(plan.questions, 1):
        tag = "gap" if planned.gap else "covered"
        st.markdown(f"{n}. {md_escape(planned.question.prompt)}")
        st.caption(f"For the {tag}: {md_escape(planned.requirement)}")
    st.subheader("Behavioral questions from your résumé")
    for n, prompt in enumerate(plan.prompts):
        _story(n, prompt)
    if not plan.prompts:
        st.caption("No line of your résumé tells of something you did (“Built …”, “Led …”).")


def _story(n: int, prompt: Prompt) -> None:
    """A résumé prompt, a box to tell the story in, and its STAR feedback (no score: there is no model
    answer for the candidate's own story)."""
    st.markdown(f"- {md_escape(prompt.text)}")
    with st.expander("Tell this story and get STAR feedback"):
        story = st.text_area("Your story", key=f"plan_story_{n}", height=160, max_chars=MAX_STORY_CHARS)
        results: dict[int, StoryFeedback | str] = st.session_state.setdefault(STORIES, {})
        if st.button("Get STAR feedback", key=f"plan_story_go_{n}"):
            try:
                results[n] = story_feedback(wait_ready().embedder, prompt, story)
            except SimulatorError as exc:
                results[n] = str(exc)
        result = results.get(n)
        if isinstance(result, str):
            st.error(md_escape(result), icon=":material/error:")
        elif result is not None:
            if not result.about_the_line:
                st.warning(
                    md_escape(f"Your story does not seem to be about “{prompt.anchor}”: tell that one, as asked."),
                    icon=":material/help:",
                )
            star_block(result.star, f"plan-{n}")
            st.caption("No score for your own story: there is no model answer to measure it against.")


def main() -> None:
    st.title("Job plan")
    st.markdown(
        "Set your résumé against a job description: which requirements your résumé shows evidence for, "
        "which it does not, and questions to practise for the gaps first. "
        "Your résumé is read for this page only and is not stored."
    )
    upload = st.file_uploader(
        "Your résumé (PDF, DOCX, Markdown or text)",
        type=[s.lstrip(".") for s in SUFFIXES],
        key="plan_resume",
        help=f"Up to {MAX_RESUME_BYTES // 1024 // 1024} MB.",
    )
    if upload is not None:
        st.caption(f"Résumé: {md_escape(upload.name)}, read when you build the plan.")
    job = st.text_area("The job description", key="plan_job", height=220, placeholder="Paste the posting here.")
    if st.button("Build the plan", type="primary", key="plan_build"):
        _build(upload, job)
    if error := st.session_state.get(ERROR):
        st.error(md_escape(error), icon=":material/error:")
    plan: GapPlan | None = st.session_state.get(PLAN)
    if plan is not None:
        _requirements(plan)
        _questions(plan)
        if plan.question_ids and st.button(
            "Start a mock interview from this plan", type="primary", key="plan_start_mock"
        ):
            st.session_state[PLAN_QUESTION_IDS] = list(plan.question_ids)
            st.switch_page(MOCK_INTERVIEW_PAGE)
        if plan.question_ids:
            st.caption(f"The mock interview is offered the {plural(len(plan.question_ids), 'bank question')} above.")
    warm_up_last()


main()
