"""GA4 Data API runReport from a loopback server of the documented shape, behind a loopback token endpoint that
checks the service account's signed JWT: days over two pages, a bad row quarantined, the refresh window again,
429 waited out, the token reused until it nearly expires, config and auth errors naming the variable."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine, MetaData, select
from typer.testing import CliRunner

from connectors.errors import AuthError
from connectors.ga4.auth import AccessTokens
from connectors.ga4.reports import Ga4Settings
from listener.cli.main import app
from listener.config.settings import ConfigError, load_config
from listener.imports.api_sources import configured_api_sources
from listener.imports.ga4 import ga4_session, service_account_key, sync_ga4
from tests.cassette import Cassette, load_cassette
from tests.conftest import FakeClock, RecordedSleep
from tests.test_plausible import stored

CONFIG = """
[database]
url = "sqlite:///ror.db"

[[profiles]]
name = "brand"

[profiles.imports.ga4]
property_id = "123456789"
base_url = "{base_url}"
page_size = 3
backfill_days = 5
"""
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"  # written out: a changed scope must fail
EMAIL = "ror-reader@acme-analytics.iam.gserviceaccount.com"
EXAMPLE = Path(__file__).resolve().parent.parent / "listener" / "config" / "config.example.toml"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class GoogleLoopback:
    """A loopback token endpoint that verifies the JWT with the trusted public key, in front of a cassette."""

    def __init__(self, cassette: Cassette, trusted: rsa.RSAPublicKey, clock: FakeClock) -> None:
        self.cassette, self.trusted, self.clock = cassette, trusted, clock
        self.issued: list[str] = []
        self.claims: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                if parts.path == "/token":
                    self._reply(*outer.grant(dict(parse_qsl(raw.decode()))))
                elif self.headers.get("Authorization", "").removeprefix("Bearer ") not in outer.issued:
                    self._reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
                else:
                    outer.cassette.current_body = json.loads(raw)
                    reply = outer.cassette.respond("POST", parts.path, {}, outer.url)
                    status, headers, body = reply if isinstance(reply, tuple) else (
                        reply.status, reply.headers, reply.body.encode())
                    self._reply(status, json.loads(body or b"{}"), headers)

            def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Google's answer to a JWT-bearer grant: a token if signature and claims hold, else invalid_grant."""
        try:
            assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
            claims = jwt.decode(form["assertion"], self.trusted, algorithms=["RS256"], audience=f"{self.url}/token",
                                options={"require": ["iss", "aud", "iat", "exp"], "verify_exp": False,
                                         "verify_iat": False})
            now = int(self.clock().timestamp())  # the injected clock: exp and iat are checked against it here
            assert (claims["iss"], claims["scope"], claims["iat"], claims["exp"]) == (EMAIL, SCOPE, now, now + 3600)
        except (AssertionError, KeyError, jwt.InvalidTokenError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        self.claims.append(claims)
        self.issued.append(f"ya29.test-token-{len(self.issued)}")
        return 200, {"access_token": self.issued[-1], "expires_in": 3599, "token_type": "Bearer"}

    def __enter__(self) -> GoogleLoopback:
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()  # quick to shut down
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def google(signing_key: rsa.RSAPrivateKey) -> Iterator[GoogleLoopback]:
    with GoogleLoopback(load_cassette("ga4"), signing_key.public_key(), FakeClock()) as server:
        yield server


def write_key(path: Path, server: GoogleLoopback, key: rsa.RSAPrivateKey, **changes: Any) -> Path:
    """A service-account key file in Google's layout, pointing at the loopback token endpoint."""
    fields = {"type": "service_account", "project_id": "acme-analytics", "private_key_id": "0123abcd",
              "private_key": pem(key), "client_email": EMAIL, "client_id": "1234567890",
              "token_uri": f"{server.url}/token", **changes}
    path.write_text(json.dumps({k: v for k, v in fields.items() if v is not None}))
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, google: GoogleLoopback,
           signing_key: rsa.RSAPrivateKey) -> Path:
    monkeypatch.setenv("GA4_CREDENTIALS_FILE", str(write_key(tmp_path / "key.json", google, signing_key)))
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG.format(base_url=google.url))
    return path


def test_days_over_two_pages_then_the_refresh_window_again(config: Path, engine: Engine,
                                                           google: GoogleLoopback) -> None:
    profile = load_config(config).profile(None)
    first = sync_ga4(engine, profile, ga4_session(profile.imports.ga4), clock=google.clock)  # type: ignore[arg-type]
    days = stored(engine)
    again = sync_ga4(engine, profile, ga4_session(profile.imports.ga4), clock=google.clock)  # type: ignore[arg-type]
    assert (first.rows, first.new, first.quarantined) == (4, 3, 1)
    assert first.errors == [(0, "2026-11-15: screenPageViews is not a number: '(not set)'")]
    assert days == {"2026-11-13": (100, 0.4, 95.0, 4), "2026-11-14": (70, 0.5, 80.0, 2),
                    "2026-11-17": (150, 0.35, 110.0, 9)}
    assert (again.new, again.known) == (0, 2) and stored(engine)["2026-11-17"] == (160, 0.35, 112.0, 10)
    assert len(google.cassette.requests) == 3 and len(google.issued) == 2  # one token per run, both pages on it


def test_the_token_is_reused_until_it_nearly_expires(config: Path, google: GoogleLoopback) -> None:
    settings = load_config(config).profile(None).imports.ga4
    assert settings is not None
    tokens = AccessTokens(ga4_session(settings), service_account_key(settings), settings.credentials_env,
                          google.clock)
    held = tokens.bearer()
    google.clock.now += timedelta(minutes=54)
    assert tokens.bearer() == held and tokens.exchanges == 1
    google.clock.now += timedelta(minutes=1)  # 5 minutes before the 3599 s run out: a new JWT, a new token
    assert tokens.bearer() != held and tokens.exchanges == 2
    assert google.claims[1]["iat"] - google.claims[0]["iat"] == 55 * 60


