"""Key filters with the ids bound as one value: the same rows as a plain IN, one SQL text for any length; and the
same filter in a statement built once, its keys bound at execution."""

from __future__ import annotations

import random

from sqlalchemy import Column, Engine, Index, MetaData, String, Table, and_, or_, select

from listener.index.sql import key_platforms, keys_in, keys_in_parameters, keys_parameters

METADATA = MetaData()
PAIRS = Table("id_list_pairs", METADATA, Column("platform", String, nullable=False),
              Column("external_id", String, nullable=False), Index("ix_id_list_pairs", "platform", "external_id"))
ROWS = [{"platform": p, "external_id": f"{p}{i}"} for p in ("mastodon", "bluesky") for i in range(60)]


def plain_in(keys: list[tuple[str, str]]) -> object:
    """The definition: (platform, id) in keys, as SQLAlchemy's expanding IN."""
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    return or_(*(and_(PAIRS.c.platform == p, PAIRS.c.external_id.in_(ids)) for p, ids in by_platform.items()))


def check_against_plain_in(engine: Engine) -> None:
    METADATA.create_all(engine)
    rng = random.Random(3)
    universe = [(r["platform"], r["external_id"]) for r in ROWS] + [("mastodon", "absent"), ("x", "mastodon1")]
    with engine.begin() as connection:
        connection.execute(PAIRS.insert(), ROWS)
        for _ in range(30):
            keys = rng.sample(universe, rng.randint(1, 40))
            got = connection.execute(select(PAIRS).where(keys_in(PAIRS.c.platform, PAIRS.c.external_id, keys)))
            want = sorted(connection.execute(select(PAIRS).where(plain_in(keys))).all())  # type: ignore[arg-type]
            built_once = select(PAIRS).where(keys_in_parameters(PAIRS.c.platform, PAIRS.c.external_id,
                                                                key_platforms(keys)))
            bound = connection.execute(built_once, keys_parameters(keys))
            assert sorted(got.all()) == want
            assert sorted(bound.all()) == want


def test_keys_in_finds_the_rows_a_plain_in_finds_on_sqlite(engine: Engine) -> None:
    check_against_plain_in(engine)


def test_keys_in_finds_the_rows_a_plain_in_finds_on_postgresql(pg_engine: Engine) -> None:
    check_against_plain_in(pg_engine)


def test_keys_in_is_one_sql_text_for_any_number_of_ids_and_searches_the_index(engine: Engine) -> None:
    METADATA.create_all(engine)
    texts = {str(select(PAIRS).where(keys_in(PAIRS.c.platform, PAIRS.c.external_id, [("mastodon", str(i))
                                                                                     for i in range(n)]))
                 .compile(engine)) for n in (1, 2, 50)}
    assert len(texts) == 1
    (sql,) = texts
    assert "json_each" in sql and "= 1" not in sql
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("mastodon", '["a"]')).all()
    assert any("USING COVERING INDEX ix_id_list_pairs" in row[-1] for row in plan)
