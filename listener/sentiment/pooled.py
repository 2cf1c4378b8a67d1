"""Scoring in worker processes: a worker reads a batch of unscored items from the database itself, scores it with
the profile's scorer (built once per process) and returns the score rows, so only ids and rows cross over."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Engine

from listener.sentiment.records import ScoreColumns, score_rows
from listener.sentiment.unscored import unscored_query
from listener.storage.engine import make_engine, shown_url
from scoring.calibration import Calibration
from scoring.sentiment import RecentScores, Scorer, ScorerSettings

ScorerRecipe = tuple[ScorerSettings, Calibration]  # what a worker needs to build the same scorer as the caller
_BUILT: dict[str, Scorer] = {}  # per worker process: recipe -> its scorer (backends and models load once)
_ENGINES: dict[str, Engine] = {}  # per worker process: the database URL it reads -> its engine (its own connection)
_RECENT: dict[str, RecentScores] = {}  # per worker process: the scores of the run it last served, by run


class BatchTask(NamedTuple):
    """One batch for a worker: the unscored items of `profile_id` with ids in (after_id, upto_id] (every one past
    `after_id` when `upto_id` is None), scored by `recipe` at `now` for `run` (a PoolFeed: its texts met already)."""

    url: str
    version: str
    profile_id: int | None
    after_id: int | None
    upto_id: int | None
    recipe: ScorerRecipe
    identity: str
    now: Any
    run: str

    def __repr__(self) -> str:  # the URL may carry a password: never shown in a message or a log
        return (f"BatchTask(url={shown_url(self.url)!r}, profile_id={self.profile_id}, after_id={self.after_id}, "
                f"upto_id={self.upto_id}, run={self.run!r})")


def recipe_of(scorer: Scorer) -> ScorerRecipe:
    """The settings and calibration a scorer was built from (small and picklable, unlike its backends)."""
    return scorer.settings, scorer.calibration


def score_batch_in_worker(task: BatchTask) -> ScoreColumns:
    """Read the task's batch, score it and return its score rows in id order (corrections are the caller's)."""
    with _engine(task.url).connect() as connection:
        rows = connection.execute(unscored_query(task.version, task.after_id, None, task.profile_id,
                                                 upto_id=task.upto_id)).all()
    return score_rows(rows, _recent_scores(task.run, task.recipe), task.now, task.identity)


def _engine(url: str) -> Engine:
    """The worker's engine for the database; the one it had for another database is closed (one at a time)."""
    engine = _ENGINES.get(url)
    if engine is None:
        for old in _ENGINES.values():
            old.dispose()
        _ENGINES.clear()
        engine = _ENGINES[url] = make_engine(url)
    return engine


def _recent_scores(run: str, recipe: ScorerRecipe) -> RecentScores:
    """The run's memory of scores (a new run starts empty, as the serial scorer's does)."""
    recent = _RECENT.get(run)
    if recent is None:
        _RECENT.clear()
        recent = _RECENT[run] = RecentScores(_scorer(recipe))
    return recent


def _scorer(recipe: ScorerRecipe) -> Scorer:
    settings, calibration = recipe
    key = repr((settings, sorted(calibration.terms.items())))
    scorer = _BUILT.get(key)
    if scorer is None:
        scorer = _BUILT[key] = Scorer(settings, calibration)
    return scorer
