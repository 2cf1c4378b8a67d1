"""Backend names a profile may choose and the check the config makes, without importing any backend."""

from __future__ import annotations

BACKEND_NAMES = ("vader", "vader+care", "lexicon", "lexicon-model", "transformers")
LEXICON_LANGUAGES = frozenset({"nl", "de", "fr", "es"})


class BackendError(ValueError):
    """A backend name or setting that cannot be used for a language."""


def check_backend(name: str, language: str, model_path: str | None = None) -> None:
    """BackendError when `build_backend` would refuse the pair; builds nothing (the config checks with this)."""
    if name in ("vader", "vader+care"):
        if language != "en":
            raise BackendError(f"backend {name!r} scores English only, not {language!r}")
    elif name in ("lexicon", "lexicon-model"):
        if language not in LEXICON_LANGUAGES:
            raise BackendError(f"backend {name!r} has no lexicon for {language!r}; it has {sorted(LEXICON_LANGUAGES)}")
    elif name == "transformers":
        if not model_path:
            raise BackendError("backend 'transformers' needs sentiment.model_path (a folder on this machine)")
    else:
        raise BackendError(f"unknown sentiment backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
