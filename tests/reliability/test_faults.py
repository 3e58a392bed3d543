"""Faults during a submit: the database locked, full, gone, or the worker killed mid-send.

Each time the participant sees a "try again" page in their language (503) or loses the
connection, the draft with their answers is kept, no partial response is stored, and the retry
stores exactly one. A crashed import stores nothing.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy import event

from benchmarks.load import FlaskFetch, HttpFetch, Participant
from survey.extensions import db
from tests.reliability.conftest import app_on
from tests.reliability.servers import Gunicorn
from tests.support.factories import Factory

RETRY = "Your answers could not be sent just now"
BUSY = "The service is busy right now. Please try again in a moment."


def translated(app, msgid: str, lang: str) -> str:
    with app.test_request_context(), force_locale(lang):
        text = gettext(msgid)
    assert text != msgid, f"no {lang} translation of {msgid!r}: the check would prove nothing"
    return text


def state(url: str, participant: Participant) -> tuple[int, int, bool, dict]:
    """(responses, answers, draft gone?, draft answers) read from outside the app (Send deletes
    the draft)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            responses = conn.execute(sa.text("SELECT COUNT(*) FROM response")).scalar_one()
            answers = conn.execute(sa.text("SELECT COUNT(*) FROM answer")).scalar_one()
            token = participant.base.rsplit("/", 1)[1]
            row = conn.execute(sa.select(sa.column("answers", sa.JSON))
                               .select_from(sa.table("draft")).where(sa.column("token") == token)).one_or_none()
    finally:
        engine.dispose()
    return responses, answers, row is None, {} if row is None else row[0]


