"""The scoring job: score items that have no current score, each with its profile's scorer; corrections win."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, delete, exists, select

from connectors.clock import Clock, utc_now
from listener.config.settings import ProfileConfig
from listener.sentiment.corrections import CORRECTION_BACKEND, correction_compound, corrections_for
from listener.sentiment.pooled import recipe_of, score_in_worker
from listener.sentiment.scorers import profile_scorer
from listener.storage.models import ItemProfileRow, ItemRow, ProfileRow, SentimentRow
from listener.storage.upsert import table_of, upsert_rows
from scoring.sentiment import SCORER_VERSION, Scorer, SentimentScore, default_scorer

DEFAULT_BATCH = 1000
POOL_BATCHES_AHEAD = 4  # batches read and handed to the pool before the oldest one is written
Progress = Callable[[int], None]
ITEMS, SCORES, LINKS, PROFILES = (table_of(m) for m in (ItemRow, SentimentRow, ItemProfileRow, ProfileRow))


def count_unscored(engine: Engine, version: str = SCORER_VERSION) -> int:
    """How many items still lack a score under `version`."""
    with engine.connect() as connection:
        return len(connection.execute(_unscored_query(version, None, None, None)).all())


def _linked(profile_id: Any) -> Any:
    return exists().where(LINKS.c.platform == ITEMS.c.platform, LINKS.c.external_id == ITEMS.c.external_id,
                          LINKS.c.profile_id == profile_id)


def _unscored_query(version: str, after_id: int | None, limit: int | None, profile_id: int | None) -> Select[Any]:
    query = (
        select(ITEMS.c.id, ITEMS.c.platform, ITEMS.c.external_id, ITEMS.c.text, ITEMS.c.language)
        .outerjoin(SCORES, and_(SCORES.c.platform == ITEMS.c.platform,
                                SCORES.c.external_id == ITEMS.c.external_id,
                                SCORES.c.scorer_version == version))
        .where(SCORES.c.id.is_(None))
        .order_by(ITEMS.c.id)
    )
    if profile_id is not None:
        query = query.where(_linked(profile_id))
    if after_id is not None:
        query = query.where(ITEMS.c.id > after_id)
    return query.limit(limit) if limit else query


_CURRENT: dict[tuple[str, int], str] = {}  # (database, profile id) -> the scorer its scores were last made current for


def forget_stale_scores(connection: Connection, profile_id: int, scorer: Scorer) -> int:
    """Delete this profile's scores made by another scorer, so they are scored again (and get new ids)."""
    stale = (SCORES.c.scorer_version == SCORER_VERSION) & ((SCORES.c.scorer != scorer.identity)
                                                           | SCORES.c.scorer.is_(None))
    linked = exists().where(LINKS.c.platform == SCORES.c.platform, LINKS.c.external_id == SCORES.c.external_id,
                            LINKS.c.profile_id == profile_id)
    return connection.execute(delete(SCORES).where(stale, linked)).rowcount or 0


def score_pending(engine: Engine, *, clock: Clock = utc_now, batch: int = DEFAULT_BATCH,
                  progress: Progress | None = None, profiles: Sequence[ProfileConfig] = (),
                  pool: Executor | None = None) -> int:
    """Score every unscored item, a batch per transaction; returns how many were scored.

    Items of the profiles given are scored with that profile's scorer (the first profile wins when an item
    belongs to several); a profile whose scorer changed has its scores redone; other items get the default.
    With a `pool` (processes the caller keeps, so models load once per worker) batches are read by id range
    here, scored in the workers, and written here in id order: the stored rows are the same as without.
    """
    done = 0
    for profile in profiles:
        with engine.begin() as connection:
            profile_id = connection.execute(select(PROFILES.c.id).where(PROFILES.c.name == profile.name)).scalar()
            if profile_id is None:
                continue
            scorer = profile_scorer(connection, profile)
            key = (str(engine.url), profile_id)
            if _CURRENT.get(key) != scorer.identity:  # a pass over the scores, once per process and scorer change
                forget_stale_scores(connection, profile_id, scorer)
                _CURRENT[key] = scorer.identity
        done += _score_all(engine, scorer, profile_id, clock, batch, progress, pool)
    return done + _score_all(engine, default_scorer(), None, clock, batch, progress, pool)


def _score_all(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
               progress: Progress | None, pool: Executor | None) -> int:
    if pool is not None:
        return _score_all_pooled(engine, scorer, profile_id, clock, batch, progress, pool)
    done, after = 0, None
    while True:
        with engine.begin() as connection:
            rows = connection.execute(_unscored_query(SCORER_VERSION, after, batch, profile_id)).all()
            if not rows:
                return done
            upsert_rows(connection, SentimentRow, score_rows(connection, scorer, rows, clock()),
                        ["platform", "external_id", "scorer_version"])
        done += len(rows)
        after = rows[-1].id
        if progress:
            progress(len(rows))


def _score_all_pooled(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
                      progress: Progress | None, pool: Executor) -> int:
    """Like the serial loop, with each batch scored in `pool` while the next ones are read."""
    done = 0
    for rows, scores in _pooled_batches(engine, scorer, profile_id, batch, pool):
        with engine.begin() as connection:
            upsert_rows(connection, SentimentRow, score_rows(connection, scorer, rows, clock(), scores),
                        ["platform", "external_id", "scorer_version"])
        done += len(rows)
        if progress:
            progress(len(rows))
    return done


def _pooled_batches(engine: Engine, scorer: Scorer, profile_id: int | None, batch: int,
                    pool: Executor) -> Iterator[tuple[Sequence[Any], list[SentimentScore]]]:
    """Unscored rows by id range and their scores from the pool, oldest batch first."""
    recipe, after = recipe_of(scorer), None
    pending: deque[tuple[Sequence[Any], Future[list[SentimentScore]]]] = deque()
    while True:
        with engine.connect() as connection:
            rows = connection.execute(_unscored_query(SCORER_VERSION, after, batch, profile_id)).all()
        if rows:
            after = rows[-1].id
            pending.append((rows, pool.submit(score_in_worker, recipe, [(row.text, row.language) for row in rows])))
        while pending and (not rows or len(pending) >= POOL_BATCHES_AHEAD):
            oldest, future = pending.popleft()
            yield oldest, future.result()
        if not rows:
            return


def score_rows(connection: Connection, scorer: Scorer, rows: Sequence[Any], now: Any,
               scores: Sequence[SentimentScore] | None = None) -> list[dict[str, Any]]:
    """Score rows for storage (or take their `scores` made elsewhere); an item with a correction stores that."""
    corrected = corrections_for(connection, [(row.platform, row.external_id) for row in rows])
    if scores is None:
        scores = scorer.score_many([(row.text, row.language) for row in rows])
    out = []
    for row, s in zip(rows, scores, strict=False):
        record = {"platform": row.platform, "external_id": row.external_id, "scorer_version": s.scorer_version,
                  "status": s.status, "compound": s.compound, "pos": s.pos, "neu": s.neu, "neg": s.neg,
                  "language": s.language, "language_source": s.language_source, "scored_at": now,
                  "backend": s.backend, "scorer": scorer.identity}
        label = corrected.get((row.platform, row.external_id))
        if label is not None:
            record.update(status="scored", compound=correction_compound(label), pos=None, neu=None, neg=None,
                          backend=CORRECTION_BACKEND)
        out.append(record)
    return out
