"""The scoring job: score items that have no current score, each with its profile's scorer; corrections win."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Select, and_, delete, exists, func, select

from connectors.clock import Clock, utc_now
from listener.config.settings import ProfileConfig
from listener.sentiment.corrections import CORRECTION_BACKEND, correction_compound, corrections_for
from listener.sentiment.pooled import recipe_of, score_in_worker
from listener.sentiment.scorers import profile_scorer
from listener.storage.models import ItemProfileRow, ItemRow, ProfileRow, SentimentRow
from listener.storage.tuple_upsert import upsert_tuples
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION, Pair, RecentScores, Scorer, SentimentScore, default_scorer

DEFAULT_BATCH = 1000
POOL_BATCHES_AHEAD = 4  # batches read and handed to the pool before the oldest one is written
Progress = Callable[[int], None]
ITEMS, SCORES, LINKS, PROFILES = (table_of(m) for m in (ItemRow, SentimentRow, ItemProfileRow, ProfileRow))


def count_unscored(engine: Engine, version: str = SCORER_VERSION) -> int:
    """How many items still lack a score under `version` (counted in the database: no texts are read)."""
    with engine.connect() as connection:
        pending = _unscored_query(version, None, None, None).order_by(None).subquery()
        return int(connection.execute(select(func.count()).select_from(pending)).scalar_one())


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


def unscored_floor(connection: Connection, version: str = SCORER_VERSION) -> int | None:
    """An item id at or below which every item has a score under `version`; None when that is not known.

    A daily cycle's new items sit past the newest scored item; scanning every item for the few without a
    score cost more than scoring them. This finds the newest scored item walking back from the last one,
    counts the unscored items past it, and trusts it only when that count is every unscored item: items
    minus scores (each score row belongs to a stored item: items are deleted with their scores).
    """
    scored = exists().where(SCORES.c.platform == ITEMS.c.platform, SCORES.c.external_id == ITEMS.c.external_id,
                            SCORES.c.scorer_version == version)
    floor = connection.execute(select(ITEMS.c.id).where(scored).order_by(ITEMS.c.id.desc()).limit(1)).scalar()
    if floor is None:
        return None
    items = connection.execute(select(func.count()).select_from(ITEMS)).scalar_one()
    scores = connection.execute(select(func.count()).select_from(SCORES)
                                .where(SCORES.c.scorer_version == version)).scalar_one()
    past = _unscored_query(version, floor, None, None).order_by(None).subquery()
    beyond = connection.execute(select(func.count()).select_from(past)).scalar_one()
    return int(floor) if items - scores == beyond else None


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
    with engine.connect() as connection:
        floor = unscored_floor(connection)
    for profile in profiles:
        with engine.begin() as connection:
            profile_id = connection.execute(select(PROFILES.c.id).where(PROFILES.c.name == profile.name)).scalar()
            if profile_id is None:
                continue
            scorer = profile_scorer(connection, profile)
            key = (str(engine.url), profile_id)
            if _CURRENT.get(key) != scorer.identity:  # a pass over the scores, once per process and scorer change
                if forget_stale_scores(connection, profile_id, scorer):
                    floor = None  # scores of older items are gone: look from the first item
                _CURRENT[key] = scorer.identity
        done += _score_all(engine, scorer, profile_id, clock, batch, progress, pool, floor)
    return done + _score_all(engine, default_scorer(), None, clock, batch, progress, pool, floor)


def _score_all(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
               progress: Progress | None, pool: Executor | None, after: int | None) -> int:
    if pool is not None:
        return _score_all_pooled(engine, scorer, profile_id, clock, batch, progress, pool, after)
    done, recent = 0, RecentScores(scorer)  # a text met again in a later batch is not scored again
    while True:
        with engine.begin() as connection:
            rows = connection.execute(_unscored_query(SCORER_VERSION, after, batch, profile_id)).all()
            if not rows:
                return done
            scores = recent.score_many([(text, language) for _id, _platform, _external_id, text, language in rows])
            save_scores(connection, score_rows(connection, scorer, rows, clock(), scores))
        done += len(rows)
        after = rows[-1].id
        if progress:
            progress(len(rows))


def _score_all_pooled(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
                      progress: Progress | None, pool: Executor, after: int | None) -> int:
    """Like the serial loop, with each batch scored in `pool` while the next ones are read."""
    return PoolFeed(engine, pool, scorer, profile_id, clock=clock, batch=batch, progress=progress, after=after).finish()


class _SentBatch(NamedTuple):
    """A batch handed to the pool: its rows and (text, language) pairs, the scores known already (None where the
    workers score), and the workers' scores to come."""

    rows: Sequence[Any]
    items: list[Pair]
    known: list[SentimentScore | None]
    future: Future[list[SentimentScore]]


