"""Alerts: detectors run after each aggregation, alerts go to an outbox, deliveries are retried until sent.

The daemon calls `run_alert_cycle(engine, config, clock)`; `ror alerts ...` calls the rest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine

from connectors.clock import Clock, utc_now
from listener.alerts.channels import Channel, DeliveryError, build_channel, build_channels
from listener.alerts.content import AlertMessage, sample_message
from listener.alerts.detect import load_states, run_detectors, save_states, to_alert
from listener.alerts.outbox import DeliveryPolicy, DeliveryReport, deliver_due, list_alerts, store_alerts
from listener.config.alerts import ChannelConfig
from listener.config.settings import Config, ConfigError, ProfileConfig
from listener.storage.store import ensure_profile

__all__ = [
    "CycleReport", "DeliveryError", "DeliveryReport", "channel_problems", "deliver_pending", "evaluate_alerts",
    "list_alerts", "routing_problems", "run_alert_cycle", "send_sample",
]
log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    """What one alert cycle did: new alert ids per profile, and the delivery pass."""

    new_alerts: dict[str, list[int]] = field(default_factory=dict)
    deliveries: DeliveryReport = field(default_factory=DeliveryReport)
    failed_profiles: list[str] = field(default_factory=list)


def routing_problems(config: Config) -> list[str]:
    """Channel names used twice, and profiles naming channels that do not exist."""
    names = [c.name for c in config.channels]
    twice = sorted({n for n in names if names.count(n) > 1})
    problems = [f"{config.path}: channel name {n!r} is used twice" for n in twice]
    for profile in config.profiles:
        for name in profile.alerts.channels or []:
            if name not in names:
                problems.append(f"{config.path}: profiles {profile.name!r} alerts.channels names {name!r}, "
                                f"which is not a [[channels]] entry ({', '.join(names) or 'none defined'})")
    return problems


SECRET_KEYS = ("username_env", "password_env", "url_env", "bearer_token_env")


def channel_problems(config: Config) -> list[str]:
    """Routing problems and unset variables named by channels, one message each (for `ror config check`)."""
    problems = routing_problems(config)
    for channel in config.channels:
        for key in SECRET_KEYS:
            name = getattr(channel, key)
            if name and not os.environ.get(name):
                problems.append(f"environment variable {name} (named by channel {channel.name!r} {key}) is not set")
    return problems


def channels_for(config: Config, profile: ProfileConfig) -> list[ChannelConfig]:
    """The channels a profile's alerts go to: those it names, else every channel."""
    wanted = profile.alerts.channels
    return [c for c in config.channels if wanted is None or c.name in wanted]


def evaluate_profile(engine: Engine, config: Config, profile: ProfileConfig, clock: Clock = utc_now) -> list[int]:
    """Run a profile's detectors; store new alerts, their deliveries and the detectors' state together."""
    now = clock()
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        states = load_states(connection, profile_id)
        alerts = [to_alert(connection, profile, profile_id, f, now)
                  for f in run_detectors(connection, profile, profile_id, states, now)]
        ids = store_alerts(connection, profile_id, alerts, channels_for(config, profile), now)
        save_states(connection, profile_id, states, now)
    return ids


def evaluate_alerts(engine: Engine, config: Config, clock: Clock = utc_now) -> CycleReport:
    """Evaluate every profile with alerts enabled; one profile's failure does not stop the others."""
    report = CycleReport()
    for profile in config.profiles:
        if not profile.alerts.enabled:
            continue
        try:
            report.new_alerts[profile.name] = evaluate_profile(engine, config, profile, clock)
        except Exception:  # noqa: BLE001 - a bug in one profile's data must not silence the others
            log.exception("alerts for profile %s failed", profile.name)
            report.failed_profiles.append(profile.name)
    return report


def deliver_pending(engine: Engine, config: Config, clock: Clock = utc_now, *,
                    channels: Mapping[str, Channel] | None = None,
                    transport: httpx.BaseTransport | None = None) -> DeliveryReport:
    """Try every due delivery once (retries back off per channel; expired ones are given up)."""
    if channels is None:
        channels = build_channels(config.channels, base_dir=config.path.parent, transport=transport)
    policies = {c.name: DeliveryPolicy.of(c) for c in config.channels}
    return deliver_due(engine, channels, policies, clock)


def run_alert_cycle(engine: Engine, config: Config, clock: Clock = utc_now) -> CycleReport:
    """Evaluate every profile's detectors, store new alerts in the outbox, deliver what is due."""
    problems = routing_problems(config)
    if problems:
        raise ConfigError("\n".join(problems))
    report = evaluate_alerts(engine, config, clock)
    report.deliveries = deliver_pending(engine, config, clock)
    return report


def send_sample(config: Config, channel_name: str, clock: Clock = utc_now,
                transport: httpx.BaseTransport | None = None) -> tuple[Channel, AlertMessage]:
    """Send a sample alert to one channel now (no outbox); raises DeliveryError if it fails."""
    chosen = next((c for c in config.channels if c.name == channel_name), None)
    if chosen is None:
        known = ", ".join(c.name for c in config.channels) or "none defined"
        raise ConfigError(f"{config.path}: no channel named {channel_name!r} (channels: {known})")
    channel = build_channel(chosen, base_dir=config.path.parent, transport=transport)
    profile = config.profiles[0]
    message = sample_message(profile.name, profile.timezone, clock())
    channel.send(message)
    return channel, message
