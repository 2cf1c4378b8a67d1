"""The read commands' plain SQL returns the same on sqlite3, on psycopg and through SQLAlchemy, on SQLite and
PostgreSQL, decoded as the tables' SQLAlchemy types decode what was written (UTC times, JSON, days, flags)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlmodel import SQLModel

import listener.storage.daemon_models  # noqa: F401 - every table registered on SQLModel.metadata
import listener.storage.index_models  # noqa: F401
import listener.storage.relationship_models  # noqa: F401
from listener.collect.runs import KILLED, close_orphaned_runs
from listener.collect.status import daemon_caption, source_statuses
from listener.config.settings import load_config
from listener.daemon.steps import failing_steps
from listener.imports.status import api_cursors, import_statuses
from listener.index.formula import formula_version
from listener.read.reports import load_index_points
from listener.read.ror_percent import has_linked_people, ror_percent_summary
from listener.storage.postgres_direct import libpq_url_of, open_postgres_at_head
from listener.storage.reader import PsycopgReader, Reader, SqlAlchemyReader, SqliteReader, pyformat_sql
from listener.storage.sqlite_file import open_sqlite_at_head, sqlite_file_of
from listener.workers.status import has_queue, queue_status
from tests.workers_harness import add_a_live_and_a_stalled_worker

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
AT = datetime(2026, 3, 1, 9, 30, 15, 250_000, tzinfo=UTC)
CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "acme"

[[profiles.sources]]
name = "masto"
platform = "mastodon"
base_url = "https://example.social"
account = "acme"

[[profiles.sources]]
name = "quiet"
platform = "mastodon"
base_url = "https://example.social"
account = "other"
"""


def _rows(at: datetime) -> dict[str, list[dict[str, Any]]]:
    """One of everything `ror status` and `ror index` read (profile id 1, person id 1)."""
    later = at + timedelta(days=2)
    return {
        "profiles": [{"id": 1, "name": "acme", "timezone": "UTC"}],
        "sync_runs": [
            {"source": "masto", "started_at": at, "ended_at": later, "status": "partial", "error": "e1",
             "quarantined": 1, "skipped": 2, "unexpanded": 3, "streams": {"posts": {"pages": 2, "failed": True}},
             "owner": "h:1", "pages": 0, "items": 0, "events": 0},
            {"source": "masto", "started_at": later, "ended_at": None, "status": "running", "error": None,
             "quarantined": 0, "skipped": 0, "unexpanded": 0, "streams": None, "owner": "elsewhere:1",
             "pages": 0, "items": 0, "events": 0},
            {"source": "quiet", "started_at": at, "ended_at": at, "status": "ok", "error": None, "quarantined": 0,
             "skipped": 0, "unexpanded": 0, "streams": {}, "owner": "h:2", "pages": 0, "items": 0, "events": 0},
        ],
        "item_profiles": [
            {"profile_id": 1, "platform": "mastodon", "external_id": ext, "role": role, "source": "masto",
             "created_at": at} for ext, role in (("r1", "inbound"), ("r2", "owned"))],
        "items": [
            {"platform": "mastodon", "external_id": "r1", "kind": "review", "author_external_id": "a1",
             "parent_external_id": None, "created_at": at, "fetched_at": at, "text": ""},
            {"platform": "mastodon", "external_id": "r2", "kind": "reply", "author_external_id": "brand",
             "parent_external_id": "r1", "created_at": later, "fetched_at": later, "text": ""},
        ],
        "authors": [{"platform": "mastodon", "external_id": "a1", "handle": "@Ann", "updated_at": at}],
        "sync_cursors": [{"source": source, "stream": "s", "cursor": "c1", "updated_at": at}
                         for source in ("masto", "hubspot:acme", "typeform:acme", "other")],
        "quarantine": [
            {"source": "masto", "stream": "s", "digest": digest, "error": error, "first_seen_at": seen,
             "resolved_at": None} for digest, error, seen in (("d1", "old", at), ("d2", "new", later))],
        "daemon_source_health": [{"source": "masto", "consecutive_failures": 2, "next_run_at": later,
                                  "quota_remaining": 41.0, "quota_limit": 300.0, "quota_reset_at": later,
                                  "updated_at": at}],
        "daemon_state": [{"name": "daemon", "pid": 7, "hostname": "h", "started_at": at, "heartbeat_at": later,
                          "stopped_at": None, "health_url": "http://127.0.0.1:1"}],
        "pipeline_steps": [{"profile": "acme", "step": "score", "consecutive_failures": 3, "last_failed_at": later,
                            "last_error": "boom"}],
        "import_runs": [
            {"profile_id": 1, "kind": "orders", "file_name": "o.csv", "imported_at": moment, "rows": n, "new": n,
             "known": 0, "duplicates": 0, "quarantined": 0} for n, moment in ((1, at), (2, later))],
        "persons": [{"id": 1, "profile_id": 1, "created_at": at}],
        "person_identities": [{"profile_id": 1, "person_id": 1, "kind": "social", "platform": "mastodon",
                               "value": "ann", "source": "crm"}],
        "responses": [{"profile_id": 1, "platform": "mastodon", "external_id": "r1", "author_external_id": "a1",
                       "reason": "question", "created_at": at, "deadline_at": later, "deadline_day": at.date(),
                       "first_reply_at": later}],
        "customers": [{"profile_id": 1, "customer_key": "c1", "person_id": 1, "created_at": None,
                       "referred_by_key": None},
                      {"profile_id": 1, "customer_key": "c2", "person_id": None, "created_at": later,
                       "referred_by_key": "c1"}],
        "orders": [{"profile_id": 1, "order_key": "o1", "customer_key": "c1", "person_id": 1,
                    "ordered_at": later + timedelta(days=1)}],
        "tickets": [{"profile_id": 1, "ticket_key": "t1", "person_id": 1, "resolved_at": later}],
    }


