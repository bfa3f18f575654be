"""Micro-batching: concurrent grades share encoder passes and get exactly the judgements of one-at-a-time grading."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator import Engine
from simulator.bank import Question
from simulator.config import Settings
from simulator.embeddings import Encoded, MiniLMEmbedder
from simulator.errors import ConfigError
from simulator.grading import EmbeddingJudge, Judgement
from simulator.grading.batching import Batcher

from .helpers import ROOT, invoke

WINDOW_MS = 200  # wide, so that threads started together land in one batch even on a loaded machine


class Counting:
    """The real embedder, counting its forward passes."""

    def __init__(self, embedder: MiniLMEmbedder) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self.calls = 0

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return self._embedder.embed_batch(texts)

    def embed_tokens(self, texts: list[str]) -> list[Encoded]:
        self.calls += 1
        return self._embedder.embed_tokens(texts)


class BreaksOn(EmbeddingJudge):
    """A judge that fails on one answer, as a grader bug would."""

    def judge_many(self, questions: Sequence[Question], answers: Sequence[str]) -> list[Judgement]:
        if any("BOOM" in a for a in answers):
            raise RuntimeError("boom")
        return super().judge_many(questions, answers)


def ladder_answers(engine: Engine) -> list[tuple[Question, str]]:
    """Every rung of every seed ladder: real answers from excellent to off-topic."""
    ladders = yaml.safe_load((ROOT / "tests" / "data" / "ladders.yaml").read_text(encoding="utf-8"))
    return [(engine.question(lad["question_id"]), a) for lad in ladders for k, a in lad.items() if k != "question_id"]


def at_once(
    grade: Callable[[Question, str], Judgement], work: list[tuple[Question, str]]
) -> list[Judgement | Exception]:
    """Each answer graded by its own thread, all started together; a grade's exception in its place."""
    results: list[Judgement | Exception | None] = [None] * len(work)
    start = threading.Barrier(len(work))

    def candidate(i: int) -> None:
        start.wait()
        try:
            results[i] = grade(*work[i])
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=candidate, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def verdict(j: Judgement) -> dict[str, object]:
    """Everything a judgement says (score, band, key points and their evidence, feedback...), except how
    long it took and the similarities behind it, which a padded batch moves in the last float digits."""
    data = j.model_dump(exclude={"elapsed_ms", "features"})
    for point in data["key_points"]:
        del point["similarity"], point["word_match"]
    return data


def similarities_of(j: Judgement) -> list[float]:
    return [*j.features.values(), *(x for k in j.key_points for x in (k.similarity, k.word_match))]


def assert_same(batched: Judgement, alone: Judgement) -> None:
    assert verdict(batched) == verdict(alone)
    assert similarities_of(batched) == pytest.approx(similarities_of(alone), abs=1e-3)


def test_concurrent_grades_share_passes_and_equal_sequential_grading(engine: Engine, embedder: MiniLMEmbedder) -> None:
    counting = Counting(embedder)
    batched = Engine(engine.settings.with_(batch_window_ms=WINDOW_MS), counting)
    work = ladder_answers(batched)
    assert len(work) >= 12 and len({a for _, a in work}) == len(work)
    alone = [batched.judge.judge(q, a) for q, a in work]  # one at a time; also caches the references
    assert len({j.score for j in alone}) > 4  # varied answers, varied judgements

    counting.calls = 0
    together = at_once(batched.grade, work)
    assert all(isinstance(j, Judgement) for j in together)
    # Each caller gets its own answer's judgement, exactly as one-at-a-time grading gives it.
    for (question, _), one, shared in zip(work, alone, together):
        assert isinstance(shared, Judgement)
        assert shared.question_id == question.id
        assert_same(shared, one)
    assert 1 <= counting.calls < len(work)
    batched.batcher.close()


def test_an_exception_reaches_its_caller_and_the_batcher_goes_on(engine: Engine, embedder: MiniLMEmbedder) -> None:
    judge = BreaksOn(embedder, engine.store)
    batcher = Batcher(judge, WINDOW_MS / 1000)
    work = ladder_answers(engine)[:5]
    expected = [judge.judge(q, a) for q, a in work]
    question = work[0][0]

    # One answer breaks its batch: its caller gets the error, the others their judgements.
    results = at_once(batcher.judge, [*work, (question, "BOOM")])
    assert isinstance(results[-1], RuntimeError) and str(results[-1]) == "boom"
    for got, one in zip(results, expected):
        assert isinstance(got, Judgement)
        assert_same(got, one)

    # A batch that fails alone fails its caller; the next grade is graded as usual.
    with pytest.raises(RuntimeError, match="boom"):
        batcher.judge(question, "BOOM again")
    assert_same(batcher.judge(*work[1]), expected[1])

    # Closed, the worker stops; a later grade starts another.
    batcher.close()
    assert_same(batcher.judge(*work[2]), expected[2])
    batcher.close()


def test_batching_is_a_setting(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    monkeypatch.delenv("SIM_BATCH_WINDOW_MS", raising=False)
    assert Settings().batch_window_ms > 0  # on by default
    monkeypatch.setenv("SIM_BATCH_WINDOW_MS", "0")
    off = Engine(Settings(), embedder)
    assert off._grader(in_bank=False) is off.adhoc_judge
    monkeypatch.setenv("SIM_BATCH_WINDOW_MS", "soon")
    with pytest.raises(ConfigError, match=r"SIM_BATCH_WINDOW_MS='soon'.*between 0 .* and 1000"):
        Settings()


def test_bench_prints_the_concurrency_table(seed_only: Path) -> None:
    code, out, err = invoke("bench", "--concurrency", "1,2", "--grades", "4", "--rounds", "2")
    assert code == 0, err
    assert "one at a time:" in out and "candidates  grades/s  p50 ms  p95 ms  ratio" in out
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"])]
    assert [r[0] for r in rows] == ["1", "2"] and all(float(r[1]) > 0 and r[4].endswith("x") for r in rows)

    code, out, err = invoke("bench", "--concurrency", "2", "--grades", "2", "--rounds", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["grades"] == 2 and report["rounds"] == 1 and report["one_at_a_time"]["grades_per_s"] > 0
    level = report["candidates"]["2"]
    assert level["grades_per_s"] > 0 and level["p50_ms"] <= level["p95_ms"] and level["ratio"] > 0


@pytest.mark.parametrize("bad", ["0", "five", "1,,5", ""])
def test_bench_refuses_a_bad_concurrency(bad: str) -> None:
    code, _, err = invoke("bench", "--concurrency", bad)
    assert code == 2 and "give numbers of candidates separated by commas" in err
