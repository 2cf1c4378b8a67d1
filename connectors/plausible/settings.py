"""Plausible source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE_URL = "https://plausible.io"


class PlausibleSettings(BaseModel):
    """`[profiles.imports.plausible]`: the site, the API key's variable, the goals that count as conversions."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    site_id: str = Field(min_length=1)
    api_key_env: str = Field(default="PLAUSIBLE_API_KEY", pattern=r"^[A-Z_][A-Z0-9_]*$")
    base_url: str = DEFAULT_BASE_URL  # a self-hosted instance's address
    goals: list[str] = Field(default=[])
    backfill_days: int = Field(default=90, ge=1, le=3650)
    refresh_days: int = Field(default=3, ge=0, le=90)
