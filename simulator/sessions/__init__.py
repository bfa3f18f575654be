"""Sessions: choosing questions, mock interviews and their reports."""

from .html_report import report_html
from .mock import MockInterview, answer_question, start_mock
from .report import MockReport, format_duration
from .selection import QuestionFilter, rank_for_job, search, select, surprise

__all__ = [
    "MockInterview",
    "MockReport",
    "QuestionFilter",
    "answer_question",
    "format_duration",
    "rank_for_job",
    "report_html",
    "search",
    "select",
    "start_mock",
    "surprise",
]
