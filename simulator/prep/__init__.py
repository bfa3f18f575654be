"""Preparing for one job: the candidate's résumé read, set against a job description, and the gap plan."""

from .plan import COVERED, GapPlan, PlannedQuestion, Prompt, Requirement, coverage, gap_plan
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
    "coverage",
    "gap_plan",
    "job_requirements",
    "load_resume",
    "parse_resume",
    "read_resume",
]
