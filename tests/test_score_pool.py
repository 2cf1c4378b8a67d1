"""Scoring in a process pool stores exactly the rows the serial scorer stores: same ids, values and types."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from bench.corpus import NOW, PROFILE, build_database, statuses
from bench.pipeline import run_pipeline
from listener.cli.main import app
from listener.config.settings import Config
from listener.sentiment.corrections import set_correction
from listener.sentiment.pooled import BatchTask
from listener.sentiment.score import count_unscored, score_pending
from listener.storage.engine import open_database
from listener.storage.models import SentimentCalibrationRow
from listener.storage.upsert import upsert_rows

SCORED_AT = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


def scored_rows(database: Path, pool: Executor | None) -> tuple[int, list[str]]:
    """Score a corpus database from scratch (a profile scorer with calibration, one correction); every stored row."""
    engine = open_database(f"sqlite:///{database}")
    build_database(engine, 600, seed=5)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sentiment_scores"))
        corrected = connection.execute(text("SELECT platform || ':' || external_id FROM items WHERE kind = 'reply' "
                                            "ORDER BY id LIMIT 1")).scalar_one()
        profile_id = connection.execute(text("SELECT id FROM profiles WHERE name = :name"),
                                        {"name": PROFILE.name}).scalar_one()
        upsert_rows(connection, SentimentCalibrationRow, [{"profile_id": profile_id, "applied_at": NOW,
                                                           "terms": {"slow": -0.2, "thanks": 0.1}}], ["profile_id"])
    set_correction(engine, corrected, "negative", "tester", clock=lambda: NOW)
    config = Config.model_validate({"profiles": [{"name": PROFILE.name, "timezone": PROFILE.timezone,
                                                  "sentiment": {"default_language": "nl"}}]})
    pending = count_unscored(engine)
    scored = score_pending(engine, clock=lambda: SCORED_AT, batch=97, profiles=config.profiles, pool=pool)
    # the corrected item has a score already, until the new profile scorer's pass forgets and redoes it
    assert pending == scored - 1 and count_unscored(engine) == 0
    rows = stored(engine, "sentiment_scores")
    engine.dispose()
    return scored, rows


@pytest.fixture(scope="module")
def pool() -> Iterator[Executor]:
    """Two workers started from scratch (spawn): they build the scorers from what they are sent, inherit nothing."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as workers:
        yield workers


def stored(engine: Engine, table: str, leave_out: tuple[str, ...] = ()) -> list[str]:
    """Every row of a table (but the columns left out) with each value's SQLite type, in id order, as text."""
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text(f"PRAGMA table_info({table})"))
                   if row[1] not in leave_out]
        typed = ", ".join(f"typeof({c}), {c}" for c in columns)
        return [repr(tuple(row)) for row in connection.execute(text(f"SELECT {typed} FROM {table} ORDER BY id"))]


def test_pooled_scores_equal_serial_scores_row_for_row(tmp_path: Path, pool: Executor) -> None:
    serial_count, serial = scored_rows(tmp_path / "serial.db", None)
    pooled_count, pooled = scored_rows(tmp_path / "pooled.db", pool)
    assert serial_count == pooled_count > 500
    assert pooled == serial
    assert all(f"'{value}'" in " ".join(serial) for value in ("correction", "detected", "platform"))
    assert "default:nl;cal:" in serial[0] and ";cal:none" not in " ".join(serial)  # the profile's scorer, calibrated


def test_scoring_alongside_a_sync_stores_what_scoring_after_it_stores(tmp_path: Path, pool: Executor) -> None:
    records = list(statuses(700, seed=9))
    engines = [open_database(f"sqlite:///{tmp_path / name}") for name in ("after.db", "alongside.db")]
    counts = [run_pipeline(engine, records, chosen, pool_batch=100)  # 100: batches go out while the sync runs
              for engine, chosen in zip(engines, (None, pool), strict=True)]
    assert counts[0] == counts[1] and counts[0]["scored"] == 700
    for table in ("sentiment_scores", "index_points", "responses"):
        assert stored(engines[1], table) == stored(engines[0], table)


def test_ror_score_with_workers_stores_what_ror_score_stores(tmp_path: Path) -> None:
    runs = []
    for name, options in (("serial", []), ("workers", ["--workers", "2"])):
        engine = open_database(f"sqlite:///{tmp_path / name}.db")
        build_database(engine, 300, seed=4)
        with engine.begin() as connection:  # languages given: the workers need no language models (tested above)
            connection.execute(text("DELETE FROM sentiment_scores"))
            connection.execute(text("UPDATE items SET language = 'en' WHERE language IS NULL"))
        config = tmp_path / f"{name}.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{name}.db"\n\n[[profiles]]\nname = "{PROFILE.name}"\n'
                          f'timezone = "{PROFILE.timezone}"\n')
        result = CliRunner().invoke(app, ["score", "--config", str(config), *options])
        assert result.exit_code == 0 and "scored 300 item(s)" in result.output, result.output
        runs.append(stored(engine, "sentiment_scores", leave_out=("scored_at",)))
        engine.dispose()
    assert runs[0] == runs[1] and len(runs[0]) == 300


def test_pooled_scores_on_postgresql_equal_serial_scores(pg_engine: Engine, pool: Executor) -> None:
    """The workers open the server themselves (the URL's password included) and read their batches there."""
    build_database(pg_engine, 400, seed=6)
    config = Config.model_validate({"profiles": [{"name": PROFILE.name, "timezone": PROFILE.timezone}]})
    runs = []
    for chosen in (None, pool):
        with pg_engine.begin() as connection:  # the same score ids both times
            connection.execute(text("TRUNCATE sentiment_scores RESTART IDENTITY"))
        assert score_pending(pg_engine, clock=lambda: SCORED_AT, batch=37, profiles=config.profiles,
                             pool=chosen) == 400
        with pg_engine.connect() as connection:
            runs.append([tuple(row) for row in connection.execute(text("SELECT * FROM sentiment_scores ORDER BY id"))])
    assert runs[0] == runs[1] and len(runs[0]) == 400


def test_a_batch_task_never_shows_the_database_password() -> None:
    task = BatchTask("postgresql://ror:s3cret-pw@db.example/ror", "v", 1, 0, 10, None, "id", None, "run")  # type: ignore[arg-type]
    assert "s3cret-pw" not in repr(task) and "s3cret-pw" not in str(task)
    assert task.url.endswith("@db.example/ror")  # the worker still gets the whole URL
