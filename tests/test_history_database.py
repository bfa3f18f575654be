"""The history's database: a file written by the first release upgrades in place, migrations run once
when processes start together, bad URLs and dead servers give one sentence, and a PostgreSQL server
killed in the middle of writes leaves no half attempt."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fsrs import Card, Rating

from simulator import Settings
from simulator.errors import ConfigError
from simulator.history import DAY, LOCAL_USER, Attempt, History
from simulator.history.database import _migrations, parse_url

from .helpers import ROOT, judged
from .postgres import PASSWORD, PostgresServer, free_port, server_binaries
from .test_history import DRIFT, SEED, SHADOW, Clock, all_hit, fetch, must_missed

HEAD = "0003"
LEITNER_DAYS = (1, 3, 7, 14, 30)  # days a question waited in box 1..5, before FSRS

# The schema as the first release wrote it (simulator/history/store.py before Alembic), word for word.
RELEASE_1_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,           -- unix seconds
    session_id TEXT NOT NULL,           -- a browser session, or a mock interview's id
    mode TEXT NOT NULL,
    question_id TEXT NOT NULL,
    category TEXT NOT NULL,
    prompt TEXT NOT NULL,               -- what was asked (a follow-up differs from the question)
    answer TEXT NOT NULL,
    score REAL NOT NULL,
    valid INTEGER NOT NULL,
    band TEXT NOT NULL,
    judge TEXT NOT NULL,
    model TEXT NOT NULL,
    judgement TEXT NOT NULL,            -- the Judgement as JSON
    answer_seconds REAL,                -- from question shown to answer submitted
    time_limit REAL,                    -- seconds allowed (mock interview)
    timed_out INTEGER NOT NULL DEFAULT 0,
    grade_ms REAL NOT NULL,
    parent_id INTEGER REFERENCES attempts(id) ON DELETE SET NULL,
    extra TEXT NOT NULL DEFAULT '{}'    -- room for later features (e.g. delivery metrics)
);
CREATE INDEX IF NOT EXISTS attempts_question ON attempts(question_id);
CREATE INDEX IF NOT EXISTS attempts_session ON attempts(session_id);
CREATE TABLE IF NOT EXISTS key_point_results (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    text TEXT NOT NULL,
    weight TEXT NOT NULL,
    hit INTEGER NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (attempt_id, position)
);
CREATE TABLE IF NOT EXISTS review (
    question_id TEXT PRIMARY KEY,
    box INTEGER NOT NULL,
    due_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_attempt_id INTEGER,
    missed TEXT NOT NULL DEFAULT '[]'   -- must-have points missed when it last entered box 1
);
"""


def write_release_1_file(path: Path, now: float) -> list[tuple[int, str, int]]:
    """A history as the first release left it: attempts, their key points, a review queue. Returns
    the review rows (question, box, last attempt) it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(RELEASE_1_SCHEMA)
        conn.execute("PRAGMA user_version=1")
        for n, (q, hits, mode) in enumerate(
            [(DRIFT, must_missed(DRIFT), "practice"), (DRIFT, all_hit(DRIFT), "mock"), (SHADOW, set(), "practice")]
        ):
            j = judged(q, hits)
            cur = conn.execute(
                """INSERT INTO attempts (created_at, session_id, mode, question_id, category, prompt, answer,
                   score, valid, band, judge, model, judgement, answer_seconds, time_limit, timed_out, grade_ms,
                   parent_id, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    *(now + n, "s", mode, q.id, q.category, q.prompt, f"old answer {n}", j.score, 1, j.band),
                    *(j.judge, j.model, j.model_dump_json(), 30.0, None, 0, j.elapsed_ms, None, json.dumps({"n": n})),
                ),
            )
            conn.executemany(
                "INSERT INTO key_point_results VALUES (?,?,?,?,?,?,?)",
                [
                    (cur.lastrowid, i, q.id, k.text, k.weight, int(k.hit), k.similarity)
                    for i, k in enumerate(j.key_points)
                ],
            )
        review = [(DRIFT.id, 2, 2), (SHADOW.id, 1, 3)]
        for qid, box, last in review:
            conn.execute(
                "INSERT INTO review VALUES (?,?,?,?,?,?)",
                (qid, box, now + LEITNER_DAYS[box - 1] * DAY, now, last, json.dumps([f"missed in {qid}"])),
            )
    return [(last, qid, box) for qid, box, last in review]


