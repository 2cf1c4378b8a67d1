"""TikTok source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors.source_settings import RenewableTokenSettings

DEFAULT_BASE_URL = "https://business-api.tiktok.com/open_api/v1.3"


class TikTokSettings(RenewableTokenSettings):
    """One TikTok business account: its videos and the comments under its recent ones."""

    platform: Literal["tiktok"]
    base_url: str = DEFAULT_BASE_URL
    business_id: str = Field(min_length=4, description="the account's business_id (the open_id of its token)")
    token_url: str = f"{DEFAULT_BASE_URL}/tt_user/oauth2/refresh_token/"
    page_size: int = Field(default=20, ge=1, le=20)
    comment_page_size: int = Field(default=30, ge=1, le=30)
    max_pages: int = Field(default=10, ge=1, le=1000)
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)
