"""A profile's [profiles.sentiment] table: which backend scores each language."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scoring.backends.names import BackendError, check_backend
from scoring.scorer_settings import DEFAULT_BACKENDS, ScorerSettings


class SentimentConfig(BaseModel):
    """Backend per language (ISO 639-1), the language assumed for short texts, an optional local model folder."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    backends: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_BACKENDS))
    default_language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    model_path: str | None = None

    @model_validator(mode="after")
    def _buildable(self) -> SentimentConfig:
        for language, name in self.backends.items():
            if name == "transformers":
                if not self.model_path:
                    raise ValueError("backend 'transformers' needs model_path (a folder on this machine)")
                continue
            try:
                check_backend(name, language)
            except BackendError as error:
                raise ValueError(f"backends.{language}: {error}") from None
        return self

    def settings(self) -> ScorerSettings:
        """The pure scorer's settings."""
        return ScorerSettings(dict(self.backends), self.default_language, self.model_path)
