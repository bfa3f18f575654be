"""The real app in a real browser: `streamlit run app.py` on a free loopback port, Debian's Chromium.

The server runs with the test network guard on its PYTHONPATH and its own SIM_HOME; the bank
is the seed pack alone, so a cold start indexes 12 questions rather than the whole bank.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..helpers import ROOT, copy_corpus, subprocess_env
from .helpers import Browser, Server, chromium_context, streamlit_app

# Where screenshots go: docs/ when SIM_E2E_SCREENSHOTS=docs (`make screenshots`), else a temp dir.
SCREENSHOTS = os.environ.get("SIM_E2E_SCREENSHOTS")
# The whole bank instead of the seed pack (for screenshots); indexed before the server starts.
FULL_BANK = os.environ.get("SIM_E2E_FULL_BANK") == "1"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("e2e")
    corpus = ROOT / "corpus" if FULL_BANK else copy_corpus(base / "corpus")
    if FULL_BANK:
        env = subprocess_env(SIM_HOME=str(base / "sim-home"), SIM_CORPUS=str(corpus))
        subprocess.run([sys.executable, "-m", "simulator", "ingest"], env=env, check=True, capture_output=True)
    with streamlit_app(base, corpus) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    """Chromium for one test module: other modules (the voice test) start their own with other flags."""
    with chromium_context() as chromium:
        context = chromium.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        yield Browser(context, requests)
        context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if SCREENSHOTS:
        path = ROOT / SCREENSHOTS
        path.mkdir(exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """On a failure, a screenshot of every open tab and the server's log next to the report."""
    report = yield
    if report.when == "call" and report.failed and "browser" in getattr(item, "funcargs", {}):
        b: Browser = item.funcargs["browser"]  # type: ignore[attr-defined]
        where = item.funcargs.get("shots")  # type: ignore[attr-defined]
        for i, page in enumerate(b.context.pages):  # type: ignore[attr-defined]
            path = Path(where or ".") / f"failure-{item.name}-{i}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("screenshot", str(path)))
            except Exception as exc:  # a crashed page cannot be photographed; say so
                report.sections.append(("screenshot", f"failed: {exc}"))
        srv = item.funcargs.get("server")  # type: ignore[attr-defined]
        if srv is not None:
            report.sections.append(("streamlit log", srv.log_tail()))
    return report
