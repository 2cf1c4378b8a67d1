"""A rebuild's walk over the driver's own rows (no SQLAlchemy processing) sees what the per-person reads see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from listener.index.items import first_owned_replies
from listener.index.sql import IndexContext, driver_rows
from listener.ledger.update import _everyone_by_person, _touch_rows
from listener.storage.models import ItemRow
from listener.storage.reader import utc_time
from listener.storage.store import ensure_profile
from listener.storage.upsert import table_of
from tests.test_index_pipeline import NOW, Store, inbound, owned, profile_with, utc


def _context(engine: Engine, connection: Any, store: Store) -> IndexContext:
    return IndexContext(connection, ensure_profile(connection, store.profile.name, store.profile.timezone),
                        store.profile.zone, store.profile.index, NOW)


def test_driver_rows_are_plain_tuples_whose_times_decode_to_what_sqlalchemy_reads(engine: Engine) -> None:
    store = Store(engine, profile_with())
    store.add(inbound("i1", utc(2026, 11, 17, 8, 30, 0) + timedelta(microseconds=5)), inbound("i2", utc(1999, 1, 2)))
    items = table_of(ItemRow)
    query = select(items.c.external_id, items.c.created_at).order_by(items.c.external_id)
    with engine.connect() as connection:
        ctx = _context(engine, connection, store)
        raw = list(driver_rows(ctx, query))
        processed = [tuple(row) for row in connection.execute(query)]
    assert all(type(row) is tuple for row in raw)
    assert [type(row[1]) for row in raw] == [str, str]  # SQLite keeps UTC times as text
    assert [(row[0], utc_time(row[1])) for row in raw] == processed


def test_the_rebuild_walk_sees_every_touch_and_inbound_item_the_per_person_reads_see(engine: Engine) -> None:
    store = Store(engine, profile_with())
    store.add(owned("p1", utc(2026, 11, 16, 9), likes=3), owned("p2", utc(2026, 11, 17, 9)))
    store.add(inbound("a1", utc(2026, 11, 16, 10), who="alice", parent="p1", text="How does it work?"),
              inbound("a2", utc(2026, 11, 17, 23, 30), who="alice", kind="mention", text="@acme hi"),
              inbound("b1", utc(2026, 11, 17, 11), who="bob", parent="p2", text="Broken again"))
    store.score("a1", 0.4)
    store.score("b1", -0.6)
    store.add(owned("r1", utc(2026, 11, 16, 12), kind="reply", parent="a1"))
    store.like("p1", "bob", utc(2026, 11, 18, 11), occurred_at=utc(2026, 11, 17, 8))  # a timestamped like
    store.like("p2", "carol", utc(2026, 11, 18, 11))  # estimated from when it was first seen
    store.like("p1", "carol", utc(2026, 11, 16, 9, 30), kind="share")
    with engine.connect() as connection:
        ctx = _context(engine, connection, store)
        seen: list[Any] = []
        walked = {key: history for key, history, _replies in
                  _everyone_by_person(ctx, first_owned_replies(ctx, None), seen.append)}
        people = sorted(walked)
        read: dict[Any, list[Any]] = {}
        for platform, who, touch in _touch_rows(ctx, people):
            read.setdefault((platform, who), []).append(touch)
    assert {key: sorted(touches) for key, touches in walked.items()} == \
        {key: sorted(touches) for key, touches in read.items()}
    assert sorted(walked) == [("mastodon", "alice"), ("mastodon", "bob"), ("mastodon", "carol")]
    assert {touch.via for touches in walked.values() for touch in touches} == {"item", "event"}
    assert sorted((item[1], item[4]) for item in seen) == [
        ("a1", utc(2026, 11, 16, 10)), ("a2", utc(2026, 11, 17, 23, 30)), ("b1", utc(2026, 11, 17, 11))]
    assert all(item[4].tzinfo is not None for item in seen)
