"""Discourse source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import SourceSettings


class DiscourseSettings(SourceSettings):
    """One Discourse forum: which listings to read and who speaks for the brand there."""

    platform: Literal["discourse"]
    staff_usernames: list[str] = Field(default=[], description="the brand's accounts on the forum (owned)")
    latest: bool = Field(default=True, description="read every new public post (/posts.json)")
    topics: list[int] = Field(default=[], description="topic ids to follow post by post")
    search: list[str] = Field(default=[])
    likers: bool = True
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    api_username_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
    max_topic_posts: int = Field(default=500, ge=1, le=100_000)

    @model_validator(mode="after")
    def _key_with_username(self) -> DiscourseSettings:
        if bool(self.api_key_env) != bool(self.api_username_env):
            raise ValueError("api_key_env and api_username_env go together (Api-Key and Api-Username headers)")
        return self
