"""Grading: one protocol, one result type; the embedding judge, and the LLM judge over its evidence."""

from typing import Protocol

from ..bank import Question
from .embedding import EmbeddingJudge
from .judgement import Judgement, KeyPointResult, band_for


class Judge(Protocol):
    """Anything that grades an answer to a question."""

    name: str

    def judge(self, question: Question, answer: str) -> Judgement: ...


__all__ = ["EmbeddingJudge", "Judge", "Judgement", "KeyPointResult", "band_for"]
