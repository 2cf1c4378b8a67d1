"""VADER sentiment per item, with the clean-up and language rules the index relies on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scoring.language import LanguageGuess, resolve_language
from scoring.text import clean_for_sentiment
from scoring.vader import polarity_scores

SCORER_VERSION = "vader-3.3.2+clean-1"
SUPPORTED_LANGUAGES = frozenset({"en"})
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

ScoreStatus = Literal["scored", "unsupported_language", "no_text"]


@dataclass(frozen=True)
class SentimentScore:
    """VADER's four numbers for one text, or why there are none."""

    status: ScoreStatus
    compound: float | None
    pos: float | None
    neu: float | None
    neg: float | None
    language: str | None
    language_source: str
    scorer_version: str = SCORER_VERSION

    @property
    def polarity(self) -> int:
        """+1 positive, -1 negative, 0 neutral or unscored (VADER authors' thresholds)."""
        if self.compound is None:
            return 0
        if self.compound >= POSITIVE_THRESHOLD:
            return 1
        return -1 if self.compound <= NEGATIVE_THRESHOLD else 0


def score_clean_text(text: str) -> dict[str, float]:
    """VADER polarity scores of text that has already been cleaned."""
    return polarity_scores(text)


def score_text(text: str | None, platform_language: str | None = None) -> SentimentScore:
    """Score one item's text; non-English items are counted apart, never as neutral."""
    cleaned = clean_for_sentiment(text or "")
    if not cleaned:
        return SentimentScore("no_text", None, None, None, None, None, "uncertain")
    guess: LanguageGuess = resolve_language(platform_language, cleaned)
    if guess.code is not None and guess.code not in SUPPORTED_LANGUAGES:
        return SentimentScore(
            "unsupported_language", None, None, None, None, guess.code, guess.source
        )
    s = score_clean_text(cleaned)
    return SentimentScore(
        "scored", s["compound"], s["pos"], s["neu"], s["neg"], guess.code, guess.source
    )
