"""Language of an item: the platform's word first, an offline detector only when it is sure."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

LanguageSource = Literal["platform", "detected", "uncertain"]

DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_MIN_WORDS = 4


@dataclass(frozen=True)
class LanguageGuess:
    """A language code (ISO 639-1, lower case) or None, and where it came from."""

    code: str | None
    source: LanguageSource
    confidence: float


def normalise_code(code: str | None) -> str | None:
    """'en-US' -> 'en', '' -> None."""
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().build()


def detect_language(
    text: str,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_words: int = DEFAULT_MIN_WORDS,
) -> LanguageGuess:
    """Detect offline; short or low-confidence texts come back as 'uncertain'.

    On short social texts detectors guess wildly ("lol ok" as Zulu), so a guess is
    trusted only for texts of at least `min_words` words and `min_confidence`.
    """
    if len(text.split()) < min_words:
        return LanguageGuess(None, "uncertain", 0.0)
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return LanguageGuess(None, "uncertain", 0.0)
    best = values[0]
    if best.value < min_confidence:
        return LanguageGuess(None, "uncertain", best.value)
    return LanguageGuess(best.language.iso_code_639_1.name.lower(), "detected", best.value)


def resolve_language(platform_code: str | None, text: str) -> LanguageGuess:
    """Prefer what the platform reports; detect only where it says nothing."""
    code = normalise_code(platform_code)
    if code:
        return LanguageGuess(code, "platform", 1.0)
    return detect_language(text)
