"""The history's database: the embedded SQLite file or a PostgreSQL server, one engine (one pool)
per database, its schema brought to the latest Alembic revision at start, and every driver error
turned into one sentence that names the database without its password."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, RowMapping

from ..errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock's key for "migrating the history schema": processes starting together
# against one server take turns, and the second finds the schema already at head.
MIGRATION_LOCK = 0x5155_4D48  # "SIMH"
CONNECT_TIMEOUT_S = 10  # an unreachable host fails within this, rather than hanging the page
URL_HINT = "set SIM_DATABASE_URL to postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE, or unset it"
_script: ScriptDirectory | None = None
# Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`): two
# upgrades in one process, even of two databases, must not overlap.
_alembic_lock = threading.Lock()


def _migrations() -> tuple[Config, ScriptDirectory]:
    global _script
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if _script is None:  # parsing the revision files once per process is enough
        _script = ScriptDirectory.from_config(config)
    return config, _script


def _hide_password(text: str) -> str:
    """A URL that SQLAlchemy could not parse, with anything between ':' and '@' replaced."""
    return re.sub(r"(//[^/:@]*:)[^@]*@", r"\1***@", text)


def parse_url(target: str | Path) -> URL:
    """A path is the SQLite file; a URL names SQLite or PostgreSQL (psycopg 3 unless another driver is named)."""
    if isinstance(target, Path) or "://" not in target:
        return URL.create("sqlite", database=str(Path(target)))
    try:
        url = sa.make_url(target)
    except (exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(f"{_hide_password(target)} is not a database URL: {URL_HINT}.") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"{url.render_as_string(hide_password=True)} is not a SQLite or PostgreSQL database, "
            f"the two the history supports: {URL_HINT}."
        )
    return url


def _reason(error: BaseException) -> str:
    """The driver's own first line, e.g. 'Connection refused'."""
    orig = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return (lines[0] if lines else type(orig).__name__)[:300]


def _wal(dbapi_conn: Any, timeout_s: float = 30.0) -> None:
    """Switch a SQLite connection to WAL. The switch takes an exclusive lock and SQLite's busy timeout
    does not wait for it: processes opening a new file at once would get "database is locked"."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Database:
    """One engine over the history's database; `read` and `write` say what went wrong in one sentence."""

    def __init__(self, target: str | Path):
        self.url = parse_url(target)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.path: Path | None = Path(self.url.database or "") if self.sqlite else None
        # Shown to people and in errors: the file, or the URL with its password masked.
        self.location = str(self.path) if self.path else self.url.render_as_string(hide_password=True)
        # SQLite: writers in this process take turns here rather than in SQLite's busy loop.
        # PostgreSQL takes row locks itself, so its writers run at once.
        self._write_lock: AbstractContextManager[Any] = threading.Lock() if self.sqlite else nullcontext()
        try:
            self.engine = self._sqlite_engine() if self.sqlite else self._postgres_engine()
        except exc.NoSuchModuleError:
            raise ConfigError(
                f"{self.location} names a database driver SQLAlchemy does not know: {URL_HINT}."
            ) from None
        except ModuleNotFoundError as error:
            raise ConfigError(
                f"The database driver for {self.location} is not installed ({error.name}): "
                "use postgresql+psycopg:// (installed with the simulator), or install that driver."
            ) from None
        with self._errors(starting=True):
            self._upgrade()

    def _sqlite_engine(self) -> Engine:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"Cannot open the history at {self.path} ({error.strerror}): set SIM_HOME to a writable "
                "directory, or move the file aside."
            ) from None
        engine = sa.create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # transactions are begun below, as SQLite should see them
            # WAL lets the app read progress while another tab writes; it persists in the file.
            _wal(dbapi_conn)
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            # FULL: a commit is on disk before the score is shown, even if the machine loses power.
            dbapi_conn.execute("PRAGMA synchronous=FULL")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock at BEGIN: a read-then-write transaction never fails
            # half-way because another process wrote in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writes") else "BEGIN")

        return engine

    def _postgres_engine(self) -> Engine:
        # pre_ping: a pooled connection to a server that restarted is replaced, not handed out dead.
        return sa.create_engine(self.url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})

    def _upgrade(self) -> None:
        """Bring the schema to the latest revision (`alembic upgrade head`), one process at a time."""
        config, script = _migrations()
        with self._write_lock, self.engine.execution_options(writes=True).begin() as conn:
            if not self.sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if MigrationContext.configure(conn).get_current_revision() == script.get_current_head():
                return
            config.attributes["connection"] = conn
            with _alembic_lock:
                command.upgrade(config, "head")

    @contextmanager
    def _errors(self, starting: bool = False) -> Iterator[None]:
        """Driver errors about the connection, as one ConfigError naming the database and what to do."""
        try:
            yield
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DBAPIError) as error:
            if isinstance(error, exc.DBAPIError) and not (
                isinstance(error, exc.OperationalError | exc.InterfaceError) or error.connection_invalidated
            ):
                raise
            reason = _reason(error)
            if self.url.password:
                reason = reason.replace(str(self.url.password), "***")
            raise ConfigError(self._message(reason, starting)) from None

    def _message(self, reason: str, starting: bool) -> str:
        if self.sqlite:
            return (
                f"Cannot {'open' if starting else 'use'} the history at {self.location} ({reason}): "
                "set SIM_HOME to a writable directory, or move the file aside."
            )
        if "password authentication failed" in reason or "no password supplied" in reason:
            todo = "the user name or password in SIM_DATABASE_URL is wrong: fix them"
        elif "does not exist" in reason:
            todo = "create that database on the server (createdb), or fix the name in SIM_DATABASE_URL"
        else:
            todo = "check that the PostgreSQL server is running and reachable at that host and port, then try again"
        what = "Cannot connect to" if starting else "Lost the connection to"
        return f"{what} the history database {self.location} ({reason}): {todo}."

    def read(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[RowMapping]:
        """The rows of one query."""
        with self._errors(), self.engine.connect() as conn:
            return conn.execute(sa.text(sql), dict(params or {})).mappings().all()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._errors(), self._write_lock, self.engine.execution_options(writes=True).begin() as conn:
            yield conn

    def dispose(self) -> None:
        """Close the pooled connections (the engine opens new ones if used again)."""
        self.engine.dispose()
