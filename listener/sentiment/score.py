"""The scoring job: score items that have no current score, each with its profile's scorer; corrections win."""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, exists, func, select

from connectors.clock import Clock, utc_now
from listener.config.settings import ProfileConfig
from listener.sentiment.corrections import (
    CORRECTION_BACKEND,
    any_corrections,
    correction_compound,
    corrections_for,
)
from listener.sentiment.pooled import BatchTask, recipe_of, score_batch_in_worker
from listener.sentiment.records import SCORE_KEY, ScoreColumns, row_count, score_rows
from listener.sentiment.scorers import profile_scorer
from listener.sentiment.unscored import ITEMS, LINKS, SCORES, batch_end, batch_query, unscored_query
from listener.storage.models import ProfileRow, SentimentRow
from listener.storage.tuple_upsert import upsert_columns
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION, RecentScores, Scorer, default_scorer

DEFAULT_BATCH = 1000
POOL_BATCHES_AHEAD = 4  # batches read and handed to the pool before the oldest one is written
Progress = Callable[[int], None]
PROFILES = table_of(ProfileRow)


def count_unscored(engine: Engine, version: str = SCORER_VERSION) -> int:
    """How many items still lack a score under `version` (counted in the database: no texts are read)."""
    with engine.connect() as connection:
        pending = unscored_query(version, None, None, None).order_by(None).subquery()
        return int(connection.execute(select(func.count()).select_from(pending)).scalar_one())


def unscored_floor(connection: Connection, version: str = SCORER_VERSION) -> int | None:
    """An item id at or below which every item has a score under `version`; None when that is not known.

    A daily cycle's new items sit past the newest scored item; scanning every item for the few without a
    score cost more than scoring them. This finds the newest scored item walking back from the last one,
    counts the unscored items past it, and trusts it only when that count is every unscored item.
    """
    scored = exists().where(SCORES.c.platform == ITEMS.c.platform, SCORES.c.external_id == ITEMS.c.external_id,
                            SCORES.c.scorer_version == version)
    floor = connection.execute(select(ITEMS.c.id).where(scored).order_by(ITEMS.c.id.desc()).limit(1)).scalar()
    if floor is None:
        return None
    past = unscored_query(version, floor, None, None).order_by(None).subquery()
    beyond = connection.execute(select(func.count()).select_from(past)).scalar_one()
    return int(floor) if connection.execute(unscored_count_query(version)).scalar_one() == beyond else None


def unscored_count_query(version: str) -> Select[tuple[int]]:
    """How many items lack a score under `version`: items minus that version's scores.

    Each score row belongs to a stored item (items are deleted with their scores). The version's scores
    are all scores less the other versions' ones, found on either side of it in the version's index: the
    database counts a whole table without reading its rows, but a version's own rows one by one.
    """
    items = select(func.count()).select_from(ITEMS).scalar_subquery()
    others = _scores_where(SCORES.c.scorer_version < version) + _scores_where(SCORES.c.scorer_version > version)
    return select(items - _scores_where() + others)


def _scores_where(*conditions: Any) -> Any:
    """A scalar subquery: how many score rows meet the conditions."""
    return select(func.count()).select_from(SCORES).where(*conditions).scalar_subquery()


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
    With a `pool` (processes the caller keeps, so models load once per worker) each batch's id range is found
    here, read and scored in a worker, and its records written here in id order: the stored rows are the same
    as without. An in-memory SQLite database, which no worker can open, is scored here.
    """
    if pool is not None and not workers_can_open(engine):
        pool = None
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


def workers_can_open(engine: Engine) -> bool:
    """Whether other processes can open the engine's database (a server or a SQLite file, not memory)."""
    url = engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def _score_all(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
               progress: Progress | None, pool: Executor | None, after: int | None) -> int:
    if pool is not None:
        return _score_all_pooled(engine, scorer, profile_id, clock, batch, progress, pool, after)
    done, recent = 0, RecentScores(scorer)  # a text met again in a later batch is not scored again
    while True:
        with engine.begin() as connection:
            rows = connection.execute(batch_query(SCORER_VERSION, profile_id, after is None),
                                      {"limit": batch} if after is None else {"after": after, "limit": batch}).all()
            if not rows:
                return done
            save_scores(connection, with_corrections(connection, score_rows(rows, recent, clock(), scorer.identity)))
        done += len(rows)
        after = rows[-1].id
        if progress:
            progress(len(rows))


