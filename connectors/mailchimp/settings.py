"""Mailchimp source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE_SIZE = 1000


class MailchimpSettings(BaseModel):
    """`[profiles.imports.mailchimp]`: the API key's variable, the data center, paging and refresh window."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    api_key_env: str = Field(default="MAILCHIMP_API_KEY", pattern=r"^[A-Z_][A-Z0-9_]*$")
    base_url: str | None = None  # default: https://<dc>.api.mailchimp.com, dc from the key's "-us21" ending
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    refresh_days: int = Field(default=30, ge=0, le=365)
