"""The outbox: an alert and one delivery per channel are stored before anything is sent; due
deliveries are tried, retried with exponential backoff, and expire if they never get through."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from tenacity import RetryCallState
from tenacity.wait import wait_exponential

from connectors.clock import Clock, utc_now
from listener.alerts.channels import Channel, DeliveryError
from listener.alerts.content import AlertMessage, build_message
from listener.config.alerts import ChannelConfig
from listener.exports.safety import inert_json, inert_text
from listener.redaction import redact, redact_json, redact_optional
from listener.storage.alert_models import AlertDeliveryRow, AlertRow
from listener.storage.models import ProfileRow
from listener.storage.upsert import table_of, upsert_rows

log = logging.getLogger(__name__)
DELIVERY_UPDATE = ("status", "attempts", "next_attempt_at", "last_attempt_at", "delivered_at", "last_error")
OPEN_STATES = ("pending", "retrying")
SENDING = "sending"  # claimed by one process; next_attempt_at is then the end of its lease
CLAIM_LEASE = timedelta(minutes=10)  # a claimant that died: after this the delivery is due again


@dataclass(frozen=True)
class DeliveryPolicy:
    """When to try a failed delivery again (tenacity's exponential wait, capped) and when to give up."""

    initial_seconds: float = 60.0
    max_seconds: float = 3600.0
    expire_after: timedelta = timedelta(hours=48)

    @classmethod
    def of(cls, channel: ChannelConfig) -> DeliveryPolicy:
        """The policy a channel's config asks for."""
        return cls(channel.retry_initial_seconds, channel.retry_max_seconds,
                   timedelta(hours=channel.expire_after_hours))

    def wait_after(self, attempts: int) -> timedelta:
        """How long to wait after the n-th failed attempt: initial, x2, x4 ... up to max."""
        # a bare state only to ask tenacity's wait strategy; it needs no Retrying or function
        state = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        state.attempt_number = attempts
        return timedelta(seconds=wait_exponential(multiplier=self.initial_seconds, max=self.max_seconds)(state))


@dataclass(frozen=True)
class NewAlert:
    """An alert about to be stored: its natural key, title and facts."""

    detector: str
    condition: str
    window_start: datetime | None
    observed_at: datetime
    title: str
    provisional: bool
    facts: dict[str, Any]


def store_alerts(connection: Connection, profile_id: int, alerts: Sequence[NewAlert],
                 channels: Sequence[ChannelConfig], now: datetime) -> list[int]:
    """Store alerts with a pending delivery per channel (in the caller's transaction); ids of new ones."""
    table, new_ids = table_of(AlertRow), []
    for alert in alerts:
        key = (table.c.profile_id == profile_id, table.c.condition == alert.condition,
               table.c.observed_at == alert.observed_at)
        if connection.execute(select(table.c.id).where(*key)).first():
            continue  # the same condition at the same moment is already in the outbox
        upsert_rows(connection, AlertRow, [{**vars(alert), "profile_id": profile_id, "created_at": now}],
                    ["profile_id", "condition", "observed_at"])
        alert_id = connection.execute(select(table.c.id).where(*key)).scalar_one()
        upsert_rows(connection, AlertDeliveryRow,
                    [{"alert_id": alert_id, "channel": c.name, "status": "pending", "attempts": 0,
                      "next_attempt_at": now, "expires_at": now + DeliveryPolicy.of(c).expire_after}
                     for c in channels], ["alert_id", "channel"])
        new_ids.append(alert_id)
    return new_ids


def message_of(row: Mapping[str, Any]) -> AlertMessage:
    """The message for a stored alert row: secrets redacted and NUL bytes removed from every text in it."""
    facts = inert_json(redact_json(dict(row["facts"] or {})))
    return build_message(row["id"], row["detector"], row["condition"], inert_text(redact(row["title"])),
                         row["created_at"], facts)


def due_deliveries(engine: Engine, now: datetime) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(delivery, alert) pairs whose next attempt is due, oldest first."""
    deliveries, alerts = table_of(AlertDeliveryRow), table_of(AlertRow)
    with engine.connect() as connection:
        rows = connection.execute(
            select(deliveries, alerts.c.detector, alerts.c.condition, alerts.c.title, alerts.c.facts,
                   alerts.c.created_at.label("alert_created_at"))
            .join(alerts, alerts.c.id == deliveries.c.alert_id)
            .where(deliveries.c.status.in_((*OPEN_STATES, SENDING)), deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.id)
        ).mappings().all()
    pairs = []
    for row in rows:
        delivery = {c.name: row[c.name] for c in deliveries.columns}
        alert = {"id": row["alert_id"], "detector": row["detector"], "condition": row["condition"],
                 "title": row["title"], "facts": row["facts"], "created_at": row["alert_created_at"]}
        pairs.append((delivery, alert))
    return pairs


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)


def attempt(delivery: dict[str, Any], message: AlertMessage, channel: Channel | None,
            policy: DeliveryPolicy, now: datetime) -> dict[str, Any]:
    """Try one delivery and return its new state (delivered, retrying with backoff, or expired)."""
    if now >= delivery["expires_at"]:
        return {**delivery, "status": "expired"}
    try:
        if channel is None:
            raise DeliveryError(f"channel {delivery['channel']!r} is no longer in the config")
        channel.send(message)
    except DeliveryError as error:
        problem = str(error)
    except Exception as error:  # noqa: BLE001 - one broken message must not stop the outbox
        log.exception("alert %s on %s: unexpected error", message.alert_id, delivery["channel"])
        problem = f"{type(error).__name__}: {error}"
    else:
        return {**delivery, "status": "delivered", "attempts": delivery["attempts"] + 1,
                "last_attempt_at": now, "delivered_at": now, "last_error": None}
    attempts = delivery["attempts"] + 1
    log.warning("alert %s on %s: attempt %d failed: %s", message.alert_id, delivery["channel"], attempts, problem)
    return {**delivery, "status": "retrying", "attempts": attempts, "last_attempt_at": now,
            "next_attempt_at": now + policy.wait_after(attempts), "last_error": problem[:1000]}


def claim(engine: Engine, delivery: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """Take a due delivery for this process, or None if another claimed it first.

    One conditional UPDATE on the state read (status and next attempt): of several processes
    only one changes the row. The claim is a lease: if its process dies mid-send, the delivery
    is due again when the lease ends (the receiver's idempotency key absorbs that resend).
    A stale claim reverts to its previous status while sending, so `attempt` sees a due delivery.
    """
    table = table_of(AlertDeliveryRow)
    with engine.begin() as connection:
        taken = connection.execute(
            update(table).where(table.c.id == delivery["id"], table.c.status == delivery["status"],
                                table.c.next_attempt_at == delivery["next_attempt_at"])
            .values(status=SENDING, next_attempt_at=now + CLAIM_LEASE)
        ).rowcount
    if taken != 1:
        return None
    return {**delivery, "status": "retrying" if delivery["attempts"] else "pending"}


def deliver_due(engine: Engine, channels: Mapping[str, Channel], policies: Mapping[str, DeliveryPolicy],
                clock: Clock = utc_now) -> DeliveryReport:
    """Try every due delivery once, each claimed first (never sent by two processes); outcomes stored at once."""
    report = DeliveryReport()
    for due, alert in due_deliveries(engine, clock()):
        delivery = claim(engine, due, clock())
        if delivery is None:
            continue  # another `ror alerts run` or the daemon took it
        policy = policies.get(delivery["channel"], DeliveryPolicy())
        outcome = attempt(delivery, message_of(alert), channels.get(delivery["channel"]), policy, clock())
        outcome["last_error"] = redact_optional(outcome.get("last_error"))
        with engine.begin() as connection:
            row = {k: v for k, v in outcome.items() if k != "id"}
            upsert_rows(connection, AlertDeliveryRow, [row], ["alert_id", "channel"], DELIVERY_UPDATE)
        getattr(report, outcome["status"]).append(delivery["id"])
    return report


def list_alerts(engine: Engine, profile: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The latest alerts, newest first, with each delivery's state (JSON-ready)."""
    alerts, deliveries, profiles = table_of(AlertRow), table_of(AlertDeliveryRow), table_of(ProfileRow)
    # The latest ids first, from the created_at index alone: joined first, the planner sorts every alert.
    latest = select(alerts.c.id).order_by(alerts.c.created_at.desc(), alerts.c.id.desc()).limit(limit)
    if profile:
        latest = latest.where(alerts.c.profile_id == select(profiles.c.id).where(profiles.c.name == profile)
                              .scalar_subquery())
    query = (select(alerts, profiles.c.name.label("profile")).join(profiles, profiles.c.id == alerts.c.profile_id)
             .where(alerts.c.id.in_(latest)).order_by(alerts.c.created_at.desc(), alerts.c.id.desc()))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
        ids = [r["id"] for r in rows]
        sent = connection.execute(
            select(deliveries).where(deliveries.c.alert_id.in_(ids)).order_by(deliveries.c.channel)
        ).mappings().all()
    return [redact_json(_alert_json(dict(r), [dict(d) for d in sent if d["alert_id"] == r["id"]])) for r in rows]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _alert_json(row: dict[str, Any], deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"], "profile": row["profile"], "detector": row["detector"], "condition": row["condition"],
        "title": row["title"], "window_start": _iso(row["window_start"]), "observed_at": _iso(row["observed_at"]),
        "created_at": _iso(row["created_at"]), "provisional": row["provisional"], "facts": row["facts"],
        "deliveries": [{"channel": d["channel"], "status": d["status"], "attempts": d["attempts"],
                        "last_attempt_at": _iso(d["last_attempt_at"]), "delivered_at": _iso(d["delivered_at"]),
                        "next_attempt_at": _iso(d["next_attempt_at"]), "last_error": d["last_error"]}
                       for d in deliveries],
    }
