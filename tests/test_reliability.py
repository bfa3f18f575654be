"""Faults of the store and of processes: corruption, deletion, two writers, SIGKILL, many threads."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from filelock import FileLock

from simulator import Engine, Settings
from simulator import engine as engine_module
from simulator.bank import Corpus, load_pack
from simulator.embeddings import MiniLMEmbedder, default_embedder
from simulator.errors import StoreError

from .helpers import ROOT, copy_corpus, subprocess_env

SEED = ROOT / "corpus" / "mlops-seed.yaml"
QID = "seed-shadow-deployment"


def seed_engine(home: Path, embedder: MiniLMEmbedder) -> Engine:
    engine = Engine(Settings().with_(home=home), embedder)
    engine.__dict__["corpus"] = Corpus([load_pack(SEED)])
    return engine


def test_corrupted_store_is_moved_aside_and_rebuilt(sim_home: Path, embedder: MiniLMEmbedder) -> None:
    seed_engine(sim_home, embedder).ingest()
    db = sim_home / "chroma" / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 500)
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # a new process would not have the old client cached
    engine = seed_engine(sim_home, embedder)
    report = engine.ingest()
    assert report.embedded == 12
    assert engine.notices and "rebuilt from the question bank" in engine.notices[0]
    assert list(sim_home.glob("chroma.broken-*")), "the unreadable store is kept for inspection"
    question = engine.question(QID)
    assert engine.grade(question, question.reference_answer).score >= 8


def test_deleted_store_is_rebuilt_on_next_start(sim_home: Path, embedder: MiniLMEmbedder) -> None:
    seed_engine(sim_home, embedder).ingest()
    import shutil

    from chromadb.api.client import SharedSystemClient

    shutil.rmtree(sim_home / "chroma")
    SharedSystemClient.clear_system_cache()
    assert seed_engine(sim_home, embedder).ingest().embedded == 12


def test_a_held_ingest_lock_gives_a_clear_refusal(
    sim_home: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "INGEST_WAIT_S", 0.5)
    sim_home.mkdir(parents=True, exist_ok=True)
    with FileLock(sim_home / ".ingest.lock"), pytest.raises(StoreError, match="Another process"):
        seed_engine(sim_home, embedder).ingest()


def test_processes_starting_together_all_find_the_home_writable(tmp_path: Path) -> None:
    # Each check writes a probe of its own: with one shared probe name, one process deleted
    # another's probe and was told its home was not writable (seen in CI).
    settings = Settings().with_(home=tmp_path / "home")
    with ThreadPoolExecutor(8) as pool:
        homes = list(pool.map(lambda _: settings.ensure_home(), range(2000)))
    assert set(homes) == {settings.home} and not list(settings.home.iterdir())


def test_two_processes_ingesting_one_home_take_turns(sim_home: Path, tmp_path: Path) -> None:
    env = subprocess_env(SIM_HOME=str(sim_home), SIM_CORPUS=str(copy_corpus(tmp_path / "corpus")))
    cmd = [sys.executable, "-m", "simulator", "ingest"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reports = sorted(out for out, _ in outs)
    assert "12 embedded" in reports[1] and "0 embedded" in reports[0], reports


def test_sigkill_during_ingest_leaves_a_store_the_next_run_completes(sim_home: Path, tmp_path: Path) -> None:
    # Three packs: more than one embedding batch, so the kill lands mid-ingest.
    corpus_dir = copy_corpus(tmp_path / "corpus", "mlops-seed.yaml", "deployment.yaml", "monitoring.yaml")
    env = subprocess_env(SIM_HOME=str(sim_home), SIM_CORPUS=str(corpus_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "ingest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    seen = b""
    while b"Embedding" not in seen:  # the progress bar appears once the first batch is under way
        chunk = proc.stderr.read1(256)  # type: ignore[attr-defined]
        assert chunk, f"ingest ended before embedding: {seen!r}"
        seen += chunk
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = subprocess.run(
        [sys.executable, "-m", "simulator", "ingest"], env=env, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    from simulator.store import ReferenceStore, open_client

    corpus = Corpus.load(corpus_dir)
    store = ReferenceStore(open_client(Settings()), default_embedder())
    assert store.ingest(corpus).embedded == 0, "after the rerun every question is indexed"
    expected = sum(2 + len(q.key_points) for q in corpus.questions)
    assert store.count() == expected


def test_twenty_threads_grade_at_once_with_one_model(engine: Engine) -> None:
    question = engine.question(QID)
    answers = [question.reference_answer, "Shadow mode copies live traffic to the new model and logs it."]
    expected = {a: engine.grade(question, a).score for a in answers}
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: (answers[i % 2], engine.grade(question, answers[i % 2])), range(60)))
    assert all(j.score == expected[a] for a, j in results)
    from sentence_transformers import SentenceTransformer

    models = [o for o in gc.get_objects() if isinstance(o, SentenceTransformer)]
    assert len(models) == 1 and engine.embedder is default_embedder()


def test_twenty_threads_grade_and_write_history_without_losing_an_attempt(engine: Engine, sim_home: Path) -> None:
    from simulator.history import History
    from simulator.sessions import answer_question

    history = History(sim_home / "history.sqlite3")
    question = engine.question(QID)

    def one(i: int) -> int:
        text = f"Attempt {i}: the new model receives a copy of live traffic and its predictions are only logged."
        return answer_question(engine, history, question, text, session_id=f"tab-{i % 20}").id

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(one, range(100)))
    assert len(set(ids)) == 100 and history.count() == 100
    assert {int(a.answer.split(":")[0].split()[1]) for a in history.attempts()} == set(range(100))
