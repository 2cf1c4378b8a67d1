"""Keys every source has, whatever its platform: the base of each platform's settings model (pydantic only)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"  # what a `*_env` setting may hold: an environment variable's name


class SourceSettings(BaseModel):
    """Keys every source has, whatever its platform."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    platform: str
    enabled: bool = True
    interval_minutes: int = Field(default=15, ge=1, le=24 * 60)
    base_url: str

    def secret_env_names(self) -> dict[str, str]:
        """Secret name -> the environment variable that holds it (fields ending in `_env`).

        `token_env = "MASTODON_TOKEN"` gives {"token": "MASTODON_TOKEN"}; a connector reads
        its secrets by those names from the mapping it is built with.
        """
        names = {}
        for field_name in type(self).model_fields:
            value = getattr(self, field_name)
            if field_name.endswith("_env") and isinstance(value, str) and value:
                names[field_name.removesuffix("_env")] = value
        return names


class RenewableTokenSettings(SourceSettings):
    """A source read with an OAuth access token that a refresh token may renew (needs the app's id and secret)."""

    access_token_env: str = Field(pattern=ENV_NAME)
    refresh_token_env: str | None = Field(default=None, pattern=ENV_NAME)
    client_id_env: str | None = Field(default=None, pattern=ENV_NAME, description="the app's id")
    client_secret_env: str | None = Field(default=None, pattern=ENV_NAME)

    @model_validator(mode="after")
    def _refresh_needs_client(self) -> RenewableTokenSettings:
        if self.refresh_token_env and not (self.client_id_env and self.client_secret_env):
            raise ValueError("refresh_token_env needs client_id_env and client_secret_env")
        return self