def test_a_history_written_by_the_first_release_upgrades_in_place(sim_home: Path) -> None:
    path, now = sim_home / "history.sqlite3", 1_700_000_000.0
    review = write_release_1_file(path, now)
    history = History(path, clock=Clock(now + 10))
    attempts = history.attempts()
    assert [(a.id, a.answer, a.mode, a.extra) for a in attempts] == [
        (1, "old answer 0", "practice", {"n": 0}),
        (2, "old answer 1", "mock", {"n": 1}),
        (3, "old answer 2", "practice", {"n": 2}),
    ]
    assert attempts[0].judgement == judged(DRIFT, must_missed(DRIFT)) and attempts[0].answer_seconds == 30.0
    assert [(i.question_id, i.rating, i.stability, i.missed) for i in history.review_queue()] == [
        (SHADOW.id, Rating.Again, 1.0, (f"missed in {SHADOW.id}",)),
        (DRIFT.id, Rating.Good, 3.0, (f"missed in {DRIFT.id}",)),
    ]
    assert [i.due_at for i in history.review_queue()] == [now + DAY, now + 3 * DAY]  # the boxes' due dates
    assert fetch(path, "SELECT last_attempt_id, question_id, point FROM review ORDER BY last_attempt_id") == [
        (last, qid, "") for last, qid, _ in review
    ]
    assert fetch(path, "SELECT COUNT(*) FROM key_point_results") == [
        (2 * len(DRIFT.key_points) + len(SHADOW.key_points),)
    ]
    assert history.most_missed(50) and history.count() == 3
    # Everything belongs to the local user now; the review table is keyed by user and question.
    assert fetch(path, "SELECT DISTINCT user_id FROM attempts") == [(LOCAL_USER,)]
    assert fetch(path, "SELECT id FROM users") == [(LOCAL_USER,)]
    assert fetch(path, "SELECT name FROM pragma_table_info('review') WHERE pk > 0 ORDER BY pk") == [
        ("user_id",),
        ("question_id",),
        ("point",),
    ]
    assert fetch(path, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert fetch(path, "PRAGMA journal_mode") == [("wal",)]
    # It goes on working: a clean answer when DRIFT falls due sends it further out than its box did,
    # and another user starts empty.
    assert isinstance(history.clock, Clock)
    history.clock.now = now + 3 * DAY
    history.record(DRIFT, "new", judged(DRIFT, all_hit(DRIFT)), session_id="s")
    drift = {i.question_id: i for i in History(path).review_queue()}[DRIFT.id]
    assert drift.rating == Rating.Easy and drift.due_at > history.clock.now + 3 * DAY
    # The first release's miss of DRIFT's must-have point counts: missed once more, it gets its own card.
    history.record(DRIFT, "newer", judged(DRIFT, must_missed(DRIFT)), session_id="s")
    [point] = [i for i in history.review_queue() if i.point]
    assert (point.point, point.misses) == (DRIFT.must_points[0].text, 2)
    assert history.for_user("someone").attempts() == []


def write_revision_0002(target: Path | str, now: float) -> None:
    """A history at revision 0002 (users, review keyed by user and question, Leitner boxes) with review
    rows of two users: a question due tomorrow in box 1, one due in 7 days in box 3, one overdue in box 5."""
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parse_url(target))
    config, _ = _migrations()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0002")
            conn.execute(
                sa.text("INSERT INTO users (id, created_at, last_seen) VALUES ('ann', :now, :now)"), {"now": now}
            )
            conn.execute(
                sa.text(
                    "INSERT INTO review (user_id, question_id, box, due_at, updated_at, last_attempt_id, missed) "
                    "VALUES (:user, :q, :box, :due, :updated, :last, :missed)"
                ),
                [
                    {"user": LOCAL_USER, "q": DRIFT.id, "box": 1, "due": now + DAY, "updated": now, "last": 7}
                    | {"missed": json.dumps(["a must-have point"])},
                    {"user": LOCAL_USER, "q": SHADOW.id, "box": 3, "due": now + 7 * DAY, "updated": now, "last": 8}
                    | {"missed": json.dumps(["another"])},
                    {"user": "ann", "q": DRIFT.id, "box": 5, "due": now - 10 * DAY, "updated": now - 40 * DAY}
                    | {"last": None, "missed": "[]"},
                ],
            )
    finally:
        engine.dispose()


