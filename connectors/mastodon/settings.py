"""Mastodon source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from connectors.source_settings import SourceSettings


class MastodonSettings(SourceSettings):
    """One brand account on one Mastodon instance, plus hashtags and searches there."""

    platform: Literal["mastodon"]
    account: str = Field(min_length=1, description="the brand's handle on this instance")
    hashtags: list[str] = Field(default=[])
    search: list[str] = Field(default=[])
    mentions: bool = False
    token_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    backfill_days: int = Field(default=30, ge=0, le=3650)
    refresh_days: int = Field(default=7, ge=0, le=90)

    @model_validator(mode="after")
    def _token_for_private_reads(self) -> MastodonSettings:
        if (self.mentions or self.search) and not self.token_env:
            raise ValueError("mentions and search need a user token: set token_env")
        return self
