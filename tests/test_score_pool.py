"""Scoring in a process pool stores exactly the rows the serial scorer stores: same ids, values and types."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.corpus import NOW, PROFILE, build_database
from listener.config.settings import Config
from listener.sentiment.corrections import set_correction
from listener.sentiment.score import score_pending
from listener.storage.engine import open_database
from listener.storage.models import SentimentCalibrationRow
from listener.storage.upsert import upsert_rows

SCORED_AT = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


def scored_rows(database: Path, pool: Executor | None) -> tuple[int, list[tuple[Any, ...]]]:
    """Score a corpus database from scratch (a profile scorer with calibration, one correction); every stored row."""
    engine = open_database(f"sqlite:///{database}")
    build_database(engine, 1200, seed=5)
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
    scored = score_pending(engine, clock=lambda: SCORED_AT, batch=97, profiles=config.profiles, pool=pool)
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(sentiment_scores)"))]
        typed = ", ".join(f"typeof({c}), {c}" for c in columns)
        rows = [tuple(row) for row in connection.execute(text(f"SELECT {typed} FROM sentiment_scores ORDER BY id"))]
    engine.dispose()
    return scored, rows


def test_pooled_scores_equal_serial_scores_row_for_row(tmp_path: Path) -> None:
    serial_count, serial = scored_rows(tmp_path / "serial.db", None)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled_count, pooled = scored_rows(tmp_path / "pooled.db", pool)
    assert serial_count == pooled_count > 1000
    assert [repr(row) for row in pooled] == [repr(row) for row in serial]
    values = {value for row in serial for value in row}
    assert {"correction", "detected", "platform"} <= values  # a correction, the language gate and platform languages
    scorers = {value for value in values if isinstance(value, str) and ";cal:" in value}
    assert len(scorers) == 1 and "default:nl;cal:" in next(iter(scorers)) and ";cal:none" not in next(iter(scorers))
