"""The scoring job: score items that have no sentiment row for the current scorer version."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, and_, select

from connectors.clock import Clock, utc_now
from listener.storage.models import ItemRow, SentimentRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import SCORER_VERSION, score_text

DEFAULT_BATCH = 1000
Progress = Callable[[int], None]


def count_unscored(engine: Engine, version: str = SCORER_VERSION) -> int:
    """How many items still lack a score under `version`."""
    with engine.connect() as connection:
        return len(connection.execute(_unscored_query(version, None, None)).all())


def _unscored_query(version: str, after_id: int | None, limit: int | None):  # type: ignore[no-untyped-def]
    items, scores = table_of(ItemRow), table_of(SentimentRow)
    query = (
        select(items.c.id, items.c.platform, items.c.external_id, items.c.text, items.c.language)
        .outerjoin(scores, and_(scores.c.platform == items.c.platform,
                                scores.c.external_id == items.c.external_id,
                                scores.c.scorer_version == version))
        .where(scores.c.id.is_(None))
        .order_by(items.c.id)
    )
    if after_id is not None:
        query = query.where(items.c.id > after_id)
    return query.limit(limit) if limit else query


def score_pending(engine: Engine, *, clock: Clock = utc_now, batch: int = DEFAULT_BATCH,
                  progress: Progress | None = None) -> int:
    """Score every unscored item, a batch per transaction; returns how many were scored."""
    done, after = 0, None
    while True:
        with engine.begin() as connection:
            rows = connection.execute(_unscored_query(SCORER_VERSION, after, batch)).all()
            if not rows:
                return done
            now = clock()
            scores = []
            for row in rows:
                s = score_text(row.text, row.language)
                scores.append({"platform": row.platform, "external_id": row.external_id,
                               "scorer_version": s.scorer_version, "status": s.status,
                               "compound": s.compound, "pos": s.pos, "neu": s.neu, "neg": s.neg,
                               "language": s.language, "language_source": s.language_source,
                               "scored_at": now})
            upsert_rows(connection, SentimentRow, scores, ["platform", "external_id", "scorer_version"])
        done += len(rows)
        after = rows[-1].id
        if progress:
            progress(len(rows))
