"""`ror export` and the daemon's entry point `write_weekly_exports`, e-mail hook included."""

from __future__ import annotations

import json
import logging
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from connectors.clock import utc_now
from listener.alerts.channels import EmailChannel
from listener.cli.main import EXIT_CONFIG, EXIT_USAGE, app
from listener.config.settings import ProfileConfig, load_config
from listener.exports import ExportError, IsoWeek, exports_problems, write_weekly_exports
from listener.exports import mail as export_mail
from tests.conftest import FakeClock
from tests.test_export_data import EXPORT_NOW, XSS_HANDLE, dataset  # noqa: F401  (dataset is a fixture)

CHANNEL = """
[[channels]]
name = "team-mail"
kind = "email"
smtp_host = "127.0.0.1"
from_address = "ror@acme.example"
to = ["alerts@acme.example"]

[[channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:9/hook"
"""


def write_config(tmp_path: Path, engine: Engine, exports: str = "", extra: str = "") -> Path:
    path = tmp_path / "ror.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{engine.url.database}"\n{extra}\n'
                    f'[[profiles]]\nname = "acme"\ntimezone = "Europe/Berlin"\n[profiles.exports]\n{exports}\n',
                    encoding="utf-8")
    return path


def test_export_writes_the_chosen_formats_for_a_week(dataset: tuple[Engine, Any], tmp_path: Path,  # noqa: F811
                                                     caplog: pytest.LogCaptureFixture) -> None:
    config = write_config(tmp_path, dataset[0])
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="ror"):
        result = CliRunner().invoke(app, ["export", "--week", "2026-W43", "--format", "csv", "--format", "md",
                                          "--out", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["acme-2026-W43-items.csv", "acme-2026-W43.csv", "acme-2026-W43.md"]
    assert "acme 2026-W43: " in result.output and str(out / "acme-2026-W43.md") in result.output
    assert "| Owned posts | 0 | 1 | 2 | 3 |" in (out / "acme-2026-W43.md").read_text()
    assert "export acme 2026-W43: done, 11" in caplog.text  # progress: nine reading steps and two formats


def test_export_defaults_to_the_last_complete_week_and_the_configured_directory(
        dataset: tuple[Engine, Any], tmp_path: Path) -> None:  # noqa: F811
    config = write_config(tmp_path, dataset[0], 'output_dir = "weekly"\nformats = ["json"]')
    zone = load_config(config).profiles[0].zone
    before = IsoWeek.last_complete(utc_now(), zone)
    result = CliRunner().invoke(app, ["export", "--config", str(config)])
    after = IsoWeek.last_complete(utc_now(), zone)  # the same week unless a Monday midnight passed meanwhile
    assert result.exit_code == 0, result.output
    written = [p.name for p in (tmp_path / "weekly").iterdir()]
    assert written in ([f"acme-{before.label}.json"], [f"acme-{after.label}.json"])
    assert json.loads((tmp_path / "weekly" / written[0]).read_text())["week"] in (before.label, after.label)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--week", "2026-47"], EXIT_USAGE, "expected YYYY-Www"),
    (["--week", "2025-W53"], EXIT_USAGE, "2025 has no ISO week 53"),
    (["--format", "pdf"], EXIT_USAGE, "pdf"),
    (["--profile", "nobody"], EXIT_CONFIG, "no profile named 'nobody'"),
    (["--week", "2099-W01"], EXIT_USAGE, "has not started yet"),
    (["--week", "2026-W43", "--mail"], EXIT_CONFIG, "no exports.email_channel"),
])
def test_export_usage_errors(dataset: tuple[Engine, Any], tmp_path: Path, args: list[str], code: int,  # noqa: F811
                             message: str) -> None:
    result = CliRunner().invoke(app, ["export", *args, "--config", str(write_config(tmp_path, dataset[0]))])
    assert result.exit_code == code and message in result.output


def test_the_daemon_entry_point_writes_every_format_for_last_week(dataset: tuple[Engine, Any], tmp_path: Path) -> None:  # noqa: F811
    engine = dataset[0]
    config = load_config(write_config(tmp_path, engine, 'output_dir = "exports"'))
    paths = write_weekly_exports(engine, config, FakeClock(EXPORT_NOW))
    assert sorted(p.name for p in paths) == sorted(f"acme-2026-W43{s}" for s in
                                                   (".csv", "-items.csv", ".json", ".md", ".html"))
    assert all(p.parent == tmp_path / "exports" and p.stat().st_size > 0 for p in paths)
    assert write_weekly_exports(engine, config, FakeClock(EXPORT_NOW)) == paths  # idempotent: same files again


