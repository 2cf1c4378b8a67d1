"""Sentiment per item: clean-up, language gate, the profile's backend per language, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from scoring.backends.base import Backend, label
from scoring.backends.registry import build_backend
from scoring.calibration import Calibration
from scoring.language import LanguageGuess, resolve_language
from scoring.scorer_settings import SCORER_VERSION, ScorerSettings
from scoring.text import clean_for_sentiment
from scoring.vader import polarity_scores

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05

ScoreStatus = Literal["scored", "unsupported_language", "no_text"]


class SentimentScore(NamedTuple):
    """One text's compound (and VADER's pos/neu/neg where known), or why there is none (a named tuple: one is made
    per text scored, and a tuple is made quicker than a frozen dataclass)."""

    status: ScoreStatus
    compound: float | None
    pos: float | None
    neu: float | None
    neg: float | None
    language: str | None
    language_source: str
    backend: str | None = None
    scorer_version: str = SCORER_VERSION

    @property
    def polarity(self) -> int:
        """+1 positive, -1 negative, 0 neutral or unscored (VADER authors' thresholds)."""
        return polarity_of(self.compound)


def polarity_of(compound: float | None) -> int:
    """+1 at or above +0.05, -1 at or below -0.05, else 0 (also for no score)."""
    if compound is None:
        return 0
    if compound >= POSITIVE_THRESHOLD:
        return 1
    return -1 if compound <= NEGATIVE_THRESHOLD else 0


class Scorer:
    """Scores texts as the pipeline does for one profile; backends are built once."""

    def __init__(self, settings: ScorerSettings | None = None, calibration: Calibration | None = None) -> None:
        self.settings = settings or ScorerSettings()
        self.calibration = calibration or Calibration.empty()
        self.backends: dict[str, Backend] = {
            language: build_backend(name, language, self.settings.model_path)
            for language, name in self.settings.backends.items()}

    @property
    def identity(self) -> str:
        """Everything that changes what this scorer says, as one string (a change starts a new series)."""
        parts = [f"{language}:{label(b)}" for language, b in sorted(self.backends.items())]
        return ";".join([*parts, f"default:{self.settings.default_language}", f"cal:{self.calibration.digest}"])

    def score(self, text: str | None, platform_language: str | None = None) -> SentimentScore:
        """Score one item's text; items in languages without a backend are counted apart, never as neutral."""
        return self.score_many([(text, platform_language)])[0]

    def score_many(self, items: Sequence[tuple[str | None, str | None]]) -> list[SentimentScore]:
        """Score (text, platform language) pairs, each backend called once with its batch; a pair seen before in
        `items` (a repost, a stock reply) gets the score of its first place, scored once."""
        results: list[SentimentScore | None] = [None] * len(items)
        batches: dict[str, list[tuple[int, str, LanguageGuess]]] = {}
        first: dict[tuple[str | None, str | None], int] = {}  # each distinct pair's first place
        repeats: list[tuple[int, int]] = []  # (place, first place of the same pair)
        for i, (text, platform_language) in enumerate(items):
            seen = first.setdefault((text, platform_language), i)
            if seen != i:
                repeats.append((i, seen))
                continue
            cleaned = clean_for_sentiment(text or "")
            if not cleaned:
                results[i] = SentimentScore("no_text", None, None, None, None, None, "uncertain")
                continue
            guess = resolve_language(platform_language, cleaned)
            language = guess.code or self.settings.default_language
            if language not in self.backends:
                results[i] = SentimentScore("unsupported_language", None, None, None, None, guess.code, guess.source)
                continue
            batches.setdefault(language, []).append((i, cleaned, guess))
        adjust = self.calibration.adjust if self.calibration.terms else None
        for language, batch in batches.items():
            backend = self.backends[language]
            made_by = label(backend)
            for (i, cleaned, guess), s in zip(batch, backend.score_many([c for _, c, _ in batch]), strict=False):
                compound = adjust(cleaned, s.compound) if adjust else s.compound
                results[i] = SentimentScore("scored", compound, s.pos, s.neu, s.neg, language, guess.source, made_by)
        for i, seen in repeats:
            results[i] = results[seen]
        return [r for r in results if r is not None]


RECENT_PAIRS = 8_192  # pairs a RecentScores keeps per generation (two generations: at most twice this many)
RECENT_TEXT_LENGTH = 1_000  # longer texts are not kept (what comes again, reposts and stock replies, is short)
Pair = tuple[str | None, str | None]  # (text, platform language)


class RecentScores:
    """A scorer's scores of the pairs it met lately in one run of batches, so a pair met again in a later batch (a
    repost, a stock reply) is not scored again; the same scores as asking the scorer each time, as its scores are
    a function of the pair. Bounded: two generations of up to `size` pairs of texts up to RECENT_TEXT_LENGTH
    characters (some MB at most), the older one dropped when the newer fills up."""

    def __init__(self, scorer: Scorer, size: int = RECENT_PAIRS) -> None:
        self.scorer, self.size = scorer, size
        self.newer: dict[Pair, SentimentScore] = {}
        self.older: dict[Pair, SentimentScore] = {}

    def score_many(self, items: Sequence[Pair]) -> list[SentimentScore]:
        """Scorer.score_many of `items`, the pairs met before taken from memory."""
        known, unknown = self.recall(items)
        return self.complete(items, known, self.scorer.score_many([items[i] for i in unknown]) if unknown else [])

    def recall(self, items: Sequence[Pair]) -> tuple[list[SentimentScore | None], list[int]]:
        """The scores of the pairs met lately (None for the others), and the places of the others."""
        newer, older = self.newer, self.older
        known = [newer.get(item) or older.get(item) for item in items]
        return known, [i for i, score in enumerate(known) if score is None]

    def complete(self, items: Sequence[Pair], known: Sequence[SentimentScore | None],
                 fresh: Sequence[SentimentScore]) -> list[SentimentScore]:
        """`known` with its empty places filled by `fresh` (the scores of those places' pairs, in order); the pairs
        and their scores are kept as the newest."""
        filling = iter(fresh)
        scores = [score if score is not None else next(filling) for score in known]
        newer = self.newer
        for item, score in zip(items, scores, strict=True):
            if item[0] is not None and len(item[0]) > RECENT_TEXT_LENGTH:
                continue
            newer[item] = score
            if len(newer) >= self.size:
                self.older, self.newer = newer, {}
                newer = self.newer
        return scores


def score_clean_text(text: str) -> dict[str, float]:
    """VADER polarity scores of text that has already been cleaned (no language gate, no care rules)."""
    return polarity_scores(text)


_DEFAULT: list[Scorer] = []


def default_scorer() -> Scorer:
    """The scorer with default settings, built once per process."""
    if not _DEFAULT:
        _DEFAULT.append(Scorer())
    return _DEFAULT[0]


def score_text(text: str | None, platform_language: str | None = None) -> SentimentScore:
    """Score one text with the default settings."""
    return default_scorer().score(text, platform_language)
