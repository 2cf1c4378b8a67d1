"""YouTube source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import SourceSettings

DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"


class YouTubeSettings(SourceSettings):
    """One brand channel (by id or handle), its comments, and optional keyword searches."""

    platform: Literal["youtube"]
    base_url: str = DEFAULT_BASE_URL
    channel_id: str | None = Field(default=None, pattern=r"^UC[A-Za-z0-9_-]{22}$")
    handle: str | None = Field(default=None, min_length=2, description="the channel's @handle")
    api_key_env: str = Field(pattern=r"^[A-Z_][A-Z0-9_]*$")
    search: list[str] = Field(default=[], description="keyword searches (100 quota units a page)")
    search_interval_hours: float = Field(default=6.0, ge=1.0, le=24.0 * 7)
    search_max_pages: int = Field(default=1, ge=1, le=10)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
    page_size: int = Field(default=50, ge=1, le=50)
    comment_page_size: int = Field(default=100, ge=1, le=100)
    max_comment_pages: int = Field(default=10, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_channel(self) -> YouTubeSettings:
        if bool(self.channel_id) == bool(self.handle):
            raise ValueError("set exactly one of channel_id and handle")
        return self
