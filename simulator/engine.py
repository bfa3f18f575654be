"""The engine: settings, corpus, embedder, store and judge wired together once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock, Timeout

from .bank import Corpus, PointQuestion, Question, Rubric, load_rubrics, point_question
from .config import LLMSettings, Settings
from .embeddings import Embedder, default_embedder
from .errors import ConfigError, SimulatorError, StoreError
from .grading import EmbeddingJudge, Judge, Judgement
from .grading.batching import Batcher
from .store import IngestReport, Progress, ReferenceStore, demoted, open_client, quarantine
from .text import split_sentences, words

if TYPE_CHECKING:  # the LLM judge imports openai (about a second): only when an LLM is configured
    from .grading.llm import LLMJudge
    from .grading.llm_checks import Qualification

# Two processes on one SIM_HOME (the app and `interview-sim ingest`) take turns; a second one
# waits this long for the first, then gives up with a message rather than hanging.
INGEST_WAIT_S = 120


class Engine:
    """What the CLI and the app call; everything heavy is created on first use."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self.embedder = embedder or default_embedder()
        self._lock = threading.Lock()
        self._llm_judges: dict[tuple[LLMSettings, bool], LLMJudge] = {}
        self.notices: list[str] = []  # things the user should know, e.g. the store was rebuilt

    @cached_property
    def corpus(self) -> Corpus:
        return Corpus.load(self.settings.corpus_dir)

    @cached_property
    def store(self) -> ReferenceStore:
        """The reference store; an unreadable local one is moved aside and rebuilt from the corpus."""
        try:
            return ReferenceStore(open_client(self.settings), self.embedder)
        except StoreError as exc:
            if self.settings.chroma_url:
                raise
            moved = quarantine(self.settings.chroma_dir)
            self.notices.append(
                f"The reference store could not be read ({exc.cause}); it was moved to {moved.name} "
                "and rebuilt from the question bank."
            )
            return ReferenceStore(open_client(self.settings), self.embedder)

    @cached_property
    def judge(self) -> EmbeddingJudge:
        vocabulary = {
            w.lower() for q in self.corpus.questions for t in (q.reference_answer, q.prompt) for w in words(t)
        }
        return EmbeddingJudge(self.embedder, self.store, vocabulary=vocabulary)

    @cached_property
    def adhoc_judge(self) -> EmbeddingJudge:
        """Grades questions outside the corpus. With the bank indexed, an answer that fits one of its
        questions better than the one asked is off-topic; without it, needs neither packs nor Chroma."""
        return EmbeddingJudge(self.embedder, self._indexed_store())

    def _indexed_store(self) -> ReferenceStore | None:
        """The store when one exists already (never created or filled for an ad-hoc grade)."""
        if not (self.settings.chroma_url or self.settings.chroma_dir.exists()):
            return None
        try:
            return self.store
        except SimulatorError:
            return None

    def ingest(self, progress: Progress | None = None) -> IngestReport:
        """Index the corpus (idempotent); one process at a time per data directory."""
        self.settings.ensure_home()
        lock = FileLock(self.settings.home / ".ingest.lock")
        try:
            with self._lock, lock.acquire(timeout=INGEST_WAIT_S):
                return self.store.ingest(self.corpus, progress)
        except Timeout:
            raise StoreError(
                f"Another process has been indexing {self.settings.home} for over {INGEST_WAIT_S} s: "
                "wait for it to finish (or stop it), then try again."
            ) from None

    def ensure_indexed(self) -> IngestReport:
        """Index what is missing; cheap when the index is current."""
        return self.ingest()

    def point_question(self, question: Question, point: str) -> PointQuestion:
        """What the answer to a follow-up about key point `point` is graded against: the point, with
        the sentence of the reference answer nearest to it in meaning as the reference."""
        sentences = split_sentences(question.reference_answer) or [question.reference_answer]
        vectors = self.embedder.embed_batch(demoted([*sentences, point], question))
        return point_question(question, point, sentences[int(np.argmax(vectors[:-1] @ vectors[-1]))])

    def question(self, question_id: str) -> Question:
        return self.corpus.get(question_id)

    def grade(self, question: Question, answer: str, llm: LLMSettings | None = None) -> Judgement:
        """Grade an answer: the embedding judge, and over its evidence the LLM judge when `llm` is configured.

        Bank questions are graded against the store and the bank's other references; a question
        given on the spot (`AdhocQuestion`) needs neither packs nor Chroma.
        """
        if llm is not None and llm.configured:
            return self.llm_judge(llm, question.in_bank).judge(question, answer)
        return self._grader(question.in_bank).judge(question, answer)

    def _evidence(self, in_bank: bool) -> EmbeddingJudge:
        """The embedding judge for bank questions (store, vocabulary) or for ad-hoc ones (neither)."""
        return self.judge if in_bank else self.adhoc_judge

    def _grader(self, in_bank: bool) -> Judge:
        """The embedding judge, behind its micro-batcher unless batching is off (SIM_BATCH_WINDOW_MS=0)."""
        if self.settings.batch_window_ms <= 0:
            return self._evidence(in_bank)
        return self.batcher if in_bank else self.adhoc_batcher

    @cached_property
    def batcher(self) -> Batcher:
        """The bank questions' judge shared by concurrent grades (the app's sessions): one encoder pass
        for the answers that arrive within `Settings.batch_window_ms` of each other."""
        return Batcher(self.judge, self.settings.batch_window_ms / 1000)

    @cached_property
    def adhoc_batcher(self) -> Batcher:
        """The same for questions given on the spot."""
        return Batcher(self.adhoc_judge, self.settings.batch_window_ms / 1000)

    @cached_property
    def rubrics(self) -> dict[str, Rubric]:
        return load_rubrics(self.settings.rubrics_dir)

    def llm_judge(self, llm: LLMSettings, in_bank: bool = True) -> LLMJudge:
        """The LLM judge over the bank's (or the ad-hoc) evidence, one per settings (it remembers what
        the server supports); advisory when its model failed qualification on this server."""
        from .grading.llm import LLMJudge
        from .grading.llm_checks import load_qualification

        key = (llm, in_bank)
        with self._lock:
            if key not in self._llm_judges:
                try:
                    rubrics = self.rubrics
                except SimulatorError:
                    rubrics = {}  # the judge falls back with "no rubric for ..." and grading goes on
                cache = self.settings.home / "cache" / "llm"
                self._llm_judges[key] = LLMJudge(self._evidence(in_bank), llm, rubrics, cache_dir=cache)
            judge = self._llm_judges[key]
        record = load_qualification(self.settings.home, llm)  # read per grade: a test in another process counts
        judge.advisory = record is not None and not record.passed
        return judge

    def test_connection(
        self, llm: LLMSettings, progress: Callable[[int, int], None] | None = None
    ) -> tuple[str, Qualification]:
        """One tiny request to the LLM server (ConfigError saying why if it fails), then its qualification:
        a sentence for the connection, and how the model graded the ladder (`qualify`)."""
        from .grading.llm import check_connection

        return check_connection(llm), self.qualify(llm, progress)

    def qualify(self, llm: LLMSettings, progress: Callable[[int, int], None] | None = None) -> Qualification:
        """Grade the qualification ladder with this LLM and record the result in SIM_HOME (never the key):
        a model that fails it is advisory from then on."""
        from .grading.llm_checks import LADDER_QUESTION, qualify, save_qualification

        try:
            question = self.question(LADDER_QUESTION)
        except SimulatorError:
            raise ConfigError(
                f"The model was not tested: its test answers are to question {LADDER_QUESTION} of the seed pack "
                "(corpus/mlops-seed.yaml), which this bank does not have. Add that pack to test it."
            ) from None
        result = qualify(self.llm_judge(llm).judge, question, llm, progress)
        save_qualification(self.settings.home, result)
        return result
