"""Bluesky source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_APPVIEW_URL = "https://public.api.bsky.app"
DEFAULT_PDS_URL = "https://bsky.social"
DEFAULT_WEB_URL = "https://bsky.app"


class BlueskySettings(SourceSettings):
    """One brand account on Bluesky: its posts and their engagement, plus searches and notifications."""

    platform: Literal["bluesky"]
    base_url: str = Field(default=DEFAULT_APPVIEW_URL, description="AppView for public reads")
    pds_url: str = Field(default=DEFAULT_PDS_URL,
                         description="the brand account's PDS (sessions, notifications, search)")
    web_url: str = Field(default=DEFAULT_WEB_URL, description="where item links point")
    handle: str = Field(min_length=1, description="the brand's handle (or DID); also the login identifier")
    search: list[str] = Field(default=[])
    notifications: bool = False
    app_password_env: str | None = Field(default=None, pattern=ENV_NAME)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
    thread_depth: int = Field(default=10, ge=1, le=1000)
    page_size: int = Field(default=100, ge=1, le=100)
    overlap_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    clock_skew_minutes: int = Field(default=10, ge=0, le=24 * 60)

    @field_validator("handle")
    @classmethod
    def _without_at(cls, value: str) -> str:
        return value.strip().removeprefix("@")

    @model_validator(mode="after")
    def _password_for_private_reads(self) -> BlueskySettings:
        if (self.notifications or self.search) and not self.app_password_env:
            raise ValueError("notifications and search need an app password session: set app_password_env")
        return self
