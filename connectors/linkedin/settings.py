"""LinkedIn source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors.source_settings import RenewableTokenSettings

DEFAULT_BASE_URL = "https://api.linkedin.com/rest"


class LinkedInSettings(RenewableTokenSettings):
    """One LinkedIn organization page: its posts and their comments, share statistics, mentions."""

    platform: Literal["linkedin"]
    base_url: str = DEFAULT_BASE_URL
    organization_id: str = Field(pattern=r"^[0-9]{1,20}$")
    linkedin_version: str = Field(default="202411", pattern=r"^20[0-9]{4}$",
                                  description="the LinkedIn-Version header (YYYYMM)")
    token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"
    mentions: bool = True
    page_size: int = Field(default=50, ge=1, le=100)
    comment_page_size: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=10, ge=1, le=1000)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
