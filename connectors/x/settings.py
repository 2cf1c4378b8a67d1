"""X source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_BASE_URL = "https://api.x.com/2"


class XSettings(SourceSettings):
    """One brand account on X: its timeline, mentions, keyword searches, and engagement on recent posts."""

    platform: Literal["x"]
    base_url: str = DEFAULT_BASE_URL
    username: str = Field(pattern=r"^[A-Za-z0-9_]{1,15}$", description="the brand's @username, without the @")
    bearer_token_env: str | None = Field(default=None, pattern=ENV_NAME, description="app-only bearer token")
    user_token_env: str | None = Field(default=None, pattern=ENV_NAME, description="OAuth 2.0 user-context token")
    refresh_token_env: str | None = Field(default=None, pattern=ENV_NAME)
    client_id_env: str | None = Field(default=None, pattern=ENV_NAME)
    client_secret_env: str | None = Field(default=None, pattern=ENV_NAME)
    token_url: str = "https://api.x.com/2/oauth2/token"
    mentions: bool = True
    search: list[str] = Field(default=[], description="recent-search queries (last 7 days)")
    engagement: bool = True  # quote tweets and retweeters of recent owned posts
    page_size: int = Field(default=100, ge=5, le=100)
    max_pages: int = Field(default=10, ge=1, le=1000,
                           description="pages per stream and run (posts count against the monthly cap)")
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)

    @model_validator(mode="after")
    def _one_token(self) -> XSettings:
        if bool(self.bearer_token_env) == bool(self.user_token_env):
            raise ValueError("set exactly one of bearer_token_env (app-only) and user_token_env (user context)")
        if self.refresh_token_env and not (self.user_token_env and self.client_id_env):
            raise ValueError("refresh_token_env needs user_token_env and client_id_env")
        return self
