"""The `[dashboard]` section of the config: whether `ror run` serves the web dashboard, and where."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_DASHBOARD_HOST = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 8321


class DashboardConfig(BaseModel):
    """Settings of the web dashboard (`ror serve` takes the same host and port as options)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = False
    host: str = Field(default=DEFAULT_DASHBOARD_HOST, min_length=1)
    port: int = Field(default=DEFAULT_DASHBOARD_PORT, ge=0, le=65535)