def _score_all_pooled(engine: Engine, scorer: Scorer, profile_id: int | None, clock: Clock, batch: int,
                      progress: Progress | None, pool: Executor, after: int | None) -> int:
    """Like the serial loop, with each batch read and scored in `pool` while the next ones are handed out."""
    return PoolFeed(engine, pool, scorer, profile_id, clock=clock, batch=batch, progress=progress, after=after).finish()


class PoolFeed:
    """Scoring in a process pool, fed by id ranges: batches of unscored items go to the workers as they are
    stored, each worker reads its batch and returns its score records, and they are written here in id order
    (so the rows equal the serial scorer's). Here only each batch's last id is read: no texts.

    `feed(n)` after each stored page scores a sync's items on the other cores while the sync goes on (the
    database is read once `n` adds up to a batch);
    `finish()` scores what is left and returns how many items were scored.
    """

    def __init__(self, engine: Engine, pool: Executor, scorer: Scorer, profile_id: int | None = None, *,
                 clock: Clock = utc_now, batch: int = DEFAULT_BATCH, progress: Progress | None = None,
                 after: int | None = None) -> None:
        self.engine, self.pool, self.scorer, self.profile_id = engine, pool, scorer, profile_id
        self.clock, self.batch, self.progress = clock, batch, progress
        self.done, self.unread = 0, 0
        self.after = after  # the items up to this id have scores (see unscored_floor)
        self.pending: deque[Future[ScoreColumns]] = deque()
        # what every batch's task shares; the run names this feed to the workers (their memory of texts met)
        self.url = engine.url.render_as_string(hide_password=False)
        self.recipe, self.identity, self.run = recipe_of(scorer), scorer.identity, uuid.uuid4().hex

    def feed(self, stored: int) -> None:
        """After `stored` more items were stored: hand each full batch to the pool; write the batches scored."""
        self.unread += stored
        while self.unread >= self.batch and self._submit(full_only=True):
            self.unread -= self.batch
        while self.pending and self.pending[0].done():
            self._write_oldest()

    def finish(self) -> int:
        """Score every item still unscored, wait for the workers, write everything; how many were scored."""
        while self._submit(full_only=False):
            pass
        while self.pending:
            self._write_oldest()
        return self.done

    def _submit(self, full_only: bool) -> bool:
        """Hand the next full batch to the pool (or, unless `full_only`, what is left); whether one more may follow."""
        with self.engine.connect() as connection:
            upto = batch_end(connection, SCORER_VERSION, self.after, self.batch, self.profile_id)
        if upto is None and full_only:
            return False
        task = BatchTask(self.url, SCORER_VERSION, self.profile_id, self.after, upto, self.recipe, self.identity,
                         self.clock(), self.run)
        self.pending.append(self.pool.submit(score_batch_in_worker, task))
        self.after = upto
        if len(self.pending) >= POOL_BATCHES_AHEAD:  # back-pressure: the reader never runs far ahead of the workers
            self._write_oldest()
        return upto is not None

    def _write_oldest(self) -> None:
        columns = self.pending.popleft().result()
        count = row_count(columns)
        if not count:
            return
        with self.engine.begin() as connection:
            save_scores(connection, with_corrections(connection, columns))
        self.done += count
        if self.progress:
            self.progress(count)


def with_corrections(connection: Connection, columns: ScoreColumns) -> ScoreColumns:
    """The score rows with a correction's verdict where an item has one (the columns are changed in place)."""
    if not any_corrections(connection):  # the usual case: no item list is sent to the database
        return columns
    keys = list(zip(columns["platform"], columns["external_id"], strict=True))
    corrected = corrections_for(connection, keys)
    for row, key in enumerate(keys):
        label = corrected.get(key)
        if label is not None:
            _correct(columns, row, label)
    return columns


def _correct(columns: ScoreColumns, row: int, label: str) -> None:
    """Put a correction's verdict in place of the scorer's in one row (its language, time and scorer stay)."""
    for name, value in (("status", "scored"), ("compound", correction_compound(label)), ("pos", None), ("neu", None),
                        ("neg", None), ("backend", CORRECTION_BACKEND)):
        columns[name][row] = value


def save_scores(connection: Connection, columns: ScoreColumns) -> None:
    """Insert score rows (a stored score for the same item and version is kept)."""
    upsert_columns(connection, SentimentRow, columns, SCORE_KEY)
