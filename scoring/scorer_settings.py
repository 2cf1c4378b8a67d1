"""The sentiment scorer's version and defaults, and what a profile chooses for it, apart from the scorer itself.

The config checks and stores these on every command; the scorer (backends, lexicons, VADER) loads only to score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SCORER_VERSION = "scorer-2"  # the layout of a stored score; the backend that made it is recorded apart
DEFAULT_BACKENDS: Mapping[str, str] = {"en": "vader+care", "nl": "lexicon-model", "de": "lexicon-model",
                                       "fr": "lexicon-model", "es": "lexicon-model"}
SUPPORTED_LANGUAGES = frozenset(DEFAULT_BACKENDS)


@dataclass(frozen=True)
class ScorerSettings:
    """A profile's choice: backend per language, the language assumed when unsure, an optional local model."""

    backends: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_BACKENDS))
    default_language: str = "en"
    model_path: str | None = None
