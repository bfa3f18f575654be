"""Preparing for one job: the candidate's résumé read, set against a job description, and the gap plan."""

from .plan import (
    COVERED,
    GapPlan,
    PlannedQuestion,
    Prompt,
    Requirement,
    StoryFeedback,
    coverage,
    gap_plan,
    story_feedback,
)
from .requirements import job_requirements
from .resume import MAX_RESUME_BYTES, SUFFIXES, Resume, ResumeLine, load_resume, parse_resume, read_resume

__all__ = [
    "COVERED",
    "MAX_RESUME_BYTES",
    "SUFFIXES",
    "GapPlan",
    "PlannedQuestion",
    "Prompt",
    "Requirement",
    "Resume",
    "ResumeLine",
    "StoryFeedback",
    "coverage",
    "gap_plan",
    "job_requirements",
    "load_resume",
    "parse_resume",
    "read_resume",
    "story_feedback",
]
