"""The question bank: packs and rubrics as validated YAML, importers, the validator and uploads."""

from .adhoc import adhoc_question, point_question
from .corpus import Corpus
from .files import load_pack, load_rubrics
from .models import (
    DIFFICULTIES,
    KINDS,
    AdhocQuestion,
    Difficulty,
    KeyPoint,
    Kind,
    Misconception,
    Pack,
    PointQuestion,
    Question,
    Rubric,
)

__all__ = [
    "DIFFICULTIES",
    "KINDS",
    "AdhocQuestion",
    "Corpus",
    "Difficulty",
    "KeyPoint",
    "Kind",
    "Misconception",
    "Pack",
    "PointQuestion",
    "Question",
    "Rubric",
    "adhoc_question",
    "load_pack",
    "load_rubrics",
    "point_question",
]
