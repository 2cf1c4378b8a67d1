"""Instagram source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from connectors.instagram.hashtags import WEEKLY_UNIQUE_HASHTAGS, WHY, normalise
from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"


class InstagramSettings(SourceSettings):
    """One Instagram business or creator account: its media and comments, media it is tagged in, hashtags."""

    platform: Literal["instagram"]
    base_url: str = Field(default=DEFAULT_BASE_URL, description="the Graph API with its version")
    ig_user_id: str = Field(pattern=r"^[0-9]{5,25}$", description="the Instagram professional account id")
    access_token_env: str = Field(pattern=ENV_NAME, description="a page or user token of the linked Facebook Page")
    tags: bool = True
    hashtags: list[str] = Field(default_factory=list, description="at most 30 unique a week per account")
    page_size: int = Field(default=25, ge=1, le=100)
    comment_page_size: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=20, ge=1, le=1000)
    max_comment_pages: int = Field(default=10, ge=1, le=1000)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)

    @field_validator("hashtags")
    @classmethod
    def _within_weekly_limit(cls, tags: list[str]) -> list[str]:
        cleaned = [normalise(t) for t in tags]
        if any(not t or not t.replace("_", "").isalnum() for t in cleaned):
            raise ValueError("a hashtag is letters, digits and underscores (the '#' is optional)")
        if len(set(cleaned)) > WEEKLY_UNIQUE_HASHTAGS:
            raise ValueError(f"{len(set(cleaned))} unique hashtags; {WHY}: keep at most {WEEKLY_UNIQUE_HASHTAGS}")
        return list(dict.fromkeys(cleaned))
