"""Scores as the sentiment_scores table stores them: column by column, one list per column (made here or in a pool's
worker; a tuple per row cost more than writing it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scoring.sentiment import RecentScores, Scorer, SentimentScore

SCORE_COLUMNS = ("platform", "external_id", "scorer_version", "status", "compound", "pos", "neu", "neg", "language",
                 "language_source", "scored_at", "backend", "scorer")
SCORE_KEY = ("platform", "external_id", "scorer_version")
ScoreColumns = dict[str, list[Any]]  # SCORE_COLUMNS' values, one list per column, the rows in the same order
_FROM_SCORE = frozenset(SentimentScore._fields)  # the columns a SentimentScore holds (under the same names)


def score_columns(platforms: Sequence[str], external_ids: Sequence[str], scores: Sequence[SentimentScore], now: Any,
                  identity: str) -> ScoreColumns:
    """The score rows of the items (platforms[i], external_ids[i]) scored scores[i] at `now` by scorer `identity`."""
    count = len(scores)
    by_field = zip(*scores, strict=True) if count else ((),) * len(SentimentScore._fields)
    fields = dict(zip(SentimentScore._fields, map(list, by_field), strict=True))
    given = {"platform": list(platforms), "external_id": list(external_ids), "scored_at": [now] * count,
             "scorer": [identity] * count}
    return {name: fields[name] if name in _FROM_SCORE else given[name] for name in SCORE_COLUMNS}


def row_count(columns: ScoreColumns) -> int:
    """How many score rows the columns hold."""
    return len(columns["platform"])


def score_rows(rows: Sequence[Sequence[Any]], scorer: Scorer | RecentScores, now: Any, identity: str) -> ScoreColumns:
    """The score rows of `rows` (id, platform, external_id, text, language, as `unscored_query` selects them) scored
    by `scorer` (or a run's memory of its scores) at `now`; corrections are not applied."""
    _ids, platforms, external_ids, texts, languages = zip(*rows, strict=True) if rows else ((),) * 5
    scores = scorer.score_many(list(zip(texts, languages, strict=True)))
    return score_columns(platforms, external_ids, scores, now, identity)
