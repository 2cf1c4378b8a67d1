"""Response facts counted in SQL give what response_outcome gives row by row, at every boundary, on both databases."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from listener.config.settings import IndexConfig
from listener.index.days import refresh_response_facts, response_outcome
from listener.index.sql import IndexContext
from listener.storage.index_models import IndexDayRow, ResponseRow
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of, upsert_rows

NOW = datetime(2026, 6, 10, 12, 0, 0, 500, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")
OFFSETS = (timedelta(days=-1), timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1), timedelta(hours=3))
REPLIES = (None, timedelta(hours=-2), timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1),
           timedelta(hours=5))


def _rows() -> list[dict[str, object]]:
    """Deadlines just before, at and after now; replies before, at and after the deadline, or none."""
    rows = []
    for i, offset in enumerate(OFFSETS):
        for j, reply in enumerate(REPLIES):
            deadline = NOW + offset
            reply_at = None if reply is None else deadline + reply
            rows.append({"profile_id": 1, "platform": "mastodon", "external_id": f"{i}/{j}", "reason": "question",
                         "created_at": deadline - timedelta(hours=24), "deadline_at": deadline,
                         "deadline_day": date(2026, 6, 1 + j % 3), "first_reply_at": reply_at,
                         "reply_seconds": None if reply_at is None or j == 2 else 60.0 * (i + j)})
    return rows


def _expected(ctx: IndexContext, rows: list[dict[str, object]]) -> dict[date, tuple[object, ...]]:
    outcomes: dict[date, Counter[str]] = defaultdict(Counter)
    seconds: dict[date, list[float]] = defaultdict(list)
    for row in rows:
        outcome = response_outcome(row["deadline_at"], row["first_reply_at"], ctx)
        if outcome is not None:
            outcomes[row["deadline_day"]][outcome] += 1  # type: ignore[index]
            if row["reply_seconds"] is not None:
                seconds[row["deadline_day"]].append(row["reply_seconds"])  # type: ignore[index, arg-type]
    return {day: (c["in_time"], c["late"], c["unanswered"],
                  statistics.median(seconds[day]) if seconds[day] else None) for day, c in outcomes.items()}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_outcomes_counted_in_sql_equal_the_rule_row_by_row(database: str, engine: Engine,
                                                             request: pytest.FixtureRequest) -> None:
    db: Engine = engine if database == "sqlite" else request.getfixturevalue("pg_engine")
    rows = _rows()
    with db.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "Europe/Amsterdam")
        ctx = IndexContext(connection, profile_id, ZONE, IndexConfig(), NOW)
        upsert_rows(connection, ResponseRow, [{**row, "profile_id": profile_id} for row in rows],
                    ["profile_id", "platform", "external_id"])
        refresh_response_facts(ctx, None)
        days = table_of(IndexDayRow)
        stored = {day: values for day, *values in connection.execute(
            select(days.c.day, days.c.answered_in_time, days.c.answered_late, days.c.unanswered,
                   days.c.reply_seconds_median).where(days.c.profile_id == profile_id))}
        expected = _expected(ctx, rows)
    assert {day: tuple(values) for day, values in stored.items()} == expected
    open_rows = [r for r in rows if response_outcome(r["deadline_at"], r["first_reply_at"], ctx) is None]
    assert len(open_rows) == 6  # deadline after now and no reply by it: every case but these is counted
