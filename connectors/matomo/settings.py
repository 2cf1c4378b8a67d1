"""Matomo source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MatomoSettings(BaseModel):
    """`[profiles.imports.matomo]`: the instance, the site's id, the token's variable, how many days to read."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    base_url: str = Field(min_length=1)
    site_id: int = Field(ge=1)
    token_env: str = Field(default="MATOMO_TOKEN", pattern=r"^[A-Z_][A-Z0-9_]*$")
    backfill_days: int = Field(default=90, ge=1, le=3650)
    refresh_days: int = Field(default=3, ge=0, le=90)
