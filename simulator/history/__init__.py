"""The history: every graded attempt stored the moment it is graded, per user, progress, reviews and exports."""

from .cohort import Cohort, CohortMiss, UserActivity, UserMastery
from .export import attempts_csv, attempts_json, to_csv
from .records import LOCAL_USER, MODES, Attempt, Mode, RecordOptions, ReviewItem, score_change
from .store import DAY, LEITNER_DAYS, History

__all__ = [
    "DAY",
    "LEITNER_DAYS",
    "LOCAL_USER",
    "MODES",
    "Attempt",
    "Cohort",
    "CohortMiss",
    "History",
    "Mode",
    "RecordOptions",
    "ReviewItem",
    "UserActivity",
    "UserMastery",
    "attempts_csv",
    "attempts_json",
    "score_change",
    "to_csv",
]