def stored_once(url: str, participant: Participant) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id FROM response WHERE kommentar LIKE :m"),
                                {"m": f"%{participant.marker}%"}).scalars().all()
            assert len(rows) == 1, f"stored {len(rows)} times"
            assert conn.execute(sa.text("SELECT COUNT(*) FROM response")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT COUNT(*) FROM answer WHERE response_id = :r"), {"r": rows[0]}).scalar_one() > 5
    finally:
        engine.dispose()


def ready_participant(app, lang: str) -> Participant:
    """A participant who has answered everything and is on the review page."""
    campaign = Factory().campaign(optional=["omsorg", "kommentar"])
    participant = Participant(FlaskFetch(app.test_client(), lang), campaign.token, lang=lang)
    participant.answer_all(participant.start())
    participant.review()
    db.session.remove()
    return participant


def assert_kept_and_nothing_stored(url: str, participant: Participant) -> None:
    responses, answers, sent, draft_answers = state(url, participant)
    assert (responses, answers) == (0, 0), "no partial response"
    assert not sent and len(draft_answers) >= 10, "the draft and its answers are kept"


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    path = tmp_path / "faults.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_server):
    name = f"faults_{os.getpid()}_{time.monotonic_ns()}"
    postgres_server.execute(f"CREATE DATABASE {name} TEMPLATE finsam_template")
    yield postgres_server.url(name)
    postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ---------------------------------------------------------------------------------- SQLite
def _sqlite_pragmas(app, pragmas: dict) -> None:
    """Extra PRAGMAs on every new connection of the app from now on."""
    @event.listens_for(db.engine, "connect")
    def extra(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        for name, value in pragmas.items():
            if value is not None:
                cursor.execute(f"PRAGMA {name}={value() if callable(value) else value}")
        cursor.close()
    db.session.remove()
    db.engine.dispose()


def test_sqlite_locked_during_send(sqlite_url):
    with app_on(sqlite_url) as app:
        participant = ready_participant(app, "ar")
        _sqlite_pragmas(app, {"busy_timeout": 300})  # give up quickly instead of after 10 s
        path = sqlite_url.removeprefix("sqlite:///")
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            status, _, page = participant.send()
            assert status == 503
            assert translated(app, RETRY, "ar") in page and 'dir="rtl"' in page
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert_kept_and_nothing_stored(sqlite_url, participant)
        assert participant.send_until_thanks() == 0
        stored_once(sqlite_url, participant)
        assert participant.send_until_thanks() == 0, "a repeated send gives the thank-you page again"
        stored_once(sqlite_url, participant)


def test_sqlite_full_during_send(sqlite_url):
    """SQLITE_FULL (disk full) simulated with max_page_count: the file may not grow by a page."""
    with app_on(sqlite_url) as app:
        campaign = Factory().campaign(optional=["omsorg", "kommentar"])
        participant = Participant(FlaskFetch(app.test_client(), "so"), campaign.token, lang="so")
        # A comment as long as allowed, in a script of 3 bytes a letter, is larger than a page: the
        # response needs a new (overflow) page even where its table has room.
        participant.marker = participant.marker + " " + "ት" * 1900
        participant.answer_all(participant.start())
        participant.review()
        db.session.remove()
        full = {"on": True}
        path = sqlite_url.removeprefix("sqlite:///")
        vacuum = sqlite3.connect(path, isolation_level=None)
        vacuum.execute("VACUUM")  # no free pages left to reuse: the response needs new ones
        vacuum.close()

        def page_limit():
            with sqlite3.connect(path) as probe:
                return probe.execute("PRAGMA page_count").fetchone()[0] if full["on"] else 2 ** 30
        _sqlite_pragmas(app, {"max_page_count": page_limit})
        status, _, page = participant.send()
        assert status == 503
        assert translated(app, RETRY, "so") in page
        assert_kept_and_nothing_stored(sqlite_url, participant)
        full["on"] = False  # space freed
        db.session.remove()
        db.engine.dispose()
        assert participant.send_until_thanks() == 0
        stored_once(sqlite_url, participant)


# ---------------------------------------------------------------------------------- PostgreSQL
def test_postgres_connection_killed_inside_the_send_transaction(postgres_url, postgres_server):
    """The server ends our connection after the draft was claimed and the response row written."""
    with app_on(postgres_url) as app:
        participant = ready_participant(app, "ar")
        armed = {"on": True}

        @event.listens_for(db.engine, "before_cursor_execute")
        def kill_backend(conn, cursor, statement, parameters, context, executemany):
            if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO ANSWER"):
                armed["on"] = False
                pid = conn.connection.dbapi_connection.info.backend_pid
                postgres_server.execute(f"SELECT pg_terminate_backend({pid})")
                time.sleep(0.2)

        status, _, page = participant.send()
        assert not armed["on"], "the fault was injected"
        assert status == 503
        assert translated(app, RETRY, "ar") in page
        assert_kept_and_nothing_stored(postgres_url, participant)
        assert participant.send_until_thanks() == 0
        stored_once(postgres_url, participant)


def test_postgres_unavailable_during_send(postgres_url, postgres_server):
    """The database refuses every connection (down, restarting): a busy page in the participant's
    language; when it is back, the retry stores exactly one."""
    with app_on(postgres_url) as app:
        participant = ready_participant(app, "fa")
        name = postgres_url.rsplit("/", 1)[1]
        postgres_server.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        postgres_server.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        try:
            status, _, page = participant.send()
            assert status == 503
            assert translated(app, BUSY, "fa") in page or translated(app, RETRY, "fa") in page
        finally:
            postgres_server.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        db.engine.dispose()
        assert_kept_and_nothing_stored(postgres_url, participant)
        assert participant.send_until_thanks() == 0
        stored_once(postgres_url, participant)


# ---------------------------------------------------------------------------------- gunicorn
def test_worker_killed_in_the_middle_of_sending(database_url, tmp_path):
    """SIGKILL the gunicorn worker while it is inside the send transaction (test-only hook in
    tests/reliability/slow_app.py): the connection drops, nothing partial is stored, the master
    starts a new worker, and the participant's retry stores exactly one."""
    with app_on(database_url):
        token = Factory().campaign(optional=["omsorg", "kommentar"]).token
        db.session.remove()
    flag = tmp_path / "slow-send"
    with Gunicorn(database_url, workers=2, app_spec="tests.reliability.slow_app:create()",
                  env={"FINSAM_SLOW_SEND": str(flag)}, timeout=120) as server:
        participant = Participant(HttpFetch(server.port, timeout=90, lang="ti"), token, lang="ti")
        participant.answer_all(participant.start())
        participant.review()
        flag.write_text("armed")
        outcome = {}

        def send():
            try:
                outcome["status"] = participant.send()[0]
            except Exception as exc:  # the dropped connection is what we expect
                outcome["error"] = exc
        sender = threading.Thread(target=send)
        sender.start()
        pid_file = tmp_path / "slow-send.pid"
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid_file.exists(), "the send reached the point inside its transaction"
        time.sleep(0.1)
        pid = int(pid_file.read_text())
        assert pid in server.worker_pids()
        os.kill(pid, signal.SIGKILL)
        sender.join(30)
        assert "error" in outcome or outcome.get("status", 0) >= 500, outcome
        flag.unlink()
        assert_kept_and_nothing_stored(database_url, participant)
        deadline = time.monotonic() + 30
        # Until the master has reaped the killed worker and started its replacement (it may still
        # list the dead one for a moment).
        while (pid in server.worker_pids() or len(server.worker_pids()) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid not in server.worker_pids()
        assert participant.send_until_thanks() <= 1
        stored_once(database_url, participant)


# ---------------------------------------------------------------------------------- import
HEAD = "response_id,forbund,insats,year,respondent_group,instrument_version,kon,alder,utfall,D1,D7,R1,R2,omsorg,kommentar"
ROWS = [
    "g1,nytt,steget,2024,deltagare_avslut,2021-A,kvinna,30-39,arbete,1,2,,,1,Bra stöd",
    "g2,nytt,steget,2024,deltagare_avslut,2021-A,man,,subventionerat_arbete,9,,,,,",
    "g3,nytt,,2023,remittenter,2021-A,,,,,,1,4,,",
]


@pytest.mark.parametrize("crash_at", ["INSERT INTO insats", "INSERT INTO response", "INSERT INTO answer",
                                      "INSERT INTO audit_log"])
def test_crashed_import_stores_nothing(app, runner, tmp_path, crash_at):
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([HEAD, *ROWS]) + "\n", encoding="utf-8")
    crashed = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def crash(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(crash_at.upper()):
            crashed.append(statement)
            raise RuntimeError("simulated crash in the middle of an import")

    result = runner.invoke(args=["import", "responses", str(path), "--create"])
    event.remove(db.engine, "before_cursor_execute", crash)
    assert crashed, f"the import reached {crash_at}"
    assert result.exit_code != 0
    db.session.remove()
    with db.engine.connect() as conn:
        for table in ("forbund", "insats", "response", "answer", "audit_log"):
            assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table
    # The same file imports completely once nothing goes wrong.
    result = runner.invoke(args=["import", "responses", str(path), "--create"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM response")).scalar_one() == 3
