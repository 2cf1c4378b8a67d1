"""Matomo VisitsSummary.get from a loopback server of the documented shape: days keyed by date, an empty day
skipped, a broken day quarantined, the refresh window again on the next run, the token only in the POST body."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from connectors.errors import AuthError
from listener.cli.main import app
from listener.config.settings import load_config
from listener.imports.matomo import matomo_session, sync_matomo
from tests.cassette import CassetteServer, load_cassette
from tests.conftest import FakeClock
from tests.test_plausible import stored

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.matomo]
base_url = "{base_url}"
site_id = {site}
backfill_days = 5
"""
TOKEN = "matomo-token-0123456789abcdef"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATOMO_TOKEN", TOKEN)
    return tmp_path / "ror.toml"


def test_site_days_then_the_refresh_window_again(config: Path, engine: Engine) -> None:
    cassette = load_cassette("matomo")
    with CassetteServer(cassette) as server:
        config.write_text(CONFIG.format(base_url=server.url, site=1))
        profile = load_config(config).profile(None)
        session = matomo_session(profile.imports.matomo)  # type: ignore[arg-type]
        first = sync_matomo(engine, profile, session, clock=FakeClock())
        days = stored(engine)
        again = sync_matomo(engine, profile, session, clock=FakeClock())
    assert (first.rows, first.new, first.quarantined) == (4, 3, 1) and "not a count" in first.errors[0][1]
    assert days == {"2026-11-13": (100, 0.4, 95.0, 4), "2026-11-14": (70, 0.5, 80.0, 2),
                    "2026-11-17": (150, 52 / 150, 110.0, 9)}  # bounce rate and time on site from the sums
    assert (again.new, again.known) == (0, 2) and stored(engine)["2026-11-17"] == (160, 0.35, 112.0, 10)
    assert all(TOKEN not in request for request in cassette.requests)  # the token never in the address


def test_an_access_error_is_reported_not_stored(config: Path, engine: Engine) -> None:
    with CassetteServer(load_cassette("matomo")) as server:
        config.write_text(CONFIG.format(base_url=server.url, site=2))
        profile = load_config(config).profile(None)
        with pytest.raises(AuthError, match="requires 'view' access"):
            sync_matomo(engine, profile, matomo_session(profile.imports.matomo), clock=FakeClock())  # type: ignore[arg-type]
        shown = CliRunner().invoke(app, ["import", "matomo", "--config", str(config)])
    assert shown.exit_code == 4 and "matomo failed" in shown.output and stored(engine) == {}
