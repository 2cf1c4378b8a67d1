"""UTCDateTime on SQLite decodes the stored text in one step: the same values as DateTime's parsing then ours."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects import sqlite

from listener.storage.engine import open_database
from listener.storage.types import UTCDateTime

DIALECT = sqlite.dialect()


def two_step(text: str) -> Any:
    """What SQLAlchemy did before: SQLite DATETIME's own parsing, then UTCDateTime.process_result_value."""
    parse = sqlite.DATETIME().result_processor(DIALECT, None)
    assert parse is not None
    return UTCDateTime().process_result_value(parse(text), DIALECT)


def one_step(text: str | None) -> Any:
    decode = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
    assert decode is not None
    return decode(text)


def stored_texts() -> list[str]:
    """The texts UTCDateTime writes for moments across the calendar, offsets and microseconds included."""
    bind = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert bind is not None
    rng = random.Random(18)
    moments = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
               datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC)]
    moments += [datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 1e9)) for _ in range(300)]
    moments += [m.replace(microsecond=0) for m in moments[4:40]]
    moments += [datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=h))) for h in (-11, -3, 2, 14)]
    return [bind(m) for m in moments]


def test_the_stored_texts_decode_to_what_the_two_steps_gave() -> None:
    texts = stored_texts()
    assert len(set(texts)) > 300
    for text in texts:
        decoded = one_step(text)
        assert decoded == two_step(text) and decoded.tzinfo is UTC
        assert (decoded.year, decoded.microsecond, decoded.fold) == (two_step(text).year, two_step(text).microsecond,
                                                                      two_step(text).fold)
    assert one_step(None) is None


@pytest.mark.parametrize("text", ["2026-12-07 08:15:31+02:00", "2026-12-07T06:15:31Z", "2026-12-07",
                                  "2026-12-07 08:15", "2026-12-07 08:15:31.5", "2026-12-07 08:15:31-00:30",
                                  "2026-12-07 08", "2026-12-07T08:15:31.123", "2026-12-07 08:15:31+00:00"])
def test_texts_written_elsewhere_decode_as_before(text: str) -> None:
    """Text with its own offset, or another ISO layout (a hand edit, an older writer): the same as the two steps."""
    assert one_step(text) == two_step(text) and one_step(text).tzinfo is UTC


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01 00:00:00", "2026-12-07 08:15:31+02:00+00:00", ""])
def test_text_that_is_no_time_fails_as_before(text: str) -> None:
    with pytest.raises(ValueError):
        two_step(text)
    with pytest.raises(ValueError):
        one_step(text)


def test_a_sqlite_file_returns_the_moments_written(tmp_path: Path) -> None:
    table = Table("moments", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    engine = open_database(f"sqlite:///{tmp_path / 'moments.db'}")
    written = [datetime(2026, 12, 7, 8, 15, 31, 123456, tzinfo=UTC), datetime(1999, 1, 1, tzinfo=UTC),
               datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=2))), None]
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(insert(table), [{"at": moment} for moment in written])
        with engine.connect() as connection:
            read = [row.at for row in connection.execute(select(table).order_by(table.c.id))]
    finally:
        engine.dispose()
    assert read == written
    assert all(moment.tzinfo is UTC for moment in read if moment is not None)
