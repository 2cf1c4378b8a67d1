"""App Store source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from connectors.source_settings import SourceSettings

DEFAULT_BASE_URL = "https://itunes.apple.com"
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_lower=True)]


class AppStoreSettings(SourceSettings):
    """One app on the App Store, read in the listed countries' storefronts."""

    platform: Literal["appstore"]
    base_url: str = DEFAULT_BASE_URL
    app_id: str = Field(pattern=r"^\d+$", description="the numeric App Store id (apps.apple.com/.../id<app_id>)")
    countries: list[Country] = Field(default_factory=lambda: ["us"], min_length=1)
    backfill_days: int = Field(default=365, ge=0, le=3650)
    request_interval_seconds: float = Field(default=3.0, ge=0, le=60, description="pause between feed requests")
