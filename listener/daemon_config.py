"""The `[daemon]` section of the config (filled in by the daemon feature)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DaemonConfig(BaseModel):
    """Settings of `ror run`."""

    model_config = ConfigDict(extra="forbid")
