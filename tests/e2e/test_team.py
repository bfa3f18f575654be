"""docs/DEPLOY.md, run as written: one PostgreSQL, one `chroma run`, an OIDC provider and two app
processes started by the document's own commands; a candidate answers on the first process,
signs in on the second and finds the attempt there; the two processes' start-up indexing leaves
exactly one record per question part in the shared Chroma.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import Settings
from simulator.bank import Corpus
from simulator.store import COLLECTION, open_client

from ..helpers import ROOT, copy_corpus, free_port, subprocess_env
from ..postgres import PASSWORD, PostgresServer
from .helpers import answer_box, chromium_context, idle, streamlit_app
from .oidc import QUESTION, oidc_provider, secrets_toml, sign_in

pytestmark = pytest.mark.e2e

DEPLOY = ROOT / "docs" / "DEPLOY.md"


def deploy_commands() -> list[str]:
    """The lines of DEPLOY.md's ```sh blocks, in order: the commands a team server is set up with."""
    blocks = re.findall(r"^```sh\n(.*?)^```", DEPLOY.read_text(), flags=re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def wait_healthy(url: str, what: str, log: Path, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer at {url}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)  # polling a health endpoint


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """DEPLOY.md's commands in one shell (its servers in the background), with this machine's values."""
    base = tmp_path_factory.mktemp("team")
    pg = PostgresServer()
    pg.start()
    with oidc_provider() as provider:
        (base / ".streamlit").mkdir()
        (base / ".streamlit" / "secrets.toml").write_text(secrets_toml(provider))
        values = {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(pg.port),
            "PGPASSWORD": PASSWORD,
            "SIM_DB_PASSWORD": "app-secret",
            "SIM_DATA": str(base / "data"),
            "CHROMA_PORT": str(free_port()),
            "APP_PORT": str(free_port()),
            "APP_PORT_2": str(free_port()),
        }
        env = subprocess_env(**values, SIM_HOME=str(base / "home"), SIM_CORPUS=str(copy_corpus(base / "corpus")))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        for key in ("SIM_DATABASE_URL", "SIM_CHROMA_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "SIM_LLM_MODEL"):
            env.pop(key, None)
        commands = deploy_commands()
        assert sum(c.startswith("interview-sim app") for c in commands) == 2, commands
        script = "set -eu\n" + "\n".join(commands) + "\nwait\n"
        log = base / "deploy.log"
        with log.open("w") as out:
            shell = subprocess.Popen(
                ["bash", "-c", script], cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            deadline = time.monotonic() + 240  # ingest of the seed pack, then two app starts
            for port in (values["APP_PORT"], values["APP_PORT_2"]):
                wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", "the app", log, deadline)
            yield {**values, "log": str(log), "corpus": str(base / "corpus")}
        finally:
            os.killpg(shell.pid, signal.SIGTERM)
            try:
                shell.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(shell.pid, signal.SIGKILL)
            pg.destroy()


def test_deploy_md_runs_a_team_of_two_app_processes(team: dict[str, str]) -> None:
    first, second = (f"http://127.0.0.1:{team[k]}" for k in ("APP_PORT", "APP_PORT_2"))
    prompt = Corpus.load(team["corpus"]).get(QUESTION).prompt
    with chromium_context() as chromium:
        page = chromium.new_context().new_page()
        sign_in(page, first, "alice")
        page.goto(f"{first}/practice?q={QUESTION}")
        answer_box(page).fill("Data drift is a change in the inputs; concept drift changes how inputs map to labels.")
        page.get_by_role("button", name="Grade my answer").click()
        page.locator('[data-testid="stMetric"]').filter(has_text="Score").first.wait_for(timeout=120_000)
        idle(page)

        other = chromium.new_context().new_page()  # another machine's browser: no cookie of the first
        sign_in(other, second, "alice")
        other.goto(f"{second}/progress")
        other.get_by_role("heading", name="Progress").wait_for(timeout=60_000)
        idle(other)
        assert other.get_by_text(prompt[:40]).count() >= 1, other.inner_text("main")[:2000]

        stranger = chromium.new_context().new_page()
        sign_in(stranger, second, "bob")
        stranger.goto(f"{second}/progress")
        stranger.get_by_text("No attempts yet").wait_for(timeout=60_000)

    client = open_client(Settings(chroma_url=f"http://127.0.0.1:{team['CHROMA_PORT']}"))
    bank = Corpus.load(team["corpus"])
    parts = sum(2 + len(q.key_points) for q in bank.questions)
    assert client.get_collection(COLLECTION).count() == parts
    assert "Traceback" not in Path(team["log"]).read_text(errors="replace")


@pytest.mark.parametrize(
    ("setting", "value", "message", "local_stand_in"),
    [
        (
            "SIM_DATABASE_URL",
            "postgresql+psycopg://sim:s3cret@127.0.0.1:{dead}/sim",
            "history database",
            "history.sqlite3",
        ),
        ("SIM_CHROMA_URL", "http://127.0.0.1:{dead}", "Chroma server", "chroma"),
    ],
    ids=["wrong-database-url", "dead-chroma-server"],
)
def test_a_server_that_does_not_answer_is_named_on_the_page(
    setting: str, value: str, message: str, local_stand_in: str, tmp_path: Path
) -> None:
    """One sentence on the page and in the log, no traceback, no password, and no local file made instead.
    Practice shows the question from the packs first; the grader's start-up then names the server."""
    env = {setting: value.replace("{dead}", str(free_port()))}
    with (
        streamlit_app(tmp_path, copy_corpus(tmp_path / "corpus"), **env) as app,
        chromium_context() as chromium,
    ):
        page = chromium.new_page()
        page.goto(f"{app.url}/practice")
        page.get_by_text(re.compile(message)).first.wait_for(timeout=90_000)
        idle(page)
        shown = page.inner_text("body")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "s3cret" not in shown and "s3cret" not in app.log.read_text()
        assert message in app.log.read_text() and "Traceback" not in app.log.read_text()
    assert not (app.home / local_stand_in).exists()
