"""Hacker News source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import SourceSettings


class HackerNewsSettings(SourceSettings):
    """Brand terms searched on Hacker News, and optionally the brand's HN username."""

    platform: Literal["hackernews"]
    base_url: str = "https://hn.algolia.com/api/v1"
    search: list[str] = Field(default=[])
    username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{2,15}$",
                                 description="the brand's HN username: its items are owned")
    threads: bool = True
    page_size: int = Field(default=100, ge=1, le=1000)
    min_interval_seconds: float = Field(default=0.5, ge=0, le=60)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=2, ge=0, le=90)

    @model_validator(mode="after")
    def _something_to_search(self) -> HackerNewsSettings:
        if not self.search and not self.username:
            raise ValueError("nothing to collect: set search terms or username")
        return self
