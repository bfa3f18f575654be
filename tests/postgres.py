"""A real PostgreSQL server for tests: Debian's binaries, a data dir in /tmp, a free loopback port.

initdb refuses to run as root (CI runs as root), so the server runs as the `postgres` system user
(Debian's package creates it), else `nobody`, through runuser; its data dir is chowned to that user.
Connections use a password (scram-sha-256), so a wrong one is refused as on a real server.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

PASSWORD = "sim-test-secret"
USER = "postgres"  # the database superuser that initdb creates
_names = itertools.count()


def server_binaries(debian: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl; fails the test run when there is none."""
    found = [d for d in debian.glob("*/bin") if (d / "initdb").exists() and (d / "pg_ctl").exists()]
    if found:
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    if (initdb := shutil.which("initdb")) and shutil.which("pg_ctl"):
        return Path(initdb).parent
    pytest.fail(
        "PostgreSQL's server binaries (initdb, pg_ctl) are not in /usr/lib/postgresql/*/bin: install Debian's "
        "postgresql package (apt-get install postgresql), as .ci/run does, to run the PostgreSQL tests.",
        pytrace=False,
    )


def _system_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("Neither a `postgres` nor a `nobody` system user exists to run PostgreSQL as.", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One initdb'd cluster under a temp dir; `start`, `stop`, `kill` and databases to test against."""

    def __init__(self, *, fsync: bool = False):
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="sim-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.fsync = fsync
        self._as: list[str] = []
        if os.geteuid() == 0:
            account = _system_user()
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", account.pw_name, "--"]
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD)
        if self._as:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}"),
            *("-E", "UTF8", "--locale=C", "--no-sync"),
        )

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self._as, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120, cwd=self.root
        )
        if result.returncode:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}\n{log}")

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} "
            f"-c max_connections=300 -c fsync={'on' if self.fsync else 'off'}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is a crash: no checkpoint, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname="postgres", autocommit=True
        )

    def create_database(self) -> str:
        """A new empty database; its name."""
        name = f"sim_test_{next(_names)}"
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run (about 2 s to initdb and start)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """The URL of a fresh database on the session's server, dropped after the test."""
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def history_target(request: pytest.FixtureRequest, sim_home: Path) -> Path | str:
    """Where a history lives: the embedded SQLite file, or a fresh database on the real PostgreSQL server."""
    if request.param == "sqlite":
        return sim_home / "history.sqlite3"
    return str(request.getfixturevalue("postgres_url"))
