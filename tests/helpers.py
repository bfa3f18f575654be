"""What several test modules share: paths, the network guard, child-process setup, fakes and data.

Fixtures live in conftest.py; test modules import plain helpers from here, never from each other.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulator import Engine
from simulator.bank import Question
from simulator.cli import app
from simulator.config import LLMSettings
from simulator.grading import Judgement, KeyPointResult, band_for

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "mlops-interview-prep.md"
ASAG = ROOT.parent / "shared" / "data" / "asag" / "mohler_dev.csv"
SITE = ROOT / "tests" / "netguard"

# Blocked for the whole run, not per test: model loading, Chroma and telemetry must all stay
# on this machine. Child processes get the same guard through PYTHONPATH (subprocess_env).
_spec = importlib.util.spec_from_file_location("netguard", SITE / "sitecustomize.py")
netguard = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(netguard)  # type: ignore[union-attr]


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child process: same SIM_HOME, the network guard, offline flags."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE), env.get("PYTHONPATH", "")) if p)
    return env


def free_port() -> int:
    """A loopback port with nothing listening (closed again when this returns: connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def copy_corpus(folder: Path, *packs: str) -> Path:
    """A corpus folder with some of the bank's packs (the seed pack by default) and its categories."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("categories.yaml", *(packs or ("mlops-seed.yaml",))):
        shutil.copy(ROOT / "corpus" / name, folder / name)
    return folder


_runner = CliRunner()


def invoke(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """Run `interview-sim` in-process: exit code, stdout, stderr."""
    result = _runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def judged(question: Question, hits: set[int], score: float | None = None, valid: bool = True) -> Judgement:
    """A judgement as the embedding judge would make it, with the given key points hit."""
    results = [
        KeyPointResult(
            text=k.text,
            weight=k.weight,
            hit=i in hits,
            similarity=0.8 if i in hits else 0.3,
            evidence=f"sentence {i}" if i in hits else None,
            evidence_index=0 if i in hits else None,
        )
        for i, k in enumerate(question.key_points)
    ]
    score = round(10 * len(hits) / len(question.key_points), 1) if score is None else score
    return Judgement(
        question_id=question.id,
        valid=valid,
        reason=None if valid else "The answer is empty.",
        score=score if valid else 0.0,
        band=band_for(score, valid),
        key_points=results if valid else [],
        missed=[r.text for r in results if not r.hit and r.weight == "must"],
        sentences=["sentence 0"],
        model="test",
        grader_version="test",
    )


class FakeEngine(Engine):
    """An engine without model or store: `grade`, all a session calls, records what it was asked and
    answers like the embedding judge (the first key point hit; an empty answer is not graded)."""

    def __init__(self, score: float | None = None) -> None:  # not Engine's: that would load the model
        self.calls: list[tuple[str, str, LLMSettings | None]] = []
        self.score = score

    def grade(self, question: Question, answer: str, llm: LLMSettings | None = None) -> Judgement:
        self.calls.append((question.id, answer, llm))
        return judged(question, {0}, score=self.score) if answer else judged(question, set(), valid=False)


# A pack that is not in the bank, for importing through the CLI, the core and the app.
NEW_PACK = {
    "pack": "platform-extra",
    "title": "Platform extras",
    "questions": [
        {
            "id": "extra-feature-flags",
            "prompt": "How would you use feature flags to release a new model safely?",
            "kind": "concept",
            "category": "deployment",
            "difficulty": "medium",
            "reference_answer": (
                "A feature flag routes a chosen share of requests to the new model without a redeploy. "
                "You start with internal users, watch latency, errors and business metrics, then raise the "
                "share step by step. If a metric degrades you switch the flag off and traffic returns to the "
                "old model at once. Flags also let you target segments, such as one region, and they keep "
                "the release decision separate from the deployment itself."
            ),
            "key_points": [
                {"text": "A flag routes a share of requests to the new model without a redeploy", "weight": "must"},
                {"text": "Switching the flag off returns traffic to the old model at once", "weight": "must"},
                {"text": "Flags can target segments such as one region", "weight": "nice"},
            ],
            "follow_ups": ["How would you clean up old flags?"],
            "tags": ["feature-flags", "release"],
            "sources": ["Martin Fowler, Feature Toggles (2017)"],
        }
    ],
}


# --- speech ---------------------------------------------------------------------------------

MAX_WER = 0.3  # word error rate a synthetic spoken answer may have after transcription


def need_tool(tool: str) -> str:
    """The path of a command-line tool; skipped without it (a failure on CI, which installs it)."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed: apt-get install espeak-ng sox"
        # CI installs both (.ci/run): there a missing tool is a failure, not a skip.
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return str(path)


def say(text: str, path: Path, speed: int = 155) -> Path:
    """Speak text into a WAV file with espeak-ng (22.05 kHz mono 16-bit PCM)."""
    subprocess.run([need_tool("espeak-ng"), "-v", "en-us", "-s", str(speed), "-w", str(path), text], check=True)
    return path


def _normalise(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by Levenshtein over words."""
    ref, hyp = _normalise(reference), _normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h))
    return row[-1] / len(ref)


@contextmanager
def chroma_run(path: Path) -> Iterator[str]:
    """`chroma run` (the chromadb package's server) on a free loopback port, storing in `path`: its URL."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert chroma, "the chromadb package installs the `chroma` command"
    port = free_port()
    cmd = [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=subprocess_env())
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("chroma run did not start")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
