"""The weekly summary's cost follows the week, not the history: no query reads a whole large table."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, event, text

from listener.config.settings import ProfileConfig
from listener.exports import build_weekly_summary
from tests.test_export_data import EXPORT_NOW, WEEK, dataset  # noqa: F401  (dataset is a fixture)

LARGE_TABLES = ("items", "item_profiles", "counter_snapshots", "engagement_events", "sentiment_scores",
                "authors", "follower_counts", "index_points")
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(LARGE_TABLES)})\b")
# A search of a profile's links must be bounded by time or hit one item: `profile_id=?` alone
# (or with the platform) walks the profile's whole history.
HISTORY_WIDE = re.compile(r"^SEARCH (item_profiles|items) (?!.*(created_at>|external_id=))")


def test_every_query_of_the_summary_uses_an_index(dataset: tuple[Engine, ProfileConfig]) -> None:  # noqa: F811
    engine, profile = dataset
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        build_weekly_summary(engine, profile, WEEK, EXPORT_NOW)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) >= 10
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        plans = {statement: [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]  # type: ignore[union-attr]
                 for statement, parameters in statements}
        assert connection.execute(text("SELECT 1")).scalar() == 1
    wide = {s.split("FROM")[1][:80]: [line for line in plan if FULL_SCAN.match(line) or HISTORY_WIDE.match(line)]
            for s, plan in plans.items()}
    assert {s: lines for s, lines in wide.items() if lines} == {}
