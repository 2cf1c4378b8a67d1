"""Where alerts go: e-mail over SMTP (STARTTLS or SSL) and JSON webhooks (generic, Slack, Teams)."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from connectors.http import DEFAULT_USER_AGENT
from listener.alerts.content import AlertMessage
from listener.alerts.payloads import slack_payload, teams_payload
from listener.config.alerts import ChannelConfig
from listener.redaction import remember_secret

Env = Mapping[str, str]


class DeliveryError(Exception):
    """A channel could not deliver a message; the outbox tries again later."""


class Channel(Protocol):
    """Something that can deliver an alert message, or raise DeliveryError."""

    @property
    def name(self) -> str:
        """The channel's name in the configuration."""

    def send(self, message: AlertMessage) -> None:
        """Deliver one message."""

    def describe(self) -> str:
        """Where messages go, without secrets."""


def _secret(env: Env, name: str | None, key: str) -> str | None:
    if name is None:
        return None
    value = env.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} (named by {key}) is not set")
    return remember_secret(value)


def build_mail(message: AlertMessage, sender: str, recipients: list[str]) -> EmailMessage:
    """A multipart/alternative mail: plain text first, HTML second, a stable Message-ID."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(message.created_at)
    domain = sender.rsplit("@", 1)[-1]
    # The same alert keeps the same id on a retry, so a mail client can fold a rare duplicate.
    mail["Message-ID"] = f"<ror-alert-{message.alert_id}.{int(message.created_at.timestamp())}@{domain}>"
    mail["X-Ror-Alert"] = f"{message.detector}; profile={message.profile}; id={message.alert_id}"
    mail.set_content(message.text())
    mail.add_alternative(message.html(), subtype="html")
    return mail


@dataclass
class EmailChannel:
    """SMTP with STARTTLS (default), implicit TLS ("ssl") or none; credentials from the environment."""

    config: ChannelConfig
    env: Env = field(default_factory=lambda: os.environ)
    base_dir: Path = Path(".")

    @property
    def name(self) -> str:
        """The channel's name."""
        return self.config.name

    def describe(self) -> str:
        """Server and recipients."""
        c = self.config
        return f"email via {c.smtp_host}:{c.port} ({c.security}) to {', '.join(c.to)}"

    def _tls(self) -> ssl.SSLContext:
        ca_file = self.config.ca_file
        if ca_file and not Path(ca_file).is_absolute():
            ca_file = str(self.base_dir / ca_file)
        return ssl.create_default_context(cafile=ca_file)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "ssl":
            return smtplib.SMTP_SSL(c.smtp_host or "", c.port, timeout=c.timeout_seconds, context=self._tls())
        return smtplib.SMTP(c.smtp_host or "", c.port, timeout=c.timeout_seconds)

    def send(self, message: AlertMessage) -> None:
        """Send one alert mail, or raise DeliveryError naming the server and what went wrong."""
        self.send_mail(build_mail(message, self.config.from_address or "", self.config.to))

    def send_mail(self, mail: EmailMessage) -> None:
        """Send a prepared mail (alerts, the weekly summary) through this channel's server."""
        c = self.config
        user = _secret(self.env, c.username_env, f"channel {c.name!r} username_env")
        password = _secret(self.env, c.password_env, f"channel {c.name!r} password_env")
        try:
            with self._connect() as smtp:
                if c.security == "starttls":
                    smtp.starttls(context=self._tls())
                if user and password:
                    smtp.login(user, password)
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{c.smtp_host}:{c.port}: {type(error).__name__}: {error}") from error


PAYLOADS: dict[str, Callable[[AlertMessage], dict[str, Any]]] = {
    "webhook": AlertMessage.payload, "slack": slack_payload, "teams": teams_payload,
}


WEBHOOK_NAMES = {"webhook": "JSON webhook", "slack": "Slack webhook", "teams": "Teams webhook"}


def redact(url: str) -> str:
    """A webhook URL without its path and query (Slack's and Teams' carry their secret there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


@dataclass
class WebhookChannel:
    """POST the alert as JSON: our generic document, a Slack message, or a Teams Adaptive Card."""

    config: ChannelConfig
    env: Env = field(default_factory=lambda: os.environ)
    transport: httpx.BaseTransport | None = None

    @property
    def name(self) -> str:
        """The channel's name."""
        return self.config.name

    def describe(self) -> str:
        """Kind and host (never the full URL)."""
        where = redact(self.config.url) if self.config.url else f"${self.config.url_env}"
        return f"{WEBHOOK_NAMES[self.config.kind]} {where}"

    def send(self, message: AlertMessage) -> None:
        """POST once; anything but a 2xx answer raises DeliveryError."""
        c = self.config
        url = c.url or _secret(self.env, c.url_env, f"channel {c.name!r} url_env") or ""
        headers = {"User-Agent": DEFAULT_USER_AGENT, "Idempotency-Key": f"ror-alert-{message.alert_id}"}
        token = _secret(self.env, c.bearer_token_env, f"channel {c.name!r} bearer_token_env")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            with httpx.Client(timeout=c.timeout_seconds, transport=self.transport) as client:
                response = client.post(url, json=PAYLOADS[c.kind](message), headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise DeliveryError(f"POST {redact(url)}: {type(error).__name__}: "
                                f"{str(error).replace(url, redact(url))}") from error
        if not response.is_success:
            raise DeliveryError(f"POST {redact(url)}: {response.status_code} {response.reason_phrase}: "
                                f"{response.text[:200]}")


def build_channel(config: ChannelConfig, *, env: Env | None = None, base_dir: Path = Path("."),
                  transport: httpx.BaseTransport | None = None) -> Channel:
    """The channel for one `[[channels]]` entry."""
    env = os.environ if env is None else env
    if config.kind == "email":
        return EmailChannel(config, env, base_dir)
    return WebhookChannel(config, env, transport)


def build_channels(channels: list[ChannelConfig], *, env: Env | None = None, base_dir: Path = Path("."),
                   transport: httpx.BaseTransport | None = None) -> dict[str, Channel]:
    """Every configured channel by name."""
    return {c.name: build_channel(c, env=env, base_dir=base_dir, transport=transport) for c in channels}