def _populate(engine: Engine, config: Any) -> None:
    profile = config.profiles[0]
    with engine.begin() as connection:
        for name, rows in _rows(AT).items():
            connection.execute(insert(SQLModel.metadata.tables[name]), rows)
        connection.execute(insert(SQLModel.metadata.tables["index_points"]), [
            {"profile_id": 1, "day": date(2026, 3, day), "formula_version": formula_version(profile.index),
             "components": {"sentiment": {"score": 51.5}, "return_rate": {"score": 40.0}}, "coverage": 0.5,
             "used_components": ["sentiment"], "daily_index": 50.0 + day, "running_index": None if day == 1 else 49.5,
             "provisional": day == 2, "computed_at": AT} for day in (1, 2, 3)])


def _everything_read(reader: Reader, config: Any) -> dict[str, Any]:
    """What `ror status` and `ror index` read, through one Reader."""
    profile = config.profiles[0]
    return {
        "statuses": [s.to_json() for s in source_statuses(reader, config)], "caption": daemon_caption(reader),
        "steps": failing_steps(reader), "imports": import_statuses(reader), "cursors": api_cursors(reader),
        "points": load_index_points(reader, profile, 2),
        "ror_percent": ror_percent_summary(reader, profile, clock=lambda: NOW),
        "linked": has_linked_people(reader, profile),
    }


@pytest.fixture
def config(tmp_path: Path) -> Any:
    (tmp_path / "ror.toml").write_text(CONFIG, encoding="utf-8")
    return load_config(tmp_path / "ror.toml")


def _sqlite_reader(engine: Engine) -> SqliteReader:
    url = engine.url.render_as_string()
    path = sqlite_file_of(url)
    assert path is not None
    connection = open_sqlite_at_head(path)
    assert connection is not None
    return SqliteReader(connection, url)


@pytest.fixture
def psycopg_reader(pg_engine: Engine) -> Iterator[PsycopgReader]:
    """The PostgreSQL test database through psycopg alone, as `ror status` opens it at head."""
    url = pg_engine.url.render_as_string(hide_password=False)
    address = libpq_url_of(url)
    assert address is not None
    connection = open_postgres_at_head(address)
    assert connection is not None
    yield PsycopgReader(connection, url)
    connection.close()


def test_sqlite3_psycopg_and_sqlalchemy_read_the_same_on_sqlite_and_postgresql(
        engine: Engine, pg_engine: Engine, psycopg_reader: PsycopgReader, config: Any) -> None:
    _populate(engine, config)
    _populate(pg_engine, config)
    plain = _everything_read(_sqlite_reader(engine), config)
    assert _everything_read(SqlAlchemyReader(engine), config) == plain
    assert _everything_read(SqlAlchemyReader(pg_engine), config) == plain
    assert _everything_read(psycopg_reader, config) == plain
    with pg_engine.connect() as connection:  # the other reads of the project pass their open connection
        assert _everything_read(SqlAlchemyReader(connection), config) == plain
    with pg_engine.begin() as connection:
        connection.execute(text("UPDATE sync_runs SET owner = 'dead' WHERE status = 'running'"))
    assert close_orphaned_runs(SqlAlchemyReader(pg_engine), NOW) == 1
    assert source_statuses(pg_engine, config)[0].last_run_at == NOW


def test_psycopg_closes_an_orphaned_run_as_sqlalchemy_does(pg_engine: Engine, psycopg_reader: PsycopgReader,
                                                           config: Any) -> None:
    _populate(pg_engine, config)
    reader = psycopg_reader
    assert close_orphaned_runs(reader, NOW) == 0  # its owner is on another host
    with pg_engine.begin() as connection:
        connection.execute(text("UPDATE sync_runs SET owner = 'dead' WHERE status = 'running'"))
    assert close_orphaned_runs(reader, NOW) == 1
    closed = "SELECT status, ended_at, error FROM sync_runs WHERE owner = 'dead'"
    assert SqlAlchemyReader(pg_engine).rows(closed) == reader.rows(closed) == [("interrupted", NOW, KILLED)]
    assert source_statuses(pg_engine, config)[0].last_run_at == NOW


