"""The history: every graded attempt stored the moment it is graded, progress, reviews and exports."""

from .export import attempts_csv, attempts_json, to_csv
from .records import MODES, Attempt, Mode, RecordOptions, ReviewItem, score_change
from .store import DAY, LEITNER_DAYS, History

__all__ = [
    "DAY",
    "LEITNER_DAYS",
    "MODES",
    "Attempt",
    "History",
    "Mode",
    "RecordOptions",
    "ReviewItem",
    "attempts_csv",
    "attempts_json",
    "score_change",
    "to_csv",
]
