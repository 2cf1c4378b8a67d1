"""Backend names a profile may choose, and how each is built."""

from __future__ import annotations

from scoring.backends.base import Backend
from scoring.backends.care import CareLayer
from scoring.backends.lexicon import LEXICON_LANGUAGES, LexiconBackend
from scoring.backends.vader_backend import VaderBackend

BACKEND_NAMES = ("vader", "vader+care", "lexicon", "lexicon-model", "transformers")


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


def build_backend(name: str, language: str, model_path: str | None = None) -> Backend:
    """The backend called `name` for `language`; a clear error when the pair makes no sense."""
    check_backend(name, language, model_path)
    if name in ("vader", "vader+care"):
        return CareLayer(VaderBackend()) if name == "vader+care" else VaderBackend()
    if name in ("lexicon", "lexicon-model"):
        return LexiconBackend(language, use_model=name == "lexicon-model")
    from scoring.backends.transformers_backend import TransformersBackend

    return TransformersBackend.shared(model_path or "", language)