def test_leitner_boxes_of_revision_0002_become_fsrs_cards_with_nothing_lost(history_target: Path | str) -> None:
    now = 1_800_000_000.0
    write_revision_0002(history_target, now)
    local = History(history_target, clock=Clock(now))
    assert fetch(history_target, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    queue = local.review_queue()
    assert [(i.question_id, i.due_at, i.rating, i.stability, i.missed, i.point) for i in queue] == [
        (DRIFT.id, now + DAY, Rating.Again, 1.0, ("a must-have point",), None),
        (SHADOW.id, now + 7 * DAY, Rating.Good, 7.0, ("another",), None),
    ]
    # The box's interval became the card's stability: the recall chance falls to 90% on the box's due date.
    for item in queue:
        assert item.last_review_at == now and item.recall_chance(item.due_at) == pytest.approx(0.9)
        assert "memory holds for about" in item.why(now)
    [overdue] = local.for_user("ann").review_queue()
    assert (overdue.due_at, overdue.stability, overdue.is_due(now)) == (now - 10 * DAY, 30.0, True)
    assert overdue.recall_chance(now) < 0.9  # ten days late
    cards = fetch(history_target, "SELECT last_attempt_id, card FROM review")
    assert sorted(c[0] or 0 for c in cards) == [0, 7, 8] and all(Card.from_json(c[1]).stability for c in cards)

    # Answered well when it falls due, SHADOW waits longer than box 3 made it, and longer than a new card.
    local.clock.now = now + 7 * DAY  # type: ignore[attr-defined]
    local.record(SHADOW, "a", judged(SHADOW, all_hit(SHADOW), score=7.0), session_id="s")
    new = local.for_user("bob")
    new.record(SHADOW, "a", judged(SHADOW, all_hit(SHADOW), score=7.0), session_id="s")
    [shadow] = [i for i in local.review_queue() if i.question_id == SHADOW.id]
    [fresh] = new.review_queue()
    assert shadow.rating == Rating.Good and shadow.due_at - local.clock.now > 7 * DAY  # type: ignore[attr-defined]
    assert shadow.due_at > fresh.due_at
    local.close()


def test_postgresql_gets_the_schema_from_the_migrations(postgres_url: str) -> None:
    History(postgres_url)
    assert fetch(postgres_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    tables = fetch(postgres_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    assert tables == [("alembic_version",), ("attempts",), ("key_point_results",), ("review",), ("users",)]
    kinds = dict(
        fetch(
            postgres_url, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'attempts'"
        )
    )
    assert kinds["created_at"] == "double precision" and kinds["user_id"] == "text"


def test_two_processes_starting_together_on_postgresql_migrate_once(postgres_url: str) -> None:
    code = "import sys; from simulator.history import History; print(History(sys.argv[1]).count())"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, postgres_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert [(code, out.strip()) for code, out, _ in results] == [(0, "0")] * 2, [err[-800:] for *_, err in results]
    assert fetch(postgres_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert fetch(postgres_url, "SELECT id FROM users") == [(LOCAL_USER,)]


def test_histories_opening_a_new_database_at_once_migrate_once(history_target: Path | str) -> None:
    """Each History has its own engine and connections, as separate processes would."""
    start = threading.Barrier(4)
    opened: list[History | BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            opened.append(History(history_target))
        except BaseException as exc:
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(h, History) for h in opened) and len(opened) == 4, opened
    assert fetch(history_target, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert fetch(history_target, "SELECT id FROM users") == [(LOCAL_USER,)]


def _refused(target: str) -> str:
    with pytest.raises(ConfigError) as caught:
        History(target)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_wrong_password_is_named_without_the_password(postgres: PostgresServer) -> None:
    message = _refused(postgres.url(password="not-the-right-one"))
    assert "not-the-right-one" not in message and PASSWORD not in message
    assert f"postgresql+psycopg://postgres:***@127.0.0.1:{postgres.port}/postgres" in message
    assert "password in SIM_DATABASE_URL is wrong" in message


def test_an_unreachable_server_says_to_check_it_is_running() -> None:
    port = free_port()  # nothing listens there
    message = _refused(f"postgresql://sim:s3cret@127.0.0.1:{port}/history")
    assert "s3cret" not in message and f"sim:***@127.0.0.1:{port}/history" in message
    assert message.startswith("Cannot connect to the history database") and "is running" in message


def test_a_missing_database_says_to_create_it(postgres: PostgresServer) -> None:
    message = _refused(postgres.url("no_such_history"))
    assert "createdb" in message and PASSWORD not in message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://sim:s3cret@db:port/history", "is not a database URL"),
        ("not a url://sim:s3cret@x", "is not a database URL"),
        ("mysql://sim:s3cret@db/history", "not a SQLite or PostgreSQL database"),
        ("postgresql+nodriver://sim:s3cret@db/history", "driver SQLAlchemy does not know"),
    ],
)
def test_a_malformed_url_says_what_a_good_one_looks_like(url: str, says: str) -> None:
    message = _refused(url)
    assert says in message and "s3cret" not in message and "SIM_DATABASE_URL" in message


def test_a_set_database_url_never_falls_back_to_the_local_file(sim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_DATABASE_URL", f"postgresql://sim:s3cret@127.0.0.1:{free_port()}/history")
    settings = Settings()
    assert settings.history_target == settings.database_url and "s3cret" not in repr(settings)
    _refused(str(settings.history_target))
    assert not settings.history_path.exists()
    monkeypatch.delenv("SIM_DATABASE_URL")
    assert Settings().history_target == Settings().history_path


def test_a_server_killed_mid_write_leaves_no_half_attempt(tmp_path: Path) -> None:
    # A server of its own. fsync stays off (as on the session's server): a killed server is not a lost
    # machine, the OS keeps what it wrote, and a crash recovery without fsync takes 0.3 s instead of 5 s.
    server = PostgresServer()
    try:
        server.start()
        url = server.url(server.create_database())
        ann = History(url, clock=Clock()).for_user("ann")
        saved: list[Attempt] = []
        failures: list[BaseException] = []
        writing = threading.Event()

        def write() -> None:
            try:
                for i in range(5000):  # bounded: ends by itself should the kill never land
                    q = DRIFT if i % 2 else SHADOW
                    saved.append(
                        ann.record(q, f"a{i}", judged(q, must_missed(q) if i % 3 else all_hit(q)), session_id="s")
                    )
                    if i == 20:
                        writing.set()
            except BaseException as exc:
                failures.append(exc)
            finally:
                writing.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert writing.wait(60)
        server.stop("immediate")  # no checkpoint, no goodbye: as a crash
        writer.join(60)
        assert len(failures) == 1 and isinstance(failures[0], ConfigError), failures
        message = str(failures[0])
        assert message.startswith("Lost the connection to the history database") and PASSWORD not in message
        assert "postgres:***@127.0.0.1" in message

        server.start()  # crash recovery
        after = History(url).for_user("ann")
        stored = after.attempts()
        # Every answer whose record() returned is there; at most one more, whose commit landed as the server died.
        assert [a.id for a in stored[: len(saved)]] == [a.id for a in saved] and len(stored) - len(saved) in (0, 1)
        key_points = dict(fetch(url, "SELECT attempt_id, COUNT(*) FROM key_point_results GROUP BY attempt_id"))
        assert {a.id: key_points.get(a.id) for a in stored} == {
            a.id: len(SEED[a.question_id].key_points) for a in stored
        }
        # The review queue is what the stored attempts, replayed, make of it: no half-applied schedule.
        replay = History(tmp_path / "replay.sqlite3", clock=Clock())
        for a in stored:
            replay.record(SEED[a.question_id], a.answer, a.judgement, session_id=a.session_id, mode=a.mode)
        assert after.review_queue() == replay.review_queue() and after.review_queue()
    finally:
        server.destroy()


def test_missing_postgresql_binaries_fail_the_run_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no initdb on PATH either
    with pytest.raises(pytest.fail.Exception, match="install Debian's postgresql package"):
        server_binaries(tmp_path)
    (tmp_path / "15" / "bin").mkdir(parents=True)
    for tool in ("initdb", "pg_ctl"):
        (tmp_path / "15" / "bin" / tool).touch()
    assert server_binaries(tmp_path) == tmp_path / "15" / "bin"
