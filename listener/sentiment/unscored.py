"""The items still lacking a score under a scorer version, in id order (read by the scorer and its pool's workers)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Select, and_, bindparam, exists, select

from listener.storage.models import ItemProfileRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of

ITEMS, SCORES, LINKS = (table_of(m) for m in (ItemRow, SentimentRow, ItemProfileRow))


def linked(profile_id: Any) -> Any:
    """The item belongs to the profile."""
    return exists().where(LINKS.c.platform == ITEMS.c.platform, LINKS.c.external_id == ITEMS.c.external_id,
                          LINKS.c.profile_id == profile_id)


def unscored_query(version: str, after_id: Any, limit: Any, profile_id: int | None, *,
                   upto_id: int | None = None, columns: tuple[Any, ...] | None = None) -> Select[Any]:
    """(id, platform, external_id, text, language) of the unscored items past `after_id` (and up to `upto_id`), at
    most `limit` (each a value, a bound parameter or None for no bound)."""
    query = (
        select(*(columns or (ITEMS.c.id, ITEMS.c.platform, ITEMS.c.external_id, ITEMS.c.text, ITEMS.c.language)))
        .select_from(ITEMS)
        .outerjoin(SCORES, and_(SCORES.c.platform == ITEMS.c.platform,
                                SCORES.c.external_id == ITEMS.c.external_id,
                                SCORES.c.scorer_version == version))
        .where(SCORES.c.id.is_(None))
        .order_by(ITEMS.c.id)
    )
    if profile_id is not None:
        query = query.where(linked(profile_id))
    if after_id is not None:
        query = query.where(ITEMS.c.id > after_id)
    if upto_id is not None:
        query = query.where(ITEMS.c.id <= upto_id)
    return query.limit(limit) if limit is not None else query


@lru_cache(maxsize=64)
def batch_query(version: str, profile_id: int | None, first: bool) -> Select[Any]:
    """`unscored_query` of one batch, built once: the first `:limit` unscored items (past the id `:after` unless
    `first`); SQLAlchemy builds a statement in more time than SQLite runs this one."""
    after = None if first else bindparam("after", type_=Integer)
    return unscored_query(version, after, bindparam("limit"), profile_id)


def batch_end(connection: Connection, version: str, after_id: int | None, batch: int,
              profile_id: int | None) -> int | None:
    """The id of the `batch`-th unscored item past `after_id` (None when fewer are left): no texts are read."""
    query = unscored_query(version, after_id, 1, profile_id, columns=(ITEMS.c.id,)).offset(batch - 1)
    found = connection.execute(query).scalar()
    return None if found is None else int(found)
