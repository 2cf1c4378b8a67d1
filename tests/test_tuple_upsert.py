"""upsert_tuples stores exactly what upsert_rows stores for the same rows, first writes and conflicts alike."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import SQLModel

from listener.storage.engine import open_database
from listener.storage.index_models import EngagerDayRow, IndexDayRow, ResponseRow
from listener.storage.store import ensure_profile
from listener.storage.tuple_upsert import _same_objects_once, upsert_tuples
from listener.storage.upsert import upsert_rows

BERLIN = timezone(timedelta(hours=1))
AT = datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC)
RESPONSE = ("profile_id", "platform", "external_id", "author_external_id", "reason", "created_at", "deadline_at",
            "deadline_day", "first_reply_at", "first_reply_external_id", "reply_seconds")
DAY = ("profile_id", "platform", "author_external_id", "day", "interactions", "positive", "negative", "neutral",
       "compound_sum", "is_returning", "is_first")
FACTS = ("profile_id", "day", "inbound", "compound_sum", "unsupported")  # other columns take their defaults


def _responses(n: int, shift: float) -> list[tuple[Any, ...]]:
    return [(1, "mastodon", f"m/{i}", None if i % 3 == 0 else f"a{i}", "question", AT + timedelta(hours=i),
             (AT + timedelta(hours=i + shift)).astimezone(BERLIN), date(999 + 500 * i, 1 + i % 12, 1 + i % 28),
             None if i % 2 else AT + timedelta(minutes=i), None if i % 2 else f"r{i}", None if i % 2 else i / 7)
            for i in range(n)]


def _days(n: int, flip: bool) -> list[tuple[Any, ...]]:
    return [(1, "bluesky", f"p{i // 3}", date(2026, 1, 1) + timedelta(days=i), i, i % 2, 0, 1, i * 0.1 - 0.3,
             (i % 2 == 0) != flip, i % 5 == 0) for i in range(n)]


SHARED = {"nl": 2, "xx": [1, "ü"]}  # one object in consecutive rows: serialised once, stored in each


def _facts(n: int, extra: int) -> list[tuple[Any, ...]]:
    return [(1, date(2026, 2, 1) + timedelta(days=i), i + extra, i / 3,
             SHARED if 3 <= i <= 6 else {"xx": i} if i % 2 else None) for i in range(n)]


WRITES: list[tuple[type[SQLModel], tuple[str, ...], list[str], list[str], list[list[tuple[Any, ...]]]]] = [
    (ResponseRow, RESPONSE, ["profile_id", "platform", "external_id"], list(RESPONSE[4:]),
     [_responses(9, 24.0), _responses(12, 30.5)]),
    (EngagerDayRow, DAY, ["profile_id", "platform", "author_external_id", "day"], list(DAY[4:]),
     [_days(10, False), _days(14, True)]),
    (IndexDayRow, FACTS, ["profile_id", "day"], list(FACTS[2:]), [_facts(6, 0), _facts(9, 2)]),
]


def _stored(engine: Engine, path: Path) -> dict[str, list[tuple[Any, ...]]]:
    engine.dispose()
    with sqlite3.connect(path) as connection:
        return {name: connection.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()
                for name in ("responses", "engager_days", "index_days")}


def test_tuples_are_stored_as_dicts_are_by_upsert_rows(tmp_path: Path) -> None:
    stored = []
    for name, write in (("dicts", upsert_rows), ("tuples", upsert_tuples)):
        path = tmp_path / f"{name}.db"
        engine = open_database(f"sqlite:///{path}")
        with engine.begin() as connection:
            ensure_profile(connection, "acme", "Europe/Berlin")
            for model, columns, keys, update, batches in WRITES:
                for rows in batches:  # the second batch overlaps the first: conflicts update what differs
                    if write is upsert_rows:
                        upsert_rows(connection, model, [dict(zip(columns, r, strict=True)) for r in rows], keys, update)
                    else:
                        upsert_tuples(connection, model, columns, rows, keys, update)
        stored.append(_stored(engine, path))
    assert stored[0] == stored[1]
    assert len(stored[1]["responses"]) == 12 and stored[1]["responses"][0][8] == "0999-01-01"
    assert stored[1]["engager_days"][0][10] == 0  # the second batch flipped is_returning
    assert stored[1]["index_days"][3][3] == 5  # inbound updated to i + 2
    with sqlite3.connect(tmp_path / "tuples.db") as connection:
        shared = connection.execute("SELECT DISTINCT unsupported FROM index_days WHERE day BETWEEN ? AND ?",
                                    ("2026-02-04", "2026-02-07")).fetchall()
    assert shared == [('{"nl":2,"xx":[1,"ü"]}',)]  # as storage.json_text writes it


def test_a_datetime_in_a_date_column_is_stored_as_before(tmp_path: Path) -> None:
    rows = [(1, date(2026, 5, 1), 1, 0.5, None), (1, datetime(2026, 5, 2, 23, 0, tzinfo=UTC), 2, 0.25, None)]
    stored = []
    for name in ("dicts", "tuples"):
        path = tmp_path / f"{name}.db"
        engine = open_database(f"sqlite:///{path}")
        with engine.begin() as connection:
            ensure_profile(connection, "acme", "UTC")
            if name == "dicts":
                upsert_rows(connection, IndexDayRow, [dict(zip(FACTS, r, strict=True)) for r in rows],
                            ["profile_id", "day"])
            else:
                upsert_tuples(connection, IndexDayRow, FACTS, rows, ["profile_id", "day"])
        stored.append(_stored(engine, path)["index_days"])
    assert stored[0] == stored[1]
    assert [r[2] for r in stored[1]] == ["2026-05-01", "2026-05-02"]


def test_json_values_are_serialised_once_per_run_of_the_very_same_object() -> None:
    calls: list[int] = []

    def general(values: Any) -> list[str]:
        values = list(values)
        calls.append(len(values))
        return [repr(value) for value in values]

    shared, other = {"a": 1}, {"a": 1}
    assert _same_objects_once([shared, shared, other, shared], general) == ["{'a': 1}"] * 4
    assert calls == [1, 1, 1]  # three runs: the equal but other dict is a run of its own
    calls.clear()
    distinct = [{"n": n} for n in range(5)]
    assert _same_objects_once(iter(distinct), general) == [repr(d) for d in distinct]
    assert calls == [5]  # no run longer than one: converted in one call
