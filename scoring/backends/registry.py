"""How each backend a profile may choose is built (the names and the check are in names.py)."""

from __future__ import annotations

from scoring.backends.base import Backend
from scoring.backends.care import CareLayer
from scoring.backends.lexicon import LexiconBackend
from scoring.backends.names import BACKEND_NAMES, BackendError, check_backend
from scoring.backends.vader_backend import VaderBackend

__all__ = ["BACKEND_NAMES", "BackendError", "build_backend", "check_backend"]


def build_backend(name: str, language: str, model_path: str | None = None) -> Backend:
    """The backend called `name` for `language`; a clear error when the pair makes no sense."""
    check_backend(name, language, model_path)
    if name in ("vader", "vader+care"):
        return CareLayer(VaderBackend()) if name == "vader+care" else VaderBackend()
    if name in ("lexicon", "lexicon-model"):
        return LexiconBackend(language, use_model=name == "lexicon-model")
    from scoring.backends.transformers_backend import TransformersBackend

    return TransformersBackend.shared(model_path or "", language)
