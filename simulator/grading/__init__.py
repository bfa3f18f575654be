"""Judges: one protocol, one result type."""

from typing import Protocol

from ..corpus import Question
from .embedding import EmbeddingJudge, adhoc_question
from .judgement import Judgement, KeyPointResult, band_for


class Judge(Protocol):
    """Anything that grades an answer to a question."""

    name: str

    def judge(self, question: Question, answer: str) -> Judgement: ...


__all__ = ["EmbeddingJudge", "Judge", "Judgement", "KeyPointResult", "adhoc_question", "band_for"]
