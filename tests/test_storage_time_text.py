"""time_text: UTC times become exactly the text SQLAlchemy's SQLite DateTime stores for UTCDateTime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from listener.storage.time_text import stored_time, utc_texts
from listener.storage.types import UTCDateTime

NOW = datetime(2026, 11, 18, 13, 0, 5, 120, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
_DIALECT = sqlite.dialect()
_CORE_TEXT = sqlite.DATETIME().bind_processor(_DIALECT)


def core_text(value: datetime) -> str:
    """What the Core path stores for a UTCDateTime on SQLite: the type's bind step, then DATETIME's processor."""
    return _CORE_TEXT(UTCDateTime().process_bind_param(value, _DIALECT))


def test_utc_texts_match_the_stored_format_for_zones_and_gaps() -> None:
    values = [NOW, NOW, None, datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), None,
              datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=1))), NOW]
    assert utc_texts(values) == ["2026-11-18 13:00:05.000120", "2026-11-18 13:00:05.000120", None,
                                 "0999-01-02 03:04:05.000000", None, "2026-03-29 01:30:00.000000",
                                 "2026-11-18 13:00:05.000120"]


def test_every_year_and_a_sweep_of_microseconds_match_core() -> None:
    years = [datetime(year, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC) for year in range(1, 10_000)]
    moments = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=n) for n in [*range(0, 10**6, 997), 999_999]]
    spread = [datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=n * 8_639_993, microseconds=n * 7919)
              for n in range(0, 36_000, 7)]  # every month, day, hour, minute and second's width
    for values in (years, moments, spread):
        assert utc_texts(values) == [core_text(value) for value in values]


@given(st.lists(st.none() | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                         timezones=st.sampled_from([UTC, BERLIN, ZoneInfo("America/St_Johns"),
                                                                    timezone(timedelta(hours=-9, minutes=-30))]))))
def test_any_aware_times_are_stored_as_core_stores_them(values: list[datetime | None]) -> None:
    assert utc_texts(values) == [None if value is None else core_text(value) for value in values]


def test_a_fold_stays_two_instants() -> None:
    twice = [datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0), datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1)]
    assert utc_texts([*twice, NOW.replace(microsecond=7)]) == [
        "2026-10-25 00:30:00.000000", "2026-10-25 01:30:00.000000", "2026-11-18 13:00:05.000007"]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        utc_texts([NOW, datetime(2026, 11, 18, 13, 0, 5)])


def test_stored_time_is_the_same_text_on_sqlite_and_aware_utc_elsewhere() -> None:
    early = datetime(999, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert stored_time(early, "sqlite") == core_text(early) == "0999-01-02 01:04:05.000000"
    assert stored_time(early, "postgresql") == datetime(999, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_a_column_converted_again_keeps_its_texts_and_a_changed_one_gets_new_texts() -> None:
    column: list[datetime | None] = [NOW, None, datetime(2000, 2, 29, tzinfo=UTC)]
    texts = utc_texts(column)
    assert texts == ["2026-11-18 13:00:05.000120", None, "2000-02-29 00:00:00.000000"]
    texts[0] = "changed by the caller"
    assert utc_texts(column) == ["2026-11-18 13:00:05.000120", None, "2000-02-29 00:00:00.000000"]
    column[1] = NOW.replace(microsecond=0)
    assert utc_texts(column) == ["2026-11-18 13:00:05.000120", "2026-11-18 13:00:05.000000",
                                 "2000-02-29 00:00:00.000000"]
    assert utc_texts(column[:2]) == ["2026-11-18 13:00:05.000120", "2026-11-18 13:00:05.000000"]
