"""What the browser tests share: Chromium, the server and browser they run, and reading the page.

Fixtures live in conftest.py; the test modules import these plain helpers, never each other.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from ..helpers import ROOT, free_port, need_tool, say, subprocess_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Server:
    url: str
    home: Path
    corpus: Path
    log: Path
    spawned_at: float
    healthy_at: float
    timings: dict[str, float] = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@dataclass
class Browser:
    context: object
    requests: list[str]

    def outside_requests(self) -> list[str]:
        """Requests to anything but this machine (data: and blob: URLs never leave it)."""
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in ("127.0.0.1", "localhost"):
                out.append(url)
        return out


# Settings a test server must not inherit from the machine running the tests.
MACHINE_SETTINGS = (
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "SIM_LLM_MODEL",
    "SIM_CHROMA_URL",
    "SIM_DATABASE_URL",
    "SIM_STT_BASE_URL",
    "SIM_STT_MODEL",
)


@contextmanager
def streamlit_app(base: Path, corpus: Path, *args: str, **env: str) -> Iterator[Server]:
    """`streamlit run app.py` on a free loopback port with its own SIM_HOME under `base` (extra
    flags and environment from the test), healthy when it is yielded, stopped after."""
    home = Path(env.pop("SIM_HOME", str(base / "sim-home")))
    port = free_port()
    log = base / f"streamlit-{port}.log"
    environ = subprocess_env(SIM_HOME=str(home), SIM_CORPUS=str(corpus))
    for key in MACHINE_SETTINGS:
        environ.pop(key, None)
    environ.update(env)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", *args,
    ]  # fmt: skip
    spawned = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)  # polling a health endpoint, not waiting on the page
        yield Server(url, home, corpus, log, spawned, time.perf_counter())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium_context(**options: Any) -> Iterator[Any]:
    """A Chromium browser for one test: Playwright's sync API allows one instance at a time per thread.
    Yields the browser; each test opens the contexts it needs (one per person signing in)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium (CI does this in .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, **options)
        try:
            yield chromium
        finally:
            chromium.close()


IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]') === null;
}"""


def idle(page: Any, timeout: float = 90_000) -> None:
    """Wait until Streamlit says the script is not running (its own marker, not a sleep)."""
    page.wait_for_function(IDLE, timeout=timeout)


def score_of(page: Any, nth: int = -1) -> float:
    """The score shown by the nth 'Score' metric."""
    metrics = page.locator('[data-testid="stMetric"]').filter(has_text="Score")
    text = metrics.nth(nth if nth >= 0 else metrics.count() - 1).locator('[data-testid="stMetricValue"]').inner_text()
    match = re.search(r"(\d+(?:\.\d+)?)\s*/\s*10", text)
    assert match, text
    return float(match.group(1))


def answer_box(page: Any) -> Any:
    return page.get_by_label("Your answer", exact=True)


def fake_microphone_wav(text: str, folder: Path, tail_s: float) -> tuple[Path, float]:
    """`text` spoken by espeak-ng as 48 kHz mono 16-bit PCM (what Chromium's fake microphone reads),
    with `tail_s` of silence after it (the fake device loops the file): the file and its seconds."""
    raw, wav = say(text, folder / "raw.wav"), folder / "answer.wav"
    sox = need_tool("sox")
    subprocess.run([sox, raw, "-r", "48000", "-b", "16", "-c", "1", wav, "pad", "0.3", str(tail_s)], check=True)
    seconds = float(subprocess.run([sox, "--i", "-D", wav], check=True, capture_output=True, text=True).stdout)
    return wav, seconds


def _seconds(timecode: str) -> float:
    minutes, seconds = timecode.strip().split(":")
    return int(minutes) * 60 + float(seconds)


def record(page: Any, seconds: float) -> None:
    """Record through the page's audio input until its own clock shows `seconds`."""
    recorder = page.get_by_test_id("stAudioInput").first
    recorder.get_by_role("button", name="Record").click()
    clock = recorder.get_by_test_id("stAudioInputWaveformTimeCode")
    page.wait_for_function(
        """([el, s]) => { const [m, sec] = el.textContent.trim().split(':'); return +m * 60 + +sec >= s; }""",
        arg=[clock.element_handle(), seconds],
        timeout=(seconds + 30) * 1000,
    )
    recorder.get_by_role("button", name="Stop recording").click()