def test_disabled_profiles_are_skipped_and_a_failing_one_does_not_stop_the_others(
        dataset: tuple[Engine, Any], tmp_path: Path) -> None:  # noqa: F811
    engine = dataset[0]
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    config = load_config(write_config(tmp_path, engine, f'output_dir = "{blocker}"'))
    config.profiles.append(ProfileConfig.model_validate({"name": "other", "exports": {"formats": ["md"]}}))
    config.profiles.append(ProfileConfig.model_validate({"name": "off", "exports": {"enabled": False}}))
    with pytest.raises(ExportError, match="acme 2026-W43"):
        write_weekly_exports(engine, config, FakeClock(EXPORT_NOW))
    assert (tmp_path / "exports" / "other-2026-W43.md").exists()
    assert not list((tmp_path / "exports").glob("off-*"))


class FakeMailChannel(EmailChannel):
    """Stands in for the alerts email channel: records what it is asked to send."""

    sent: ClassVar[list[EmailMessage]] = []

    def __init__(self) -> None:  # no SMTP settings needed: nothing is sent
        pass

    def send_mail(self, message: EmailMessage) -> None:
        self.sent.append(message)


def test_the_html_is_mailed_through_the_named_alert_channel(dataset: tuple[Engine, Any], tmp_path: Path,  # noqa: F811
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    monkeypatch.setattr(export_mail, "build_channel", lambda channel, **_: built.append(channel) or FakeMailChannel())
    FakeMailChannel.sent = []
    config = load_config(write_config(tmp_path, dataset[0], 'formats = ["md"]\nemail_channel = "team-mail"\n'
                                      'email_to = ["team@acme.example"]', CHANNEL))
    write_weekly_exports(dataset[0], config, FakeClock(EXPORT_NOW))
    assert [c.name for c in built] == ["team-mail"]
    (mail,) = FakeMailChannel.sent
    assert mail["Subject"] == "Weekly engagement summary: acme, 2026-W43"
    assert mail["To"] == "team@acme.example" and mail["From"] == "ror@acme.example"
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<svg class=\"chart\"" in html and XSS_HANDLE not in html and "&lt;script&gt;" in html
    assert [a.get_filename() for a in mail.iter_attachments()] == ["acme-2026-W43.html"]


def test_mailing_through_a_channel_that_is_not_email_fails_loudly_after_the_files_are_written(
        dataset: tuple[Engine, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(export_mail, "build_channel", lambda channel, **_: object())
    config = load_config(write_config(tmp_path, dataset[0], 'email_channel = "team-mail"', CHANNEL))
    with pytest.raises(ExportError, match="needs an email one"):
        write_weekly_exports(dataset[0], config, FakeClock(EXPORT_NOW))
    assert (tmp_path / "exports" / "acme-2026-W43.html").exists()  # the files are written before mailing


def test_email_channel_must_name_an_email_channel(dataset: tuple[Engine, Any], tmp_path: Path) -> None:  # noqa: F811
    unknown = load_config(write_config(tmp_path, dataset[0], 'email_channel = "nope"', CHANNEL))
    assert exports_problems(unknown) == [f"profile 'acme': {unknown.path}: profiles.exports.email_channel = 'nope': "
                                         "no [[channels]] entry has that name (channels: team-mail, hook)"]
    webhook = load_config(write_config(tmp_path, dataset[0], 'email_channel = "hook"', CHANNEL))
    assert "that channel is a webhook channel" in exports_problems(webhook)[0]


def test_export_mail_sends_the_chosen_week_by_hand_and_the_daemon_says_it_mailed(
        dataset: tuple[Engine, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(export_mail, "build_channel", lambda channel, **_: FakeMailChannel())
    FakeMailChannel.sent = []
    config = write_config(tmp_path, dataset[0], 'email_channel = "team-mail"', CHANNEL)
    result = CliRunner().invoke(app, ["export", "--week", "2026-W43", "--format", "md", "--mail",
                                      "--out", str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "acme 2026-W43: mailed through team-mail" in result.output
    assert [m["Subject"] for m in FakeMailChannel.sent] == ["Weekly engagement summary: acme, 2026-W43"]
    with caplog.at_level(logging.INFO, logger="ror"):
        write_weekly_exports(dataset[0], load_config(config), FakeClock(EXPORT_NOW))
    assert "weekly summary of acme 2026-W43 mailed through channel team-mail" in caplog.text
