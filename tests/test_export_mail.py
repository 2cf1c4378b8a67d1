"""The weekly HTML summary mailed through the alerts email channel to a real SMTP server on loopback."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from listener.config.settings import load_config
from listener.exports import write_weekly_exports
from tests.conftest import FakeClock
from tests.test_export_cli import write_config
from tests.test_export_data import EXPORT_NOW, XSS_HANDLE, dataset  # noqa: F401  (dataset is a fixture)


class Inbox:
    """Keeps the raw messages the server accepts."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_weekly_html_arrives_by_mail_through_the_alert_channel(dataset: tuple[Engine, Any], tmp_path: Path) -> None:  # noqa: F811
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        channel = (f'[[channels]]\nname = "team-mail"\nkind = "email"\nsmtp_host = "127.0.0.1"\n'
                   f'smtp_port = {port}\nsecurity = "none"\nfrom_address = "ror@acme.example"\n'
                   'to = ["team@acme.example"]\n')
        config = load_config(write_config(tmp_path, dataset[0], 'formats = ["html"]\nemail_channel = "team-mail"',
                                          channel))
        write_weekly_exports(dataset[0], config, FakeClock(EXPORT_NOW))
    finally:
        server.stop()
    (raw,) = inbox.messages
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == "Weekly engagement summary: acme, 2026-W43"
    assert mail["To"] == "team@acme.example"
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<svg class="chart"' in html and XSS_HANDLE not in html and "&lt;script&gt;" in html
