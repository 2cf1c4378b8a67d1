"""Facebook source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"


class FacebookSettings(SourceSettings):
    """One Facebook Page: its posts and their comments, posts by visitors and posts that tag it."""

    platform: Literal["facebook"]
    base_url: str = Field(default=DEFAULT_BASE_URL, description="the Graph API with its version")
    page_id: str = Field(pattern=r"^[0-9]{5,20}$")
    page_token_env: str = Field(pattern=ENV_NAME, description="a page access token (from a long-lived user token)")
    visitor_posts: bool = True
    tagged: bool = True
    page_size: int = Field(default=25, ge=1, le=100)
    comment_page_size: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=20, ge=1, le=1000)
    max_comment_pages: int = Field(default=10, ge=1, le=1000)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