class PoolFeed:
    """Scoring in a process pool, fed by id ranges: batches of unscored items go to the workers as they are
    stored, and their scores are written here in id order (so the rows equal the serial scorer's).

    `feed(n)` after each stored page scores a sync's items on the other cores while the sync goes on (the
    database is read once `n` adds up to a batch);
    `finish()` scores what is left and returns how many items were scored.
    """

    def __init__(self, engine: Engine, pool: Executor, scorer: Scorer, profile_id: int | None = None, *,
                 clock: Clock = utc_now, batch: int = DEFAULT_BATCH, progress: Progress | None = None,
                 after: int | None = None) -> None:
        self.engine, self.pool, self.scorer, self.profile_id = engine, pool, scorer, profile_id
        self.clock, self.batch, self.progress = clock, batch, progress
        self.recipe, self.done, self.unread = recipe_of(scorer), 0, 0
        self.after = after  # the items up to this id have scores (see unscored_floor)
        self.pending: deque[_SentBatch] = deque()
        self.recent = RecentScores(scorer)  # a text met in a batch written before is not sent again

    def feed(self, stored: int) -> None:
        """After `stored` more items were stored: hand each full batch to the pool; write the batches scored."""
        self.unread += stored
        while self.unread >= self.batch and self._submit(full_only=True):
            self.unread -= self.batch
        while self.pending and self.pending[0].future.done():
            self._write_oldest()

    def finish(self) -> int:
        """Score every item still unscored, wait for the workers, write everything; how many were scored."""
        while self._submit(full_only=False):
            pass
        while self.pending:
            self._write_oldest()
        return self.done

    def _submit(self, full_only: bool) -> bool:
        with self.engine.connect() as connection:
            rows = connection.execute(_unscored_query(SCORER_VERSION, self.after, self.batch, self.profile_id)).all()
        if not rows or (full_only and len(rows) < self.batch):
            return False
        self.after = rows[-1].id
        items = [(text, language) for _id, _platform, _external_id, text, language in rows]
        known, unknown = self.recent.recall(items)
        future = self.pool.submit(score_in_worker, self.recipe, [items[i] for i in unknown])
        self.pending.append(_SentBatch(rows, items, known, future))
        if len(self.pending) >= POOL_BATCHES_AHEAD:  # back-pressure: the reader never runs far ahead of the workers
            self._write_oldest()
        return True

    def _write_oldest(self) -> None:
        rows, items, known, future = self.pending.popleft()
        scores = self.recent.complete(items, known, future.result())
        with self.engine.begin() as connection:
            save_scores(connection, score_rows(connection, self.scorer, rows, self.clock(), scores))
        self.done += len(rows)
        if self.progress:
            self.progress(len(rows))


SCORE_COLUMNS = ("platform", "external_id", "scorer_version", "status", "compound", "pos", "neu", "neg", "language",
                 "language_source", "scored_at", "backend", "scorer")
SCORE_KEY = ("platform", "external_id", "scorer_version")
ScoreRecord = tuple[Any, ...]  # a sentiment_scores row's values in SCORE_COLUMNS order


def score_rows(connection: Connection, scorer: Scorer, rows: Sequence[Any], now: Any,
               scores: Sequence[SentimentScore] | None = None) -> list[ScoreRecord]:
    """Score rows for storage (or take their `scores` made elsewhere); an item with a correction stores that.

    `rows` are (id, platform, external_id, text, language), as `_unscored_query` selects them; the
    records are tuples in SCORE_COLUMNS order (a dict per row cost more than writing it).
    """
    keys = [(platform, external_id) for _id, platform, external_id, _text, _language in rows]
    corrected = corrections_for(connection, keys)
    if scores is None:
        scores = scorer.score_many([(text, language) for _id, _platform, _external_id, text, language in rows])
    identity = scorer.identity  # built from the backends each time it is read
    out = [(platform, external_id, s.scorer_version, s.status, s.compound, s.pos, s.neu, s.neg, s.language,
            s.language_source, now, s.backend, identity)
           for (platform, external_id), s in zip(keys, scores, strict=False)]
    if corrected:
        out = [_corrected(record, corrected.get((record[0], record[1]))) for record in out]
    return out


def _corrected(record: ScoreRecord, label: str | None) -> ScoreRecord:
    """The record with a correction's verdict in place of the scorer's, if there is one."""
    if label is None:
        return record
    return (*record[:3], "scored", correction_compound(label), None, None, None, *record[8:11], CORRECTION_BACKEND,
            record[12])


def save_scores(connection: Connection, records: list[ScoreRecord]) -> None:
    """Insert score records (a stored score for the same item and version is kept)."""
    upsert_tuples(connection, SentimentRow, SCORE_COLUMNS, records, SCORE_KEY)
