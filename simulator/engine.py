"""The engine: settings, corpus, embedder, store and judge wired together once per process."""

from __future__ import annotations

import threading
from functools import cached_property

from .config import Settings
from .corpus import Corpus, Question
from .embeddings import Embedder, default_embedder
from .grading import EmbeddingJudge, Judgement, adhoc_question
from .store import IngestReport, Progress, ReferenceStore, open_client
from .text import words


class Engine:
    """What the CLI and the app call; everything heavy is created on first use."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self.embedder = embedder or default_embedder()
        self._lock = threading.Lock()

    @cached_property
    def corpus(self) -> Corpus:
        return Corpus.load(self.settings.corpus_dir)

    @cached_property
    def store(self) -> ReferenceStore:
        return ReferenceStore(open_client(self.settings), self.embedder)

    @cached_property
    def judge(self) -> EmbeddingJudge:
        vocabulary = {
            w.lower() for q in self.corpus.questions for t in (q.reference_answer, q.prompt) for w in words(t)
        }
        return EmbeddingJudge(self.embedder, self.store, vocabulary=vocabulary)

    @cached_property
    def adhoc_judge(self) -> EmbeddingJudge:
        """Grades questions outside the corpus; needs neither packs nor Chroma."""
        return EmbeddingJudge(self.embedder)

    def ingest(self, progress: Progress | None = None) -> IngestReport:
        """Index the corpus (idempotent)."""
        with self._lock:
            return self.store.ingest(self.corpus, progress)

    def ensure_indexed(self) -> IngestReport:
        """Index what is missing; cheap when the index is current."""
        return self.ingest()

    def question(self, question_id: str) -> Question:
        return self.corpus.get(question_id)

    def grade(self, question_id: str, answer: str) -> Judgement:
        """Grade an answer to a corpus question."""
        return self.judge.judge(self.question(question_id), answer)

    def grade_adhoc(self, prompt: str, reference: str, answer: str, key_points: list[str] | None = None) -> Judgement:
        """Grade an answer to a question given on the spot, with its reference answer."""
        return self.adhoc_judge.judge(adhoc_question(prompt, reference, key_points), answer)
