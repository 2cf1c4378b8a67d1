"""Instagram source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from connectors.graph_settings import GraphSourceSettings
from connectors.instagram.hashtags import WEEKLY_UNIQUE_HASHTAGS, WHY, normalise
from connectors.source_settings import ENV_NAME


class InstagramSettings(GraphSourceSettings):
    """One Instagram business or creator account: its media and comments, media it is tagged in, hashtags."""

    platform: Literal["instagram"]
    ig_user_id: str = Field(pattern=r"^[0-9]{5,25}$", description="the Instagram professional account id")
    access_token_env: str = Field(pattern=ENV_NAME, description="a page or user token of the linked Facebook Page")
    tags: bool = True
    hashtags: list[str] = Field(default=[], description="at most 30 unique a week per account")

    @field_validator("hashtags")
    @classmethod
    def _within_weekly_limit(cls, tags: list[str]) -> list[str]:
        cleaned = [normalise(t) for t in tags]
        if any(not t or not t.replace("_", "").isalnum() for t in cleaned):
            raise ValueError("a hashtag is letters, digits and underscores (the '#' is optional)")
        if len(set(cleaned)) > WEEKLY_UNIQUE_HASHTAGS:
            raise ValueError(f"{len(set(cleaned))} unique hashtags; {WHY}: keep at most {WEEKLY_UNIQUE_HASHTAGS}")
        return list(dict.fromkeys(cleaned))
