"""Reddit source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from connectors.source_settings import ENV_NAME, SourceSettings

USER_AGENT = "python:ror-listener:0.1"


class RedditSettings(SourceSettings):
    """One brand on Reddit: its subreddits, brand search terms, its account and inbox."""

    platform: Literal["reddit"]
    base_url: str = "https://oauth.reddit.com"
    token_url: str = "https://www.reddit.com/api/v1/access_token"
    account: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{3,20}$",
                                description="the brand's Reddit username: its items are owned")
    subreddits: list[str] = Field(default=[])
    search: list[str] = Field(default=[])
    search_subreddits_only: bool = False
    inbox: bool = False
    comments: bool = True
    user_agent: str | None = None
    client_id_env: str = Field(default="REDDIT_CLIENT_ID", pattern=ENV_NAME)
    client_secret_env: str = Field(default="REDDIT_CLIENT_SECRET", pattern=ENV_NAME)
    username_env: str | None = Field(default=None, pattern=ENV_NAME)
    password_env: str | None = Field(default=None, pattern=ENV_NAME)
    page_size: int = Field(default=100, ge=1, le=100)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=2, ge=0, le=90)

    @field_validator("subreddits")
    @classmethod
    def _bare_names(cls, names: list[str]) -> list[str]:
        bare = [n.strip().removeprefix("/").removeprefix("r/") for n in names]
        for name in bare:
            if not name.replace("_", "").isalnum() or not 2 <= len(name) <= 21:
                raise ValueError(f"not a subreddit name: {name!r}")
        return bare

    @model_validator(mode="after")
    def _coherent(self) -> RedditSettings:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("a script app needs both username_env and password_env")
        if self.inbox and not self.password_env:
            raise ValueError("inbox needs a user token: set username_env and password_env (script app)")
        if self.search_subreddits_only and not self.subreddits:
            raise ValueError("search_subreddits_only needs subreddits")
        if not (self.subreddits or self.search or self.inbox or self.account):
            raise ValueError("nothing to collect: set subreddits, search, inbox or account")
        return self

    def agent(self) -> str:
        """The descriptive User-Agent Reddit requires: platform:app:version (by /u/name)."""
        if self.user_agent:
            return self.user_agent
        return f"{USER_AGENT} (by /u/{self.account})" if self.account else USER_AGENT
