"""A profile's `[profiles.exports]` section (filled in by the weekly-exports feature)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ExportsConfig(BaseModel):
    """Weekly summary settings."""

    model_config = ConfigDict(extra="forbid")