def test_psycopg_reads_the_worker_queue_as_sqlalchemy_does(pg_engine: Engine, psycopg_reader: PsycopgReader) -> None:
    with pg_engine.begin() as connection:
        alive, dead = add_a_live_and_a_stalled_worker(connection)
    reader = psycopg_reader
    assert has_queue(reader) and has_queue(pg_engine)
    plain = queue_status(reader)
    assert plain == queue_status(pg_engine) and plain.to_json() == queue_status(pg_engine).to_json()
    assert [(w.id, w.alive, w.running) for w in plain.workers] == [(alive, True, 1), (dead, False, 1)]
    assert [(s.args, s.worker_id) for s in plain.stalled] == [('{"source": "brand-0"}', dead)]  # the ::text cast


@pytest.mark.parametrize("sql", [
    "SELECT j.args::text FROM jobs j WHERE j.id = :id",  # a cast is no parameter
    "SELECT :a::int, :b || '%' FROM t WHERE x LIKE '50%%' AND y = :c",  # literal percent signs
    "SELECT 'a:b', '10\\:30', x FROM t WHERE t.x=:x AND make_interval(secs => :stall) > :t_2",  # escaped colon
    "SELECT 1",
])
def test_psycopg_runs_the_statement_sqlalchemys_text_sends_to_psycopg(sql: str) -> None:
    assert pyformat_sql(sql) == str(text(sql).compile(dialect=psycopg_dialect()))


@pytest.mark.parametrize(("url", "address"), [
    ("postgresql://ror@127.0.0.1:5432/ror", "postgresql://ror@127.0.0.1:5432/ror"),
    ("postgresql+psycopg://ror:s%40cret@db/ror?sslmode=require", "postgresql://ror:s%40cret@db/ror?sslmode=require"),
    ("postgresql:///ror", "postgresql:///ror"),  # the local socket
    ("postgresql+psycopg2://ror@db/ror", None), ("postgresql+asyncpg://ror@db/ror", None),  # other drivers
    ("postgresql://ror:p@ss@db/ror", None),  # an unencoded @: left to SQLAlchemy
    ("sqlite:///ror.db", None), ("mysql://ror@db/ror", None),
])
def test_psycopg_takes_only_urls_sqlalchemy_opens_with_psycopg(url: str, address: str | None) -> None:
    assert libpq_url_of(url) == address


def test_a_postgresql_database_not_at_head_is_left_to_alembic(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    assert open_postgres_at_head(libpq_url_of(url) or "") is None
    with pg_engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert open_postgres_at_head(libpq_url_of(url) or "") is None


def test_reads_decode_times_json_days_and_flags_as_written(engine: Engine, config: Any) -> None:
    _populate(engine, config)
    read = _everything_read(_sqlite_reader(engine), config)
    masto = read["statuses"][0]
    assert masto["last_run_at"] == (AT + timedelta(days=2)).isoformat() and masto["syncing"] is True
    assert masto["last_run"]["streams"] == {"posts": {"pages": 2, "failed": True}}
    assert masto["last_run"]["partial_reasons"] == ["quarantined", "not read", "stream failed"]
    assert (masto["items"], masto["quarantined"], masto["last_quarantine_error"]) == (2, 2, "new")
    assert (masto["quota_remaining"], masto["consecutive_failures"]) == (41.0, 2)
    assert read["statuses"][1]["last_success_at"] == AT.isoformat()
    assert read["steps"][0].last_failed_at == AT + timedelta(days=2) and read["steps"][0].last_failed_at.tzinfo is UTC
    assert [(i.source, i.rows, i.last_run_at) for i in read["imports"]] == [("o.csv", 2, AT + timedelta(days=2))]
    assert [c[0] for c in read["cursors"]] == ["hubspot:acme", "typeform:acme"] and read["cursors"][0][3] == AT
    assert [(p["day"], p["provisional"], p["running_index"]) for p in read["points"]] == [
        ("2026-03-02", True, 49.5), ("2026-03-03", False, 49.5)]
    assert read["points"][0]["components"]["sentiment"] == {"score": 51.5}
    assert read["ror_percent"]["latest"]["helped"] == 1 and read["ror_percent"]["latest"]["returned"] == 1
    assert "last heartbeat 2026-03-03 09:30:15 UTC" in read["caption"] and read["linked"] is True


def test_orphaned_run_closed_alike_by_sqlite3_and_sqlalchemy(engine: Engine, config: Any) -> None:
    _populate(engine, config)
    assert close_orphaned_runs(_sqlite_reader(engine), NOW) == 0  # its owner is on another host
    with sqlite3.connect(engine.url.database or "") as connection:
        connection.execute("UPDATE sync_runs SET owner = 'dead' WHERE status = 'running'")
    assert close_orphaned_runs(_sqlite_reader(engine), NOW) == 1
    run = source_statuses(SqlAlchemyReader(engine), config)[0]
    assert run.state == "degraded" and not run.syncing and run.last_run_at == NOW
    closed = SqlAlchemyReader(engine).rows("SELECT status, ended_at, error FROM sync_runs WHERE owner = 'dead'")
    assert closed == [("interrupted", "2026-03-20 12:00:00.000000", KILLED)]  # the text SQLAlchemy would store
