"""MLOps mock-interview simulator: the core (no Streamlit here)."""

from .config import Settings
from .corpus import Corpus, KeyPoint, Pack, Question
from .engine import Engine
from .errors import SimulatorError
from .grading import Judgement

__all__ = ["Corpus", "Engine", "Judgement", "KeyPoint", "Pack", "Question", "Settings", "SimulatorError"]
