"""A recognisable fake API key, configured the ways a user would, appears nowhere we write or show.

One session runs through the app (practice + a mock interview with its exports) and the CLI, with
the LLM judge pointed at a closed loopback port so every call fails and its error paths run too.
Then SIM_HOME, the CLI's output, the exports and the rendered page are searched for the key.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator import Settings
from simulator.history import History, attempts_csv, attempts_json
from simulator.sessions import start_mock

from .helpers import ROOT, copy_corpus, free_port, subprocess_env

KEY = f"sk-test-LEAKCHECK-{uuid.uuid4().hex}"
QID = "seed-data-vs-concept-drift"
ANSWER = "Data drift is a change in the input distribution P(x); concept drift changes P(y|x), the mapping."


@pytest.fixture
def leaky_env(tmp_path: Path, sim_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIM_CORPUS", str(copy_corpus(tmp_path / "corpus")))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("SIM_LLM_MODEL", "judge-model")
    return sim_home


def test_the_key_appears_nowhere(leaky_env: Path) -> None:
    from simulator import Engine

    seen: list[str] = []

    # The app: practice with the LLM judge configured from the environment.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["q"] = QID
    at.session_state["_llm"] = Settings().llm()
    at.run()
    at.text_area(key=f"answer-{QID}-0").input(ANSWER)
    at.button(key=f"grade-answer-{QID}-0").click()
    at.run()
    assert not at.exception
    kinds = ("markdown", "caption", "warning", "error", "info", "text", "metric")
    seen += [str(getattr(e, "value", "")) + str(getattr(e, "label", "")) for k in kinds for e in getattr(at, k)]
    assert any("LLM unavailable" in s for s in seen), "the failing judge is reported on the page"

    # A mock interview through the core with the same settings, and every export.
    engine = Engine()
    history = History(Settings().history_path)
    mock = start_mock(engine.corpus, 1, 30)
    mock.submit(engine, history, engine.corpus, ANSWER, Settings().llm())
    report = mock.report(engine.corpus).to_markdown()
    seen += [report, attempts_json(history.attempts()), attempts_csv(history.attempts())]

    # The CLI, its JSON and its human output, both failing over to the embedding judge.
    for extra in (["--json"], []):
        out = subprocess.run(
            [sys.executable, "-m", "simulator", "grade", "-q", QID, "-a", ANSWER, "--judge", "llm", *extra],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        seen += [out.stdout, out.stderr]

    assert history.count() >= 2
    leaks = [s for s in seen if KEY in s]
    assert not leaks, leaks[:1]
    files = [p for p in leaky_env.rglob("*") if p.is_file()]
    assert files, "the session wrote its data"
    assert not [p for p in files if KEY.encode() in p.read_bytes()]
