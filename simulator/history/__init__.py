"""The history: every graded attempt stored as it is graded, per user; progress, FSRS reviews, exports."""

from .cohort import Cohort, CohortMiss, UserActivity, UserMastery
from .export import attempts_csv, attempts_json, to_csv
from .records import LOCAL_USER, MODES, Attempt, Mode, RecordOptions, ReviewItem, score_change
from .schedule import POINT_CARD_MISSES, SCHEDULER, rating_for
from .store import DAY, History

__all__ = [
    "DAY",
    "LOCAL_USER",
    "MODES",
    "POINT_CARD_MISSES",
    "SCHEDULER",
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
    "rating_for",
    "score_change",
    "to_csv",
]
