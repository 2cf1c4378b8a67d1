"""Google reviews source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_BASE_URL = "https://mybusiness.googleapis.com"
DEFAULT_OAUTH_URL = "https://oauth2.googleapis.com"
MAX_PAGE_SIZE = 50
NumericId = Annotated[str, StringConstraints(pattern=r"^\d+$")]


class GoogleReviewsSettings(SourceSettings):
    """The brand's locations in one Business Profile account, read as their owner or manager."""

    platform: Literal["google_reviews"]
    base_url: str = DEFAULT_BASE_URL
    oauth_base_url: str = DEFAULT_OAUTH_URL
    account_id: str = Field(pattern=r"^\d+$", description="the number in accounts/{accountId}")
    location_ids: list[NumericId] = Field(min_length=1, description="the numbers in locations/{locationId}")
    business_name: str | None = Field(default=None, description="how the owner's replies are signed")
    client_id_env: str = Field(pattern=ENV_NAME)
    client_secret_env: str = Field(pattern=ENV_NAME)
    refresh_token_env: str = Field(pattern=ENV_NAME)
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    backfill_days: int = Field(default=365, ge=0, le=3650)
    refresh_days: int = Field(default=14, ge=0, le=365, description="re-read this many days for new replies")
