"""Offline, isolated tests: SIM_HOME in a temp dir, outbound sockets blocked, one model per session."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from simulator import Engine, Settings
from simulator.config import quiet_third_parties
from simulator.embeddings import MiniLMEmbedder, default_embedder

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "mlops-interview-prep.md"
ASAG = ROOT.parent / "shared" / "data" / "asag" / "mohler_dev.csv"

quiet_third_parties()
SITE = ROOT / "tests" / "netguard"
# Blocked for the whole run, not per test: model loading, Chroma and telemetry must all stay
# on this machine. Child processes get the same guard through PYTHONPATH (subprocess_env).
_spec = importlib.util.spec_from_file_location("netguard", SITE / "sitecustomize.py")
netguard = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(netguard)  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def sim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir; nothing is written outside it."""
    home = tmp_path / "sim-home"
    monkeypatch.setenv("SIM_HOME", str(home))
    for key in ("SIM_CHROMA_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "SIM_LLM_MODEL"):
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
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("mlops-seed.yaml", "categories.yaml"):
        (corpus / name).write_text((ROOT / "corpus" / name).read_text())
    monkeypatch.setenv("SIM_CORPUS", str(corpus))
    return corpus


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child process: same SIM_HOME, the network guard, offline flags."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE), env.get("PYTHONPATH", "")) if p)
    return env
