"""Scoring in worker processes: a worker builds each profile's scorer once and scores the texts it is sent."""

from __future__ import annotations

from collections.abc import Sequence

from scoring.calibration import Calibration
from scoring.sentiment import Scorer, ScorerSettings, SentimentScore

ScorerRecipe = tuple[ScorerSettings, Calibration]  # what a worker needs to build the same scorer as the caller
_BUILT: dict[str, Scorer] = {}  # per worker process: recipe -> its scorer (backends and models load once)


def recipe_of(scorer: Scorer) -> ScorerRecipe:
    """The settings and calibration a scorer was built from (small and picklable, unlike its backends)."""
    return scorer.settings, scorer.calibration


def score_in_worker(recipe: ScorerRecipe, items: Sequence[tuple[str | None, str | None]]) -> list[SentimentScore]:
    """Score (text, platform language) pairs with the scorer `recipe` describes, built once per process."""
    settings, calibration = recipe
    key = repr((settings, sorted(calibration.terms.items())))
    scorer = _BUILT.get(key)
    if scorer is None:
        scorer = _BUILT[key] = Scorer(settings, calibration)
    return scorer.score_many(items)
