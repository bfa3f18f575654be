"""Micro-batching: grades from many threads (the app's sessions) share encoder passes.

A grade waits up to a small window for others (none after a grade that came alone); one worker
thread then grades them all with `EmbeddingJudge.judge_many`, which changes only speed: each answer
gets the judgement `judge` would give it. docs/RELIABILITY.md has the measured throughput and
latency (`interview-sim bench --concurrency`).
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from ..bank import Question
from .embedding import EmbeddingJudge
from .judgement import Judgement

MAX_BATCH = 32  # answers per pass: a few hundred sentences, a fraction of a second on two cores
IDLE_S = 30.0  # an idle worker stops; the next grade starts another (an unused engine holds no thread)


@dataclass
class _Request:
    question: Question
    answer: str
    future: Future[Judgement] = field(default_factory=Future)


_STOP = None  # put on a worker's queue by `close`: grade what came before it, then stop


class Batcher:
    """A Judge that grades through `judge`'s `judge_many`, batching the grades that arrive together."""

    def __init__(self, judge: EmbeddingJudge, window_s: float, max_batch: int = MAX_BATCH):
        self.name = judge.name
        self._judge = judge
        self.window_s = window_s
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._last = 0  # how many grades the last batch held

    def judge(self, question: Question, answer: str) -> Judgement:
        """Grade one answer (blocks until its batch is graded); the judge's exception if it fails."""
        request = _Request(question, answer)
        with self._lock:
            self._queue.put(request)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, args=(self._queue,), name="grading-batcher")
                self._worker.daemon = True  # never keeps the process alive
                self._worker.start()
        return request.future.result()

    def close(self) -> None:
        """Grade what is queued, then stop the worker; a later grade starts a new one."""
        with self._lock:
            worker, self._worker = self._worker, None
            if worker is None:
                return
            self._queue.put(_STOP)
            # The stopping worker keeps its queue; a new one gets a fresh queue, never the old one's stop.
            self._queue = queue.SimpleQueue()
        worker.join()

    def _run(self, requests: queue.SimpleQueue[_Request | None]) -> None:
        while True:
            try:
                first = requests.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    # Under the lock no grade can be queued between this check and the worker's exit.
                    if requests is self._queue and requests.empty():
                        self._worker = None
                        return
                continue
            if first is _STOP:
                return
            batch, stop = self._collect(requests, first)
            self._grade(batch)
            if stop:
                return

    def _collect(self, requests: queue.SimpleQueue[_Request | None], first: _Request) -> tuple[list[_Request], bool]:
        """The first request and those that arrive within the window (up to `max_batch`); True after a stop.

        After a batch of one the window is skipped: a lone candidate does not wait for company that
        is not coming (grades queued meanwhile still join); the next batch of several opens it again.
        """
        batch = [first]
        deadline = time.monotonic() + (self.window_s if self._last > 1 else 0.0)
        while len(batch) < self.max_batch:
            try:
                # Whatever is queued already joins without waiting: under load a batch fills while the last one runs.
                request = requests.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if request is _STOP:
                return batch, True
            batch.append(request)
        return batch, False

    def _grade(self, batch: list[_Request]) -> None:
        self._last = len(batch)
        try:
            judgements = self._judge.judge_many([r.question for r in batch], [r.answer for r in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            # One answer that breaks the judge must not fail the others: each is graded on its own.
            for request in batch:
                self._grade([request])
            return
        for request, judgement in zip(batch, judgements):
            request.future.set_result(judgement)
