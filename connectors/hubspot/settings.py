"""HubSpot source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE_URL = "https://api.hubapi.com"
MAX_PAGE_SIZE = 200
OBJECT_TYPES = ("contacts", "deals", "tickets")


class HubspotSettings(BaseModel):
    """`[profiles.imports.hubspot]`: the private app token's variable and which properties carry what."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    token_env: str = Field(default="HUBSPOT_TOKEN", pattern=r"^[A-Z_][A-Z0-9_]*$")
    base_url: str = DEFAULT_BASE_URL
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    objects: list[str] = Field(default_factory=lambda: list(OBJECT_TYPES))
    social_property: str | None = "twitterhandle"
    social_platform: str = Field(default="x", pattern=r"^[a-z_]+$")
    referred_by_property: str | None = None
    won_property: str = "hs_is_closed_won"
    ticket_closed_property: str = "closed_date"
