"""Trustpilot source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import ENV_NAME, SourceSettings

DEFAULT_BASE_URL = "https://api.trustpilot.com"
MAX_PAGE_SIZE = 100


class TrustpilotSettings(SourceSettings):
    """One business unit (a domain on Trustpilot), found by its domain or given by id."""

    platform: Literal["trustpilot"]
    base_url: str = DEFAULT_BASE_URL
    domain: str | None = Field(default=None, description="the business unit's name, e.g. acme.example")
    business_unit_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$")
    api_key_env: str = Field(pattern=ENV_NAME, description="variable holding the API key (apikey header)")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    backfill_days: int = Field(default=365, ge=0, le=3650)
    refresh_days: int = Field(default=14, ge=0, le=365, description="re-read this many days for new replies")

    @model_validator(mode="after")
    def _one_business_unit(self) -> TrustpilotSettings:
        if not self.domain and not self.business_unit_id:
            raise ValueError("set domain (looked up with business-units/find) or business_unit_id")
        return self
