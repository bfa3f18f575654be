"""Cold start of the app in the browser next to a bare model load, over the whole bank.

    .venv/bin/python -m tests.e2e.cold_start [--runs 2]

As after `make run`: the bank is indexed first (not timed), then a new `streamlit run` is timed
from process start to the first question on screen and to the grader being ready, next to a
new process that only loads the embedding model and encodes one sentence (what `interview-sim
bench` calls the bare load). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, IDLE
from tests.helpers import ROOT, free_port, subprocess_env

BARE_LOAD = (
    "from simulator.embeddings import model_path; from sentence_transformers import SentenceTransformer; "
    "SentenceTransformer(model_path(), device='cpu').encode(['warm up'])"
)


def bare_load(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_LOAD], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def app_start(browser: Any, env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    spawned = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter()
        page = browser.new_page()
        page.goto(url)
        page.locator("h3").first.wait_for(timeout=120_000)  # the question
        first_question = time.perf_counter()
        page.wait_for_function(IDLE, timeout=300_000)  # the page ends by waiting for the grader
        ready = time.perf_counter()
        page.close()
        return {
            "server_healthy_s": round(healthy - spawned, 2),
            "first_question_s": round(first_question - spawned, 2),
            "grader_ready_s": round(ready - spawned, 2),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        env = subprocess_env(SIM_HOME=home)
        subprocess.run([sys.executable, "-m", "simulator", "ingest"], env=env, check=True, capture_output=True)
        results: dict[str, Any] = {"questions": None, "runs": []}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                results["runs"].append({"bare_model_load_s": round(bare_load(env), 2), **app_start(browser, env)})
            browser.close()
        out = subprocess.run(
            [sys.executable, "-m", "simulator", "questions", "--json"], env=env, check=True, capture_output=True
        )
        results["questions"] = len(json.loads(out.stdout))
    for key in ("bare_model_load_s", "first_question_s", "grader_ready_s"):
        results[f"best_{key}"] = min(r[key] for r in results["runs"])
    results["ratio_first_question_to_bare_load"] = round(
        results["best_first_question_s"] / results["best_bare_model_load_s"], 2
    )
    results["ratio_grader_ready_to_bare_load"] = round(
        results["best_grader_ready_s"] / results["best_bare_model_load_s"], 2
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
