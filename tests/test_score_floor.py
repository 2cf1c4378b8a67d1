"""Scoring starts past the newest scored item only when every unscored item lies past it (same rows as a full scan)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bench.corpus import NOW, PROFILE, add_new_items, build_database
from listener.config.settings import Config
from listener.sentiment import score
from listener.sentiment.score import count_unscored, score_pending, unscored_floor
from listener.storage.engine import open_database

SCORED_AT = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
CONFIG = Config.model_validate({"profiles": [{"name": PROFILE.name, "timezone": PROFILE.timezone}]})


def scored_database(path: Path, forget_old: bool) -> Engine:
    """A scored corpus whose 40 newest items have no score; with `forget_old`, neither has one old item."""
    engine = open_database(f"sqlite:///{path}")
    world = build_database(engine, 300, seed=3)
    score_pending(engine, clock=lambda: NOW, profiles=CONFIG.profiles)
    add_new_items(engine, world, 40, NOW)  # stored with scores (bench rows): take those away
    with engine.begin() as connection:
        gone = ["SELECT platform, external_id FROM items ORDER BY id DESC LIMIT 40"]
        if forget_old:
            gone.append("SELECT platform, external_id FROM items ORDER BY id LIMIT 1 OFFSET 5")
        for rows in gone:
            connection.execute(text(f"DELETE FROM sentiment_scores WHERE (platform, external_id) IN ({rows})"))
    return engine


def stored_scores(engine: Engine) -> list[tuple[object, ...]]:
    """Every score row (ids aside: they follow the order rows were written), by item."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT platform, external_id, scorer_version, status, compound, pos, neu, neg, language, "
            "language_source, scored_at, backend, scorer FROM sentiment_scores ORDER BY platform, external_id"))]


def newest_scored_id(engine: Engine) -> int:
    """The id of the newest item with a score, found by reading every item."""
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT max(items.id) FROM items JOIN sentiment_scores s "
                                           "ON s.platform = items.platform AND s.external_id = items.external_id"))
                   .scalar_one())


@pytest.mark.parametrize("forget_old", [False, True])
def test_scoring_from_the_floor_stores_what_a_full_scan_stores(tmp_path: Path, forget_old: bool,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    engines = [scored_database(tmp_path / f"{name}.db", forget_old) for name in ("floor", "scan")]
    with engines[0].connect() as connection:
        floor = unscored_floor(connection)
    # new items only: the floor is the newest scored item; an old item without a score: no floor, scan it all
    assert floor == (None if forget_old else newest_scored_id(engines[0]))
    pending = count_unscored(engines[0])
    assert pending == 40 + forget_old
    assert score_pending(engines[0], clock=lambda: SCORED_AT, profiles=CONFIG.profiles) == pending
    monkeypatch.setattr(score, "unscored_floor", lambda _connection: None)
    assert score_pending(engines[1], clock=lambda: SCORED_AT, profiles=CONFIG.profiles) == pending
    assert count_unscored(engines[0]) == 0
    assert stored_scores(engines[0]) == stored_scores(engines[1])


def test_no_floor_before_anything_is_scored(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    build_database(engine, 50, seed=3)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sentiment_scores"))
        assert unscored_floor(connection) is None


def test_the_floor_on_postgresql(pg_engine: Engine) -> None:
    build_database(pg_engine, 120, seed=3)
    score_pending(pg_engine, clock=lambda: NOW, profiles=CONFIG.profiles)  # the bench rows' scores made current
    with pg_engine.begin() as connection:
        connection.execute(text("DELETE FROM sentiment_scores WHERE (platform, external_id) IN "
                                "(SELECT platform, external_id FROM items ORDER BY id DESC LIMIT 10)"))
    with pg_engine.connect() as connection:
        assert unscored_floor(connection) == newest_scored_id(pg_engine)
    assert score_pending(pg_engine, clock=lambda: SCORED_AT, profiles=CONFIG.profiles) == 10
    assert count_unscored(pg_engine) == 0


@pytest.mark.parametrize("other_version", ["scorer-0", "scorer-9"])  # either side of the current one
@pytest.mark.parametrize("forget_old", [False, True])
def test_a_score_of_another_version_never_stands_in_for_a_missing_one(tmp_path: Path, forget_old: bool,
                                                                        other_version: str) -> None:
    engine = scored_database(tmp_path / "versions.db", forget_old)
    with engine.begin() as connection:  # another version's score of the old item (with forget_old, the unscored one)
        connection.execute(text(
            "INSERT INTO sentiment_scores (platform, external_id, scorer_version, status, language_source, "
            "scored_at) SELECT platform, external_id, :version, 'scored', 'detected', :at FROM items "
            "ORDER BY id LIMIT 1 OFFSET 5"),
            {"version": other_version, "at": SCORED_AT})
    with engine.connect() as connection:
        floor = unscored_floor(connection)
    assert floor == (None if forget_old else newest_scored_id(engine))
    assert count_unscored(engine) == 40 + forget_old
    assert score_pending(engine, clock=lambda: SCORED_AT, profiles=CONFIG.profiles) == 40 + forget_old
    assert count_unscored(engine) == 0
