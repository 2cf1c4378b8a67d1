"""Deliveries end to end: a real SMTP server (aiosmtpd) and a real HTTP server on loopback receive
the alert; a server that is down gets it exactly once when it comes back; nothing is re-sent."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from listener.alerts import deliver_pending, list_alerts, run_alert_cycle
from listener.alerts.outbox import NewAlert, store_alerts
from listener.config.settings import Config
from listener.storage.engine import open_database
from listener.storage.store import ensure_profile
from tests.conftest import FakeClock
from tests.test_alert_cycle import make_config

SECRET_PATH = "T000/B000/s3cr3t-hook"
ITEM = {"platform": "mastodon", "author": "mallory", "compound": -0.91, "created_at": "2026-11-18T10:14:00+00:00",
        "text": "<script>alert('x')</script> worst & slowest [click](https://evil.example) <b>ever</b>",
        "url": "https://mastodon.example/@mallory/1"}
FACTS: dict[str, Any] = {
    "profile": "acme", "timezone": "Europe/Berlin", "detector": "sentiment_drop", "window": "6h",
    "window_start": "2026-11-18T05:00:00+00:00", "observed_at": "2026-11-18T11:00:00+00:00",
    "held_buckets": 2, "held_since": "2026-11-18T05:00:00+00:00", "volume": 48, "min_volume": 20, "k": 3.0,
    "provisional": True,
    "readings": {
        "net": {"value": -0.12, "baseline": 0.54, "sd": 0.14, "worse": 0.66, "margin": 0.2, "noise": 0.1},
        "negative": {"value": 0.41, "baseline": 0.15, "sd": 0.06, "worse": 0.26, "margin": 0.1, "noise": 0.04}},
    "items": [ITEM, {**ITEM, "url": "javascript:alert(1)", "author": None, "text": "plain"}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the channel trusts it through ca_file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def only_user(user: str, password: str) -> Any:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        given = (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else None
        ok = given == (user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)
    return authenticate


def smtp_server(port: int, cert: tuple[Path, Path] | None, mode: str, inbox: Inbox) -> Controller:
    """A real SMTP server on 127.0.0.1:port requiring STARTTLS + AUTH, or speaking TLS from the start."""
    context = None
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    if mode == "ssl":
        return Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context)
    return Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                      authenticator=only_user("ror", "pa55"), auth_require_tls=True, auth_required=True)


def mail_channel(port: int, cert: Path, security: str = "starttls", **extra: Any) -> dict[str, Any]:
    return {"name": "ops-mail", "kind": "email", "smtp_host": "127.0.0.1", "smtp_port": port, "security": security,
            "from_address": "ror@acme.example", "to": ["community@acme.example", "oncall@acme.example"],
            "ca_file": str(cert), "timeout_seconds": 5, **extra}


def store_one_alert(engine: Engine, config: Config, clock: FakeClock) -> int:
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, "acme", "Europe/Berlin")
        alert = NewAlert("sentiment_drop", "sentiment_drop:6h", clock.now - timedelta(hours=6), clock.now,
                         "[ror] acme: sentiment drop over the last 6h", True, FACTS)
        return store_alerts(connection, profile_id, [alert], config.channels, clock.now)[0]


def delivery(engine: Engine, channel: str) -> dict[str, Any]:
    return next(d for d in list_alerts(engine)[0]["deliveries"] if d["channel"] == channel)


def test_alert_mail_arrives_over_starttls_with_credentials_from_env(
        engine: Engine, tmp_path: Path, certificate: tuple[Path, Path], clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "ror")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "pa55")
    port, inbox = free_port(), Inbox()
    config = make_config(tmp_path, channels=[mail_channel(port, certificate[0], username_env="TEST_SMTP_USER",
                                                          password_env="TEST_SMTP_PASSWORD")])
    alert_id = store_one_alert(engine, config, clock)
    server = smtp_server(port, certificate, "starttls", inbox)
    server.start()
    try:
        report = deliver_pending(engine, config, clock)
    finally:
        server.stop()
    assert len(report.delivered) == 1 and len(inbox.messages) == 1
    sender, recipients, mail = inbox.messages[0]
    assert sender == "ror@acme.example" and recipients == ["community@acme.example", "oncall@acme.example"]
    assert mail["Subject"] == "[ror] acme: sentiment drop over the last 6h"
    assert mail["Message-ID"].startswith(f"<ror-alert-{alert_id}.")
    text = mail.get_body(("plain",)).get_content()
    assert "Net sentiment: -0.12 (baseline +0.54 ± 0.14" in text and "Negative share: 41% (baseline 15%" in text
    assert "48 inbound items" in text and "2026-11-18 06:00 to 2026-11-18 12:00 CET" in text
    assert "https://mastodon.example/@mallory/1" in text and "Provisional" in text
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert '<a href="https://mastodon.example/@mallory/1">' in html and "javascript:" not in html
    assert "pa55" not in mail.as_string()
    assert delivery(engine, "ops-mail")["status"] == "delivered"


def test_a_rejected_smtp_password_is_retried_and_never_logged(engine: Engine, tmp_path: Path,
                                                                certificate: tuple[Path, Path], clock: FakeClock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "ror")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-pa55")
    port, inbox = free_port(), Inbox()
    config = make_config(tmp_path, channels=[mail_channel(port, certificate[0], username_env="TEST_SMTP_USER",
                                                          password_env="TEST_SMTP_PASSWORD")])
    store_one_alert(engine, config, clock)
    server = smtp_server(port, certificate, "starttls", inbox)
    server.start()
    try:
        deliver_pending(engine, config, clock)
    finally:
        server.stop()
    state = delivery(engine, "ops-mail")
    assert state["status"] == "retrying" and "SMTPAuthenticationError" in state["last_error"]
    assert "wrong-pa55" not in state["last_error"] and inbox.messages == []


def test_alert_mail_over_implicit_tls(engine: Engine, tmp_path: Path, certificate: tuple[Path, Path],
                                      clock: FakeClock) -> None:
    port, inbox = free_port(), Inbox()
    config = make_config(tmp_path, channels=[mail_channel(port, certificate[0], security="ssl")])
    store_one_alert(engine, config, clock)
    server = smtp_server(port, certificate, "ssl", inbox)
    server.start()
    try:
        deliver_pending(engine, config, clock)
    finally:
        server.stop()
    assert [m[2]["Subject"] for m in inbox.messages] == ["[ror] acme: sentiment drop over the last 6h"]


def test_mail_server_down_then_up_delivers_exactly_once(tmp_path: Path, certificate: tuple[Path, Path],
                                                        clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "ror")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "pa55")
    url = f"sqlite:///{tmp_path / 'ror.db'}"
    engine = open_database(url)
    port, inbox = free_port(), Inbox()
    config = make_config(tmp_path, channels=[mail_channel(port, certificate[0], username_env="TEST_SMTP_USER",
                                                          password_env="TEST_SMTP_PASSWORD")])
    store_one_alert(engine, config, clock)
    deliver_pending(engine, config, clock)  # nothing listens on the port
    first = delivery(engine, "ops-mail")
    assert first["status"] == "retrying" and first["attempts"] == 1 and "ConnectionRefusedError" in first["last_error"]
    assert first["next_attempt_at"] == (clock.now + timedelta(seconds=60)).isoformat()
    clock.now += timedelta(seconds=30)
    assert deliver_pending(engine, config, clock).retrying == []  # not due yet: no attempt
    clock.now += timedelta(seconds=31)
    deliver_pending(engine, config, clock)
    assert delivery(engine, "ops-mail")["attempts"] == 2  # still down; next wait 120 s
    server = smtp_server(port, certificate, "starttls", inbox)
    server.start()
    try:
        clock.now += timedelta(seconds=121)
        assert len(deliver_pending(engine, config, clock).delivered) == 1
        for _ in range(3):
            clock.now += timedelta(hours=1)
            deliver_pending(engine, config, clock)
        engine.dispose()
        restarted = open_database(url)  # a restart does not re-send what was delivered
        run_alert_cycle(restarted, config, clock)
        assert delivery(restarted, "ops-mail")["status"] == "delivered"
        restarted.dispose()
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    assert delivery_attempts(url) == 3


def delivery_attempts(url: str) -> int:
    engine = open_database(url)
    try:
        return int(delivery(engine, "ops-mail")["attempts"])
    finally:
        engine.dispose()


class WebhookServer:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers with `status`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer()
    yield server
    server.close()


def test_generic_slack_and_teams_webhooks_receive_the_alert(
        engine: Engine, tmp_path: Path, clock: FakeClock, webhook: WebhookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HOOK_TOKEN", "tok-123")
    monkeypatch.setenv("TEST_SLACK_URL", f"{webhook.url}/slack/{SECRET_PATH}")
    monkeypatch.setenv("TEST_TEAMS_URL", f"{webhook.url}/teams/{SECRET_PATH}")
    config = make_config(tmp_path, channels=[
        {"name": "hook", "kind": "webhook", "url": f"{webhook.url}/alerts", "bearer_token_env": "TEST_HOOK_TOKEN"},
        {"name": "slack", "kind": "slack", "url_env": "TEST_SLACK_URL"},
        {"name": "teams", "kind": "teams", "url_env": "TEST_TEAMS_URL"},
    ])
    alert_id = store_one_alert(engine, config, clock)
    assert len(deliver_pending(engine, config, clock).delivered) == 3
    got = {path.split("/")[1]: (headers, body) for path, headers, body in webhook.requests}
    headers, generic = got["alerts"]
    assert headers["Authorization"] == "Bearer tok-123" and headers["Idempotency-Key"] == f"ror-alert-{alert_id}"
    assert generic["schema"] == "ror-alert/1" and generic["id"] == alert_id and generic["profile"] == "acme"
    assert generic["detector"] == "sentiment_drop" and generic["facts"]["readings"]["net"]["baseline"] == 0.54
    assert generic["items"][0]["text"] == ITEM["text"] and generic["provisional"] is True
    slack = json.dumps(got["slack"][1])
    assert "&lt;script&gt;" in slack and "<script>" not in slack
    assert "<https://mastodon.example/@mallory/1|@mallory" in slack
    card = got["teams"][1]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    teams = json.dumps(card)
    assert "[click](https://evil.example)" not in teams and "\\\\[click\\\\]" in teams


def test_a_failing_webhook_is_retried_with_backoff_then_expires_without_leaking_its_url(
        engine: Engine, tmp_path: Path, clock: FakeClock, webhook: WebhookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SLACK_URL", f"{webhook.url}/{SECRET_PATH}")
    config = make_config(tmp_path, channels=[{"name": "slack", "kind": "slack", "url_env": "TEST_SLACK_URL",
                                              "retry_initial_seconds": 10, "retry_max_seconds": 40,
                                              "expire_after_hours": 1}])
    store_one_alert(engine, config, clock)
    webhook.status = 503
    waits = []
    for _ in range(6):
        deliver_pending(engine, config, clock)
        next_attempt = datetime.fromisoformat(delivery(engine, "slack")["next_attempt_at"])
        waits.append((next_attempt - clock.now).total_seconds())
        clock.now = next_attempt
    assert waits == [10, 20, 40, 40, 40, 40]
    state = delivery(engine, "slack")
    assert state["status"] == "retrying" and state["attempts"] == 6
    assert "503" in state["last_error"] and SECRET_PATH not in state["last_error"]
    clock.now += timedelta(hours=1)
    report = deliver_pending(engine, config, clock)
    assert len(report.expired) == 1 and delivery(engine, "slack")["status"] == "expired"
    assert len(webhook.requests) == 6


def test_an_unset_secret_variable_is_stored_as_the_delivery_error(
        engine: Engine, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_TEAMS_URL", raising=False)
    config = make_config(tmp_path, channels=[{"name": "teams", "kind": "teams", "url_env": "TEST_TEAMS_URL"}])
    store_one_alert(engine, config, clock)
    deliver_pending(engine, config, clock)
    state = delivery(engine, "teams")
    assert state["status"] == "retrying" and "TEST_TEAMS_URL" in state["last_error"]
