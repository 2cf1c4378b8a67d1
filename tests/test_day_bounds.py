"""local_day_bounds: the stored spans give every moment the day local_day gives it, and SQL counts items on those
days across DST changes, 45-minute offsets and local midnights, in updates as in a rebuild."""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from listener.config.settings import IndexConfig, ProfileConfig
from listener.index.day_bounds import EARLIEST, LATEST, day_start
from listener.index.days import _item_query
from listener.index.sql import IndexContext
from listener.storage.index_models import LocalDayBoundsRow
from listener.storage.models import ProfileRow
from listener.storage.upsert import table_of
from scoring.signals import FIRST_DAY, LAST_DAY, local_day
from tests.test_index_incremental import Story, daily_updates_then_recompute
from tests.test_index_pipeline import NOW, Store, inbound
from tests.test_local_days import ZONES

ONE_MICROSECOND = timedelta(microseconds=1)
# Sao Paulo's midnight DST start and end, Havana's midnight changes, Lord Howe's half hour, Apia's skipped 2011-12-30.
SPELLS = ((date(2011, 12, 25), date(2012, 1, 3)), (date(2018, 2, 10), date(2018, 2, 22)),
          (date(2018, 10, 30), date(2018, 11, 8)), (date(2026, 3, 5), date(2026, 3, 12)))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize("name", ZONES)
def test_the_spans_give_each_moment_its_local_day(name: str) -> None:
    zone = ZoneInfo(name)
    for first, last in SPELLS:
        days = _days(first, last)
        starts = [day_start(day, zone) for day in days]
        assert starts == sorted(starts)
        moments = [start + timedelta(minutes=15 * k) + shift for start in starts[:-1] for k in range(96 * 2)
                   for shift in (-ONE_MICROSECOND, timedelta(0), ONE_MICROSECOND)]
        for moment in moments:
            if starts[0] <= moment < starts[-1]:
                assert days[bisect.bisect_right(starts, moment) - 1] == local_day(moment, zone), moment
        for day, start in zip(days, starts, strict=False):
            assert local_day(start, zone) >= day > local_day(start - ONE_MICROSECOND, zone)


def test_a_skipped_day_has_an_empty_span_and_the_calendar_ends_are_open() -> None:
    apia = ZoneInfo("Pacific/Apia")
    assert day_start(date(2011, 12, 30), apia) == day_start(date(2011, 12, 31), apia)
    assert day_start(FIRST_DAY, apia) == EARLIEST and day_start(LAST_DAY + timedelta(days=1), apia) == LATEST
    assert day_start(FIRST_DAY + timedelta(days=1), apia) > EARLIEST


def _profile(zone: str) -> ProfileConfig:
    return ProfileConfig(name="acme", timezone=zone, index=IndexConfig())


@pytest.mark.parametrize("name", ["Pacific/Chatham", "America/Havana", "Asia/Kathmandu", "America/Sao_Paulo"])
def test_items_on_either_side_of_a_local_midnight_count_on_their_own_day(engine: Engine, name: str) -> None:
    _count_items_on_local_midnights(engine, name)


def test_postgresql_counts_items_on_local_midnights_as_sqlite_does(pg_engine: Engine) -> None:
    _count_items_on_local_midnights(pg_engine, "Pacific/Chatham")
    assert "(created_at >= local_day_bounds.starts_at)" in _item_query_plan(pg_engine, "Pacific/Chatham", "EXPLAIN ")


def test_sqlite_finds_each_days_links_in_the_created_at_index(engine: Engine) -> None:
    _count_items_on_local_midnights(engine, "Asia/Kathmandu")
    assert "ix_item_profiles_created (profile_id=? AND created_at>? AND created_at<?)" in _item_query_plan(
        engine, "Asia/Kathmandu", "EXPLAIN QUERY PLAN ")


def _item_query_plan(engine: Engine, zone: str, explain: str) -> str:
    """The plan of the item facts' query over every day: each day's links must come from the created_at index (a
    planner without statistics on PostgreSQL compared every link with every span)."""
    with engine.begin() as connection:
        profile_id = connection.execute(select(table_of(ProfileRow).c.id)).scalar_one()
        ctx = IndexContext(connection, profile_id, ZoneInfo(zone), IndexConfig(), NOW)
        sql = str(_item_query(ctx, None).compile(connection, compile_kwargs={"literal_binds": True}))
        return "\n".join(str(row[-1]) for row in connection.exec_driver_sql(explain + sql))


def _count_items_on_local_midnights(engine: Engine, name: str) -> None:
    zone = ZoneInfo(name)
    store = Store(engine, _profile(name))
    moments = [day_start(day, zone) + shift for day in _days(date(2026, 3, 6), date(2026, 3, 10))
               for shift in (-ONE_MICROSECOND, timedelta(0), timedelta(hours=11, minutes=45))]
    moments.append(datetime(2018, 11, 4, 3, 0, tzinfo=UTC))  # Sao Paulo's skipped midnight, seen from everywhere
    store.add(*(inbound(f"i{n}", at, kind="mention") for n, at in enumerate(moments)))
    store.aggregate()
    expected = Counter(local_day(at, zone) for at in moments)
    assert {day: facts["inbound"] for day, facts in store.facts().items() if facts["inbound"]} == expected
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(LocalDayBoundsRow).c.day)).scalars().all()
    assert set(expected) <= set(stored) and len(stored) < 40  # the items' days and their neighbours only


@pytest.mark.parametrize("name", ["Pacific/Chatham", "America/Sao_Paulo"])
def test_updates_in_an_offset_zone_equal_a_full_recompute(engine: Engine, name: str) -> None:
    incremental, recomputed = daily_updates_then_recompute(engine, Story(Store(engine, _profile(name)), seed=11), 14)
    assert recomputed == incremental
    assert len(incremental["index_days"]) > 8
