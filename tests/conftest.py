"""Offline, isolated tests: SIM_HOME in a temp dir, outbound sockets blocked, one model per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import Engine, Settings
from simulator.config import quiet_third_parties
from simulator.embeddings import MiniLMEmbedder, default_embedder

from .helpers import copy_corpus, netguard
from .postgres import history_target, postgres, postgres_url  # noqa: F401  (fixtures: a real PostgreSQL server)

quiet_third_parties()
assert netguard.OutboundBlocked  # importing helpers installed the guard, for the whole run

# Settings read from the environment: none may leak in from the shell that runs the tests.
SETTINGS_ENV = (
    "SIM_CHROMA_URL",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "SIM_LLM_MODEL",
    "SIM_STT_BASE_URL",
    "SIM_STT_MODEL",
    "SIM_BATCH_WINDOW_MS",
    "SIM_DATABASE_URL",
    "SIM_TTS_VOICE_DIR",
)


@pytest.fixture(autouse=True)
def sim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir; nothing is written outside it."""
    home = tmp_path / "sim-home"
    monkeypatch.setenv("SIM_HOME", str(home))
    for key in SETTINGS_ENV:
        monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The real bundled model, loaded once."""
    e = default_embedder()
    e.embed_batch(["warm up"])
    return e


@pytest.fixture(scope="session")
def engine(embedder: MiniLMEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """An engine over the real corpus with an ingested Chroma store of its own."""
    home = tmp_path_factory.mktemp("engine-home")
    eng = Engine(Settings().with_(home=home), embedder)
    eng.ingest()
    return eng


@pytest.fixture
def seed_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> Path:
    """A corpus of just the seed pack, so that CLI tests ingest 12 questions, not the bank."""
    corpus = copy_corpus(tmp_path / "corpus")
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    return corpus
