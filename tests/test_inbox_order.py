"""The inbox's order does not depend on the responses rows' ids (a rebuild numbers them in another order)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from listener.dashboard.inbox import InboxFilter, list_inbox
from listener.storage.engine import open_database
from listener.storage.index_models import ResponseRow
from listener.storage.models import ItemRow, ProfileRow
from listener.storage.upsert import table_of

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _page(tmp_path: Path, name: str, written: list[str]) -> list[str]:
    """The inbox page after writing responses rows, all asked at the same moment, in the order `written`."""
    engine = open_database(f"sqlite:///{tmp_path / name}")
    with engine.begin() as connection:
        connection.execute(table_of(ProfileRow).insert(), [{"id": 1, "name": "acme"}])
        connection.execute(table_of(ItemRow).insert(), [
            {"platform": "mastodon", "external_id": key, "kind": "mention", "text": "where is my order?",
             "created_at": AT, "fetched_at": AT} for key in written])
        connection.execute(table_of(ResponseRow).insert(), [
            {"profile_id": 1, "platform": "mastodon", "external_id": key, "reason": "question", "created_at": AT,
             "deadline_at": AT + timedelta(hours=4), "deadline_day": date(2026, 11, 2)} for key in written])
    return [entry["external_id"] for entry in list_inbox(engine, 1, InboxFilter(status="all"), AT)]


def test_items_asked_at_the_same_moment_come_in_the_same_order_whatever_their_row_ids(tmp_path: Path) -> None:
    first = _page(tmp_path, "a.db", ["a1", "b2", "c3"])
    again = _page(tmp_path, "b.db", ["c3", "a1", "b2"])
    assert first == again == ["c3", "b2", "a1"]
