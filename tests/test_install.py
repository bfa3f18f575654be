"""The wheel works outside the checkout: it carries the bank, the rubrics, the calibration and the app."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv in a temp dir with only the built wheel installed in it.

    Its dependencies (torch, the model, ...) are this venv's, seen through a plain path entry: the
    editable install of the checkout lives in a .pth file there, which a plain entry does not run,
    so `simulator` can only come from the wheel.
    """
    tmp = tmp_path_factory.mktemp("install")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", tmp],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    site = subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(site.decode().strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(tmp.glob("*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return tmp


def run(installed: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`interview-sim ARGS` of the fresh venv, run from a folder that is not the checkout."""
    outside = installed / "elsewhere"
    outside.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIM_CORPUS", "SIM_RUBRICS"))}
    env["SIM_HOME"] = str(installed / "home")
    return subprocess.run(
        [installed / "venv" / "bin" / "interview-sim", *args],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_wheel_and_not_the_checkout_is_imported(installed: Path) -> None:
    python = installed / "venv" / "bin" / "python"
    where = subprocess.check_output([python, "-c", "import simulator; print(simulator.__file__)"], cwd=installed)
    assert str(installed / "venv") in where.decode()


def test_installed_cli_lists_the_packaged_bank(installed: Path) -> None:
    result = run(installed, "questions", "--json")
    assert result.returncode == 0, result.stderr
    ids = {q["id"] for q in json.loads(result.stdout)}
    assert "seed-shadow-deployment" in ids and len(ids) > 200


def test_installed_cli_grades_a_bank_question_against_the_packaged_rubrics(installed: Path) -> None:
    answer = (
        "In a shadow deployment the new model receives a copy of live production traffic, but its "
        "predictions are only logged and never returned to users, so we compare it with the live model."
    )
    result = run(installed, "grade", "-q", "seed-shadow-deployment", "-a", answer, "--json")
    assert result.returncode == 0, result.stderr
    judgement = json.loads(result.stdout)
    assert judgement["valid"] and judgement["score"] >= 5.0
    assert any(k["hit"] for k in judgement["key_points"])


def test_installed_app_command_serves_the_packaged_app(installed: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outside = installed / "elsewhere"
    outside.mkdir(exist_ok=True)
    env = {**os.environ, "SIM_HOME": str(installed / "home")}
    cmd = [installed / "venv" / "bin" / "interview-sim", "app", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=outside, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, health = time.monotonic() + 90, ""
        while time.monotonic() < deadline and not health:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    health = reply.read().decode()
            except OSError:
                time.sleep(0.5)
        assert health == "ok"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output


def test_the_installed_wheel_carries_the_history_migrations(installed: Path) -> None:
    """Alembic's folder is not a package: the wheel must list its files, or a new history cannot be created."""
    python = installed / "venv" / "bin" / "python"
    code = (
        "import sys; from simulator.history import History, database; "
        "print(History(sys.argv[1]).count(), database.MIGRATIONS)"
    )
    out = subprocess.check_output([python, "-c", code, str(installed / "history.sqlite3")], cwd=installed, timeout=120)
    count, migrations = out.decode().split()
    assert count == "0" and str(installed / "venv") in migrations
