"""Typeform source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE_URL = "https://api.typeform.com"
MAX_PAGE_SIZE = 1000


class TypeformSettings(BaseModel):
    """`[profiles.imports.typeform]`: which form, where, the token's variable, which questions."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    form_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    token_env: str = Field(default="TYPEFORM_TOKEN", pattern=r"^[A-Z_][A-Z0-9_]*$")
    base_url: str = DEFAULT_BASE_URL
    score_ref: str | None = None
    email_ref: str | None = None
    comment_ref: str | None = None
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
