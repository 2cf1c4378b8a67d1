"""The config keys Facebook and Instagram sources share: both read the Graph API (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import Field

from connectors.source_settings import SourceSettings

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"


class GraphSourceSettings(SourceSettings):
    """Paging and time windows of a Graph API source: posts or media, their comments, how far back to read."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="the Graph API with its version")
    page_size: int = Field(default=25, ge=1, le=100)
    comment_page_size: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=20, ge=1, le=1000)
    max_comment_pages: int = Field(default=10, ge=1, le=1000)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
