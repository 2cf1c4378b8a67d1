"""VADER (English, general purpose) as a backend."""

from __future__ import annotations

from collections.abc import Sequence

from scoring.backends.base import BackendScore
from scoring.vader import VADER_VERSION, polarity


class VaderBackend:
    """vaderSentiment's rules and lexicon, as scoring.vader computes them."""

    name = "vader"
    version = VADER_VERSION
    languages = frozenset({"en"})

    def score(self, text: str) -> BackendScore:
        """VADER's four numbers for one text."""
        neg, neu, pos, compound = polarity(text)
        return BackendScore(compound, pos, neu, neg)

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """One score per text."""
        return [self.score(text) for text in texts]
