"""The `[daemon]` section of the config: how `ror run` schedules, serves health and logs."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_HEALTH_HOST = "127.0.0.1"
DEFAULT_HEALTH_PORT = 9311
DEFAULT_JITTER_SECONDS = 30.0
DEFAULT_STOP_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_WORKERS = 4
DEFAULT_BACKOFF_MAX_MINUTES = 60
LOOPBACK_NAMES = ("localhost",)


class DaemonConfig(BaseModel):
    """Settings of `ror run`; every key has a default, so the section is optional."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    health: bool = True
    health_host: str = DEFAULT_HEALTH_HOST
    health_port: int = Field(default=DEFAULT_HEALTH_PORT, ge=0, le=65535)
    log_format: Literal["text", "json"] = "text"
    jitter_seconds: float = Field(default=DEFAULT_JITTER_SECONDS, ge=0, le=3600)
    stop_timeout_seconds: float = Field(default=DEFAULT_STOP_TIMEOUT_SECONDS, gt=0, le=600)
    max_workers: int = Field(default=DEFAULT_MAX_WORKERS, ge=1, le=64)
    backoff_max_minutes: int = Field(default=DEFAULT_BACKOFF_MAX_MINUTES, ge=1, le=24 * 60)
    interval_override_seconds: float | None = Field(default=None, gt=0, le=24 * 3600)

    @field_validator("health_host")
    @classmethod
    def _loopback_only(cls, value: str) -> str:
        if value.lower() in LOOPBACK_NAMES:
            return value
        try:
            loopback = ipaddress.ip_address(value).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError("expected a loopback address such as '127.0.0.1' or '::1' "
                             "(the endpoint has no authentication; put a proxy in front to expose it)")
        return value
