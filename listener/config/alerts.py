"""Alert settings: per-profile detectors (`[profiles.alerts]`) and the top-level `[[channels]]`.

Every default here is documented in config.example.toml and explained in docs/alerts.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:  # the detectors load when alerts are judged, not on every command that reads the config
    from scoring.alert_detectors import (
        ConnectorDownSettings,
        IndexDropSettings,
        SentimentDropSettings,
        VolumeSpikeSettings,
    )

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
NAME = r"^[A-Za-z0-9_.\-]+$"
WINDOW_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)  # divide a day, so windows start at local midnight


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


def _check_window(hours: int) -> int:
    if hours not in WINDOW_HOURS:
        raise ValueError(f"a window must divide a day: one of {', '.join(map(str, WINDOW_HOURS))} hours")
    return hours


class SentimentDropConfig(_Strict):
    """`[profiles.alerts.sentiment_drop]`: net sentiment or negative share worse than the baseline."""

    enabled: bool = True
    windows_hours: list[int] = Field(default_factory=lambda: [6, 24], min_length=1)
    k: float = Field(default=3.0, gt=0)
    net_margin: float = Field(default=0.2, ge=0, le=2)
    negative_margin: float = Field(default=0.1, ge=0, le=1)
    min_volume: int = Field(default=20, ge=1)
    hold_buckets: int = Field(default=2, ge=1, le=24)
    cooldown_hours: float = Field(default=24.0, ge=0)
    recover_k: float = Field(default=1.0, ge=0)
    baseline_half_life_days: float = Field(default=7.0, gt=0, le=365)
    min_baseline_buckets: int = Field(default=8, ge=2)
    pseudo_count: float = Field(default=10.0, ge=0)

    @field_validator("windows_hours")
    @classmethod
    def _windows(cls, windows: list[int]) -> list[int]:
        return sorted({_check_window(hours) for hours in windows})

    def settings(self, hours: int) -> SentimentDropSettings:
        """The detector's settings for one window length."""
        from scoring.alert_detectors import SentimentDropSettings

        return SentimentDropSettings(
            k=self.k, net_margin=self.net_margin, negative_margin=self.negative_margin,
            min_volume=self.min_volume, hold_buckets=self.hold_buckets,
            cooldown=timedelta(hours=self.cooldown_hours), recover_k=self.recover_k,
            half_life_buckets=self.baseline_half_life_days * 24 / hours,
            min_baseline_buckets=self.min_baseline_buckets, pseudo_count=self.pseudo_count,
        )


class VolumeSpikeConfig(_Strict):
    """`[profiles.alerts.volume_spike]`: far more inbound items than usual."""

    enabled: bool = True
    window_hours: int = 6
    ratio: float = Field(default=3.0, gt=1)
    k: float = Field(default=4.0, gt=0)
    min_volume: int = Field(default=30, ge=1)
    cooldown_hours: float = Field(default=12.0, ge=0)
    recover_ratio: float = Field(default=1.5, gt=0)
    baseline_half_life_days: float = Field(default=7.0, gt=0, le=365)
    min_baseline_buckets: int = Field(default=8, ge=2)

    @field_validator("window_hours")
    @classmethod
    def _window(cls, hours: int) -> int:
        return _check_window(hours)

    def settings(self) -> VolumeSpikeSettings:
        """The detector's settings."""
        from scoring.alert_detectors import VolumeSpikeSettings

        return VolumeSpikeSettings(
            ratio=self.ratio, k=self.k, min_volume=self.min_volume,
            cooldown=timedelta(hours=self.cooldown_hours), recover_ratio=self.recover_ratio,
            half_life_buckets=self.baseline_half_life_days,  # one window per slot per day
            min_baseline_buckets=self.min_baseline_buckets,
        )


class IndexDropConfig(_Strict):
    """`[profiles.alerts.index_drop]`: the running RoR index fell by many points."""

    enabled: bool = True
    drop_points: float = Field(default=10.0, gt=0, le=100)
    lookback_days: int = Field(default=7, ge=1, le=90)
    cooldown_hours: float = Field(default=72.0, ge=0)

    def settings(self) -> IndexDropSettings:
        """The detector's settings."""
        from scoring.alert_detectors import IndexDropSettings

        return IndexDropSettings(self.drop_points, self.lookback_days, timedelta(hours=self.cooldown_hours))


