"""VADER (English, general purpose) as a backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scoring.backends.base import BackendScore
from scoring.vader import VADER_VERSION, lexicon_without, polarity


class VaderBackend:
    """vaderSentiment's rules and lexicon, as scoring.vader computes them."""

    name = "vader"
    version = VADER_VERSION
    languages = frozenset({"en"})

    def __init__(self, neutral_words: frozenset[str] = frozenset(), spellings: Mapping[str, str] | None = None) -> None:
        self.neutral_words = neutral_words
        self.spellings = dict(spellings or {})
        self._lexicon = lexicon_without(neutral_words, self.spellings) if neutral_words or spellings else None

    def without_words(self, words: frozenset[str]) -> VaderBackend:
        """The same backend reading `words` (and the words it already ignores) as words without sentiment."""
        return VaderBackend(self.neutral_words | words, self.spellings)

    def with_spellings(self, spellings: Mapping[str, str]) -> VaderBackend:
        """The same backend also reading other spellings of its words ("favourite" as "favorite")."""
        return VaderBackend(self.neutral_words, {**self.spellings, **spellings})

    def score(self, text: str) -> BackendScore:
        """VADER's four numbers for one text."""
        neg, neu, pos, compound = polarity(text, self._lexicon)
        return BackendScore(compound, pos, neu, neg)

    def score_many(self, texts: Sequence[str]) -> list[BackendScore]:
        """One score per text."""
        return [self.score(text) for text in texts]
