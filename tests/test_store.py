"""The reference store: real Chroma, idempotent ingest, rebuild on model change, server mode."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from simulator import Engine, Settings
from simulator.bank import Corpus, load_pack
from simulator.embeddings import MiniLMEmbedder
from simulator.grading import EmbeddingJudge
from simulator.store import COLLECTION, ReferenceStore, open_client

from .helpers import ROOT, chroma_run, copy_corpus, subprocess_env

SEED = ROOT / "corpus" / "mlops-seed.yaml"


def seed_corpus() -> Corpus:
    return Corpus([load_pack(SEED)])


def test_ingest_is_idempotent_and_follows_changes(embedder: MiniLMEmbedder, sim_home: Path) -> None:
    store = ReferenceStore(open_client(Settings()), embedder)
    corpus = seed_corpus()
    first = store.ingest(corpus)
    assert first.embedded == 12 and first.removed == 0
    count = store.count()
    again = store.ingest(corpus)
    assert again.embedded == 0 and again.removed == 0 and store.count() == count

    # Edit one question's reference: only it is re-embedded, its old records are gone.
    pack = corpus.packs[0]
    q0 = pack.questions[0].model_copy(update={"reference_answer": pack.questions[0].reference_answer + " Also PSI."})
    edited = Corpus([pack.model_copy(update={"questions": (q0, *pack.questions[1:])})])
    report = store.ingest(edited)
    assert report.embedded == 1 and report.removed == 2 + len(q0.key_points)
    assert store.count() == count
    assert store.reference_vectors(q0) is not None
    assert store.reference_vectors(pack.questions[0]) is None


def test_store_survives_reopen_and_records_model(embedder: MiniLMEmbedder, sim_home: Path) -> None:
    settings = Settings()
    ReferenceStore(open_client(settings), embedder).ingest(seed_corpus())
    assert (settings.chroma_dir / "chroma.sqlite3").exists()
    reopened = ReferenceStore(open_client(settings), embedder)
    assert not reopened.rebuilt
    assert reopened.ingest(seed_corpus()).embedded == 0
    assert "all-MiniLM-L6-v2" in reopened.collection.metadata["embedding_model"]


class OtherModel(MiniLMEmbedder):
    name = "some-other-model"


def test_collection_is_rebuilt_when_the_embedding_model_changes(embedder: MiniLMEmbedder, sim_home: Path) -> None:
    settings = Settings()
    ReferenceStore(open_client(settings), embedder).ingest(seed_corpus())
    other = OtherModel()
    other._model = embedder.model  # same weights, different name: what matters is the recorded signature
    store = ReferenceStore(open_client(settings), other)
    assert store.rebuilt and store.count() == 0
    assert store.ingest(seed_corpus()).embedded == 12


def test_stored_vectors_match_fresh_embedding(engine: Engine) -> None:
    from simulator.embeddings import holistic
    from simulator.store import reference_texts

    q = engine.question("seed-shadow-deployment")
    stored = engine.store.reference_vectors(q)
    sentences, points = reference_texts(q)
    fresh = engine.embedder.embed_batch(sentences + points)
    assert stored is not None
    assert np.allclose(stored.reference, holistic(fresh[: len(sentences)]), atol=1e-5)
    assert np.allclose(stored.key_points, fresh[len(sentences) :], atol=1e-5)
    # A judge without the store embeds the reference itself, and finds the same evidence.
    answer = "Shadow mode copies live traffic to the new model; its predictions are only logged."
    with_store, alone = engine.judge.judge(q, answer), EmbeddingJudge(engine.embedder).judge(q, answer)
    assert with_store.features == pytest.approx(alone.features, abs=1e-3)
    assert [k.hit for k in with_store.key_points] == [k.hit for k in alone.key_points]


def test_semantic_search_over_questions(engine: Engine) -> None:
    hits = engine.store.search_questions("We need someone to run Kubernetes GPU clusters and keep cloud costs down", 5)
    assert len(hits) == 5
    top = [engine.question(qid).category for qid, _ in hits[:3]]
    assert "infrastructure" in top or "distributed-training" in top
    only = engine.store.search_questions("feature store", 3, where={"difficulty": "easy"})
    assert all(engine.question(qid).difficulty == "easy" for qid, _ in only)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    with chroma_run(tmp_path / "server") as url:
        yield url


def test_grading_through_a_chroma_server(chroma_server: str, embedder: MiniLMEmbedder, tmp_path: Path) -> None:
    settings = Settings().with_(chroma_url=chroma_server, home=tmp_path / "client-home")
    engine = Engine(settings, embedder)
    engine.__dict__["corpus"] = seed_corpus()
    assert engine.ingest().embedded == 12
    assert COLLECTION in [c.name for c in engine.store.client.list_collections()]
    q = engine.question("seed-shadow-deployment")
    j = engine.grade(q, q.reference_answer)
    assert j.valid and j.score >= 8
    assert not (tmp_path / "client-home" / "chroma").exists(), "server mode writes no local store"


def test_app_processes_starting_at_once_on_one_chroma_server_index_each_record_once(
    chroma_server: str, tmp_path: Path
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")  # the seed pack alone: 12 questions
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "simulator", "ingest"],
            env=subprocess_env(SIM_CHROMA_URL=chroma_server, SIM_CORPUS=str(corpus), SIM_HOME=str(tmp_path / f"h{i}")),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(3)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    questions = seed_corpus().questions
    got = open_client(Settings().with_(chroma_url=chroma_server)).get_collection(COLLECTION).get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == sum(2 + len(q.key_points) for q in questions)  # none twice
    references = [m["question_id"] for m in got["metadatas"] if m["type"] == "reference"]
    assert sorted(references) == sorted(q.id for q in questions)  # none lost


def test_stores_opened_at_the_same_moment_on_an_empty_server_share_one_collection(
    chroma_server: str, embedder: MiniLMEmbedder
) -> None:
    settings = Settings().with_(chroma_url=chroma_server)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def open_store() -> None:
        client = open_client(settings)
        start.wait()
        try:
            ReferenceStore(client, embedder)
        except BaseException as exc:  # the assertion below shows it
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert [c.name for c in open_client(settings).list_collections()] == [COLLECTION]