class ConnectorDownConfig(_Strict):
    """`[profiles.alerts.connector_down]`: a source has been failing for too long."""

    enabled: bool = True
    after_minutes: float = Field(default=60.0, gt=0)
    cooldown_hours: float = Field(default=6.0, ge=0)

    def settings(self) -> ConnectorDownSettings:
        """The detector's settings."""
        from scoring.alert_detectors import ConnectorDownSettings

        return ConnectorDownSettings(timedelta(minutes=self.after_minutes), timedelta(hours=self.cooldown_hours))


class AlertsConfig(_Strict):
    """A profile's `[profiles.alerts]` section."""

    enabled: bool = True
    channels: list[str] | None = None
    top_items: int = Field(default=5, ge=0, le=50)
    sentiment_drop: SentimentDropConfig = Field(default_factory=SentimentDropConfig)
    volume_spike: VolumeSpikeConfig = Field(default_factory=VolumeSpikeConfig)
    index_drop: IndexDropConfig = Field(default_factory=IndexDropConfig)
    connector_down: ConnectorDownConfig = Field(default_factory=ConnectorDownConfig)


ChannelKind = Literal["email", "webhook", "slack", "teams"]
COMMON_KEYS = frozenset({"name", "kind", "timeout_seconds", "retry_initial_seconds",
                         "retry_max_seconds", "expire_after_hours"})
KIND_KEYS: dict[str, frozenset[str]] = {
    "email": frozenset({"smtp_host", "smtp_port", "security", "username_env", "password_env",
                        "from_address", "to", "ca_file"}),
    "webhook": frozenset({"url", "url_env", "bearer_token_env"}),
    "slack": frozenset({"url_env"}),
    "teams": frozenset({"url_env"}),
}
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class ChannelConfig(_Strict):
    """One `[[channels]]` entry: where alerts are delivered, and how hard to try."""

    name: str = Field(min_length=1, pattern=NAME)
    kind: ChannelKind
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    retry_initial_seconds: float = Field(default=60.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    expire_after_hours: float = Field(default=48.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = Field(default=None, pattern=ENV_NAME)
    password_env: str | None = Field(default=None, pattern=ENV_NAME)
    from_address: str | None = None
    to: list[str] = Field(default=[])
    ca_file: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://")
    url_env: str | None = Field(default=None, pattern=ENV_NAME)
    bearer_token_env: str | None = Field(default=None, pattern=ENV_NAME)

    @model_validator(mode="after")
    def _keys_fit_the_kind(self) -> ChannelConfig:
        allowed = COMMON_KEYS | KIND_KEYS[self.kind]
        for key in sorted(self.model_fields_set - allowed):
            if key == "url" and self.kind in ("slack", "teams"):
                raise ValueError(f"a {self.kind} webhook URL carries its secret: put it in an environment "
                                 "variable and name that variable with url_env")
            raise ValueError(f"{key} is not a key of a {self.kind!r} channel "
                             f"(its keys: {', '.join(sorted(KIND_KEYS[self.kind]))})")
        return self._check_email() if self.kind == "email" else self._check_webhook()

    def _check_email(self) -> ChannelConfig:
        missing = [k for k in ("smtp_host", "from_address") if not getattr(self, k)]
        if missing or not self.to:
            raise ValueError(f"an email channel needs {', '.join(missing + ([] if self.to else ['to']))}")
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("set both username_env and password_env, or neither")
        for address in [self.from_address or "", *self.to]:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return self

    def _check_webhook(self) -> ChannelConfig:
        if bool(self.url) == bool(self.url_env):
            raise ValueError(f"a {self.kind} channel needs exactly one of url, url_env")
        return self

    @property
    def port(self) -> int:
        """The SMTP port: as set, else the usual one for the security mode."""
        return self.smtp_port or DEFAULT_PORTS[self.security]
