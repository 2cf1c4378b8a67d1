"""A score as the sentiment_scores table stores it: a tuple of column values (made here or in a pool's worker)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scoring.sentiment import SentimentScore

SCORE_COLUMNS = ("platform", "external_id", "scorer_version", "status", "compound", "pos", "neu", "neg", "language",
                 "language_source", "scored_at", "backend", "scorer")
SCORE_KEY = ("platform", "external_id", "scorer_version")
ScoreRecord = tuple[Any, ...]  # a sentiment_scores row's values in SCORE_COLUMNS order


def score_records(keys: Iterable[tuple[str, str]], scores: Sequence[SentimentScore], now: Any,
                  identity: str) -> list[ScoreRecord]:
    """The records of the items `keys` (platform, external_id) scored `scores` at `now` by the scorer `identity`."""
    return [(platform, external_id, s.scorer_version, s.status, s.compound, s.pos, s.neu, s.neg, s.language,
             s.language_source, now, s.backend, identity)
            for (platform, external_id), s in zip(keys, scores, strict=False)]
