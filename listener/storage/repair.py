"""Moving records stored before the connector boundary checked them out of the store, into quarantine.

Items created before 2000 or after a day from now (a status "from year 9999") made every
index run fail. The boundary now refuses them; this moves those already stored to
quarantine, with everything derived from them, once (migration 0007 runs it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select

from connectors.validate import EARLIEST, FUTURE_SLACK
from listener.storage.index_models import EngagementDayRow, OwnedPostRow, ResponseRow
from listener.storage.models import (
    CounterSnapshotRow,
    EngagementEventRow,
    ItemProfileRow,
    ItemRow,
    QuarantineRow,
    SentimentRow,
)
from listener.storage.upsert import table_of, upsert_rows

BY_ITEM = (ItemProfileRow, CounterSnapshotRow, SentimentRow, EngagementDayRow, OwnedPostRow, ResponseRow)


def quarantine_out_of_window_items(connection: Connection, now: datetime) -> int:
    """Move items created outside 2000-01-01 .. now + 1 day to quarantine; returns how many."""
    items, links = table_of(ItemRow), table_of(ItemProfileRow)
    rows = connection.execute(
        select(items.c.platform, items.c.external_id, items.c.created_at, items.c.raw)
        .where(or_(items.c.created_at < EARLIEST, items.c.created_at > now + FUTURE_SLACK))
    ).all()
    for platform, external_id, created_at, raw in rows:
        source = connection.execute(select(links.c.source).where(
            links.c.platform == platform, links.c.external_id == external_id).limit(1)).scalar_one_or_none()
        _quarantine(connection, source or platform, platform, external_id, created_at, raw, now)
        for model in BY_ITEM:
            table = table_of(model)
            connection.execute(delete(table).where(and_(table.c.platform == platform,
                                                        table.c.external_id == external_id)))
        events = table_of(EngagementEventRow)
        connection.execute(delete(events).where(events.c.platform == platform,
                                                events.c.item_external_id == external_id))
        connection.execute(delete(items).where(items.c.platform == platform, items.c.external_id == external_id))
    return len(rows)


def _quarantine(connection: Connection, source: str, platform: str, external_id: str, created_at: datetime,
                raw: Any, now: datetime) -> None:
    payload = json.loads(json.dumps(raw if raw is not None else {"platform": platform, "id": external_id},
                                    sort_keys=True, default=str))
    error = (f"refused at the connector boundary: created_at: {created_at.isoformat()} is outside "
             f"{EARLIEST.date()} .. now + 1 day (moved out of the store)")
    upsert_rows(connection, QuarantineRow, [{
        "source": source, "stream": "stored", "external_id": external_id, "error": error, "payload": payload,
        "digest": hashlib.sha256(f"{platform}/{external_id}".encode()).hexdigest(), "first_seen_at": now,
    }], ["source", "stream", "digest"], ["error"])
