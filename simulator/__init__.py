"""MLOps mock-interview simulator: the core (no Streamlit here)."""

from .bank import AdhocQuestion, Corpus, KeyPoint, Pack, Question, adhoc_question
from .config import Settings
from .engine import Engine
from .errors import SimulatorError
from .grading import Judgement

__all__ = [
    "AdhocQuestion",
    "Corpus",
    "Engine",
    "Judgement",
    "KeyPoint",
    "Pack",
    "Question",
    "Settings",
    "SimulatorError",
    "adhoc_question",
]
