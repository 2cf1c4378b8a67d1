"""Alert settings: per-profile detectors and the top-level `[[channels]]` (filled in by the alerts feature)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AlertsConfig(BaseModel):
    """A profile's `[profiles.alerts]` section."""

    model_config = ConfigDict(extra="forbid")


class ChannelConfig(BaseModel):
    """One `[[channels]]` entry: where alerts are delivered."""

    model_config = ConfigDict(extra="forbid")