def test_a_rate_limit_is_waited_out(config: Path, engine: Engine, google: GoogleLoopback) -> None:
    google.cassette.fail_next(429, {"Retry-After": "2"}, json.dumps({"error": {"status": "RESOURCE_EXHAUSTED"}}))
    sleep = RecordedSleep()
    profile = load_config(config).profile(None)
    result = sync_ga4(engine, profile, ga4_session(profile.imports.ga4, sleep=sleep),  # type: ignore[arg-type]
                      clock=google.clock)
    assert sleep.calls == [pytest.approx(2, abs=1)] and result.new == 3 and len(google.cassette.requests) == 3


def test_a_refused_grant_is_an_auth_error_naming_the_variable_and_not_the_key(
        config: Path, engine: Engine, google: GoogleLoopback, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not the key the endpoint trusts
    monkeypatch.setenv("GA4_CREDENTIALS_FILE", str(write_key(tmp_path / "other.json", google, stranger)))
    caplog.set_level("DEBUG")
    shown = CliRunner().invoke(app, ["import", "ga4", "--config", str(config)])
    assert shown.exit_code == 4 and "$GA4_CREDENTIALS_FILE" in shown.output and "invalid_grant" in shown.output
    secret_lines = pem(stranger).splitlines()[1:-1]
    assert not any(line in shown.output + caplog.text for line in secret_lines)
    assert stored(engine) == {} and google.cassette.requests == []


def test_a_property_without_access_names_the_account_and_the_role(config: Path, engine: Engine,
                                                                 google: GoogleLoopback) -> None:
    config.write_text(config.read_text().replace('"123456789"', '"999999"'))
    profile = load_config(config).profile(None)
    with pytest.raises(AuthError) as raised:
        sync_ga4(engine, profile, ga4_session(profile.imports.ga4), clock=google.clock)  # type: ignore[arg-type]
    assert "403" in str(raised.value) and "$GA4_CREDENTIALS_FILE" in str(raised.value)
    assert str(raised.value).endswith(f"(the service account {EMAIL} needs the Viewer role on property 999999)")
    assert stored(engine) == {}


@pytest.mark.parametrize(("key_file", "expected"), [
    (None, "environment variable GA4_CREDENTIALS_FILE (named by imports.ga4.credentials_env) is not set"),
    ("missing.json", "the service-account key file in $GA4_CREDENTIALS_FILE cannot be read"),
    ("no_email.json", "has no client_email (is it a service-account key?)"),
    ("bad_key.json", "has a private_key that is not an unencrypted PEM key"),
])
def test_a_key_that_cannot_be_used_is_a_one_line_config_error(
        config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, google: GoogleLoopback,
        signing_key: rsa.RSAPrivateKey, key_file: str | None, expected: str) -> None:
    if key_file is None:
        monkeypatch.delenv("GA4_CREDENTIALS_FILE")
    else:
        if key_file == "no_email.json":
            write_key(tmp_path / key_file, google, signing_key, client_email=None)
        elif key_file == "bad_key.json":
            write_key(tmp_path / key_file, google, signing_key, private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n")
        monkeypatch.setenv("GA4_CREDENTIALS_FILE", str(tmp_path / key_file))
    settings = load_config(config).profile(None).imports.ga4
    assert settings is not None
    with pytest.raises(ConfigError) as raised:
        service_account_key(settings)
    assert expected in str(raised.value) and "\n" not in str(raised.value) and "AAAA" not in str(raised.value)
    shown = CliRunner().invoke(app, ["import", "ga4", "--config", str(config)])
    assert shown.exit_code == 3 and "GA4_CREDENTIALS_FILE" in shown.output and google.issued == []


def test_the_daemon_runs_ga4_on_the_import_schedule_and_nothing_secret_is_stored(
        config: Path, engine: Engine, google: GoogleLoopback, signing_key: rsa.RSAPrivateKey) -> None:
    from listener.daemon.service import Daemon
    from listener.daemon.steps import failing_steps

    loaded = load_config(config)
    assert [source.name for source in configured_api_sources(loaded.profile(None))] == ["ga4"]
    Daemon(loaded, engine, clock=google.clock).run_imports("brand")
    assert stored(engine)["2026-11-17"] == (150, 0.35, 110.0, 9) and failing_steps(engine) == []
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        everything = " ".join(str(row) for table in tables.sorted_tables for row in connection.execute(select(table)))
    key_body = "".join(pem(signing_key).splitlines()[1:-1])
    assert "ga4:brand:123456789" in everything
    assert not any(key_body[i:i + 40] in everything for i in range(0, len(key_body), 40))
    assert not any(token in everything for token in google.issued)


def test_the_example_config_documents_every_ga4_key_and_loads(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    section = text.split("# [profiles.imports.ga4]\n", 1)[1].split("\n\n", 1)[0]
    keys = [line[2:].split(" = ", 1)[0] for line in section.splitlines()]
    assert sorted(keys) == sorted(Ga4Settings.model_fields)
    uncommented = "\n".join(line[2:] for line in section.splitlines())
    path = tmp_path / "ror.toml"
    path.write_text(CONFIG.split("[profiles.imports.ga4]")[0] + "[profiles.imports.ga4]\n" + uncommented + "\n")
    loaded = load_config(path).profile(None).imports.ga4
    assert loaded is not None and loaded.property_id == "123456789"
