"""Alert settings and channels in the TOML file, and the `ror alerts` commands."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listener.alerts import channel_problems, routing_problems, run_alert_cycle
from listener.cli.main import EXIT_CONFIG, app
from listener.config.alerts import AlertsConfig, ChannelConfig
from listener.config.settings import ConfigError, load_config
from listener.storage.engine import open_database
from tests.conftest import FakeClock
from tests.test_alert_cycle import add_items, make_config
from tests.test_alert_delivery import WebhookServer
from tests.test_alert_noise import Drop, local, simulate

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
PROFILE = """
[[profiles]]
name = "acme"
timezone = "Europe/Berlin"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ror.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return str(caught.value)


def test_example_config_documents_every_alert_and_channel_key() -> None:
    text = EXAMPLE.read_text()
    alerts = load_config(EXAMPLE).profiles[0].alerts
    assert alerts == AlertsConfig()  # the example shows the defaults
    sections = ("sentiment_drop", "volume_spike", "index_drop", "connector_down")
    keys = (set(AlertsConfig.model_fields) - set(sections)) | set(ChannelConfig.model_fields)
    for section in sections:
        assert f"[profiles.alerts.{section}]" in text
        keys |= set(type(getattr(alerts, section)).model_fields)
    for key in sorted(keys):
        assert re.search(rf"^#? *#? *{key} =", text, re.M), key


def test_the_commented_channel_examples_are_valid_channels() -> None:
    block = EXAMPLE.read_text().split("# ---- channels ----")[1].split("# One [[profiles]]")[0]
    lines = [line.removeprefix("# ") for line in block.splitlines()
             if line.startswith("# [[channels]]") or re.match(r"^# [a-z_]+ = ", line)]
    channels = tomllib.loads("\n".join(lines))["channels"]
    assert [ChannelConfig.model_validate(c).kind for c in channels] == ["email", "webhook", "slack", "teams"]


@pytest.mark.parametrize(("snippet", "expected"), [
    ("[profiles.alerts.sentiment_drop]\nwindows_hours = [5]",
     "profiles[0].alerts.sentiment_drop.windows_hours = [5]: a window must divide a day"),
    ("[profiles.alerts]\nthreshold = 2", "profiles[0].alerts.threshold: unknown key"),
    ("[profiles.alerts.connector_down]\nafter_minutes = 0", "profiles[0].alerts.connector_down.after_minutes = 0"),
])
def test_bad_alert_settings_name_the_key(tmp_path: Path, snippet: str, expected: str) -> None:
    assert expected in error_of(tmp_path, PROFILE + snippet)


@pytest.mark.parametrize(("channel", "expected"), [
    ('kind = "slack"\nurl = "https://hooks.slack.com/services/T/B/x"', "put it in an environment variable"),
    ('kind = "email"\nsmtp_host = "mail.example"\nfrom_address = "a@example.com"', "needs to"),
    ('kind = "webhook"\nsmtp_host = "mail.example"\nurl = "https://h.example"',
     "smtp_host is not a key of a 'webhook' channel"),
    ('kind = "webhook"', "exactly one of url, url_env"),
    ('kind = "email"\nsmtp_host = "m"\nfrom_address = "a@x"\nto = ["b@x"]\nusername_env = "U"',
     "set both username_env"),
    ('kind = "teams"\nurl_env = "lower-case"', "channels[0].url_env = 'lower-case'"),
    ('kind = "pager"', "channels[0].kind = 'pager'"),
])
def test_bad_channels_say_what_is_wrong(tmp_path: Path, channel: str, expected: str) -> None:
    message = error_of(tmp_path, f'[[channels]]\nname = "c"\n{channel}\n' + PROFILE)
    assert "ror.toml" in message and expected in message, message


def test_a_profile_naming_an_unknown_channel_stops_the_cycle(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "https://h.example"\n'
                                         + PROFILE + '[profiles.alerts]\nchannels = ["hok"]\n'))
    assert routing_problems(config) == [f"{config.path}: profiles 'acme' alerts.channels names 'hok', "
                                        "which is not a [[channels]] entry (hook)"]
    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    with pytest.raises(ConfigError, match="hok"):
        run_alert_cycle(engine, config, FakeClock())
    engine.dispose()


def test_channel_problems_name_unset_secret_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "ror")
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    config = load_config(write(tmp_path, '[[channels]]\nname = "mail"\nkind = "email"\nsmtp_host = "m.example"\n'
                                         'from_address = "a@example.com"\nto = ["b@example.com"]\n'
                                         'username_env = "TEST_SMTP_USER"\n'
                                         'password_env = "TEST_SMTP_PASSWORD"\n' + PROFILE))
    assert channel_problems(config) == [
        "environment variable TEST_SMTP_PASSWORD (named by channel 'mail' password_env) is not set"]


def config_file(tmp_path: Path, hook_url: str) -> Path:
    return write(tmp_path, f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{hook_url}"\n'
                           f'timeout_seconds = 5\n{PROFILE}')


def test_alerts_list_shows_what_fired_and_how_it_was_delivered(tmp_path: Path) -> None:
    server = WebhookServer()
    try:
        path = config_file(tmp_path, f"{server.url}/in")
        engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
        add_items(engine, simulate(18, seed=11, drops=[Drop(local(16, 12), local(17, 0))]))
        config = make_config(tmp_path, channels=[{"name": "hook", "kind": "webhook", "url": f"{server.url}/in"}])
        for hour in range(0, 54, 6):
            run_alert_cycle(engine, config, FakeClock(local(15) + timedelta(hours=hour, minutes=5)))
        engine.dispose()
    finally:
        server.close()
    result = CliRunner().invoke(app, ["alerts", "list", "--json", "--config", str(path)])
    assert result.exit_code == 0, result.output
    alerts = json.loads(result.stdout)
    assert [(a["detector"], a["deliveries"][0]["status"]) for a in alerts] == [("sentiment_drop", "delivered")]
    table = CliRunner().invoke(app, ["alerts", "list", "--config", str(path)])
    assert "sentiment drop" in table.output and "hook: delivered" in table.output


def test_alerts_test_sends_a_sample_to_one_channel(tmp_path: Path) -> None:
    server = WebhookServer()
    try:
        path = config_file(tmp_path, f"{server.url}/in")
        result = CliRunner().invoke(app, ["alerts", "test", "--channel", "hook", "--config", str(path)])
        assert result.exit_code == 0, result.output
        assert "sent '[ror] TEST: acme: sentiment drop" in result.output
        assert [body["profile"] for _, _, body in server.requests] == ["acme"]
        server.status = 500
        failed = CliRunner().invoke(app, ["alerts", "test", "--channel", "hook", "--config", str(path)])
        assert failed.exit_code == 1 and "not sent" in failed.output and "500" in failed.output
    finally:
        server.close()
    unknown = CliRunner().invoke(app, ["alerts", "test", "--channel", "nope", "--config", str(path)])
    assert unknown.exit_code == EXIT_CONFIG and "no channel named 'nope'" in unknown.output


def test_alerts_run_evaluates_and_delivers_once(tmp_path: Path) -> None:
    path = write(tmp_path, PROFILE)
    result = CliRunner().invoke(app, ["alerts", "run", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 new alert(s); deliveries: 0 delivered" in result.output
