"""GA4 source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE_URL = "https://analyticsdata.googleapis.com"


class Ga4Settings(BaseModel):
    """`[profiles.imports.ga4]`: the property, the variable naming the key file, how many days to read."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    property_id: str = Field(pattern=r"^[0-9]+$", description="the numeric property id, not the G- measurement id")
    credentials_env: str = Field(default="GA4_CREDENTIALS_FILE", pattern=r"^[A-Z_][A-Z0-9_]*$")
    base_url: str = DEFAULT_BASE_URL
    token_uri: str | None = Field(default=None, min_length=1)  # default: the key file's own token_uri
    page_size: int = Field(default=10000, ge=1, le=250000)
    backfill_days: int = Field(default=90, ge=1, le=3650)
    refresh_days: int = Field(default=3, ge=0, le=90)
