"""Daemon logs: readable text by default, JSON lines with a flag, and no secret in either."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from listener.config.settings import Config
from listener.daemon.logs import REDACTED, Redactor, config_secrets, configure_logging
from listener.redaction import url_passwords

TOKEN = "tok-7f3a9c2e1b"


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_through(log_format: str, redactor: Redactor, emit: object) -> str:
    stream = io.StringIO()
    configure_logging(log_format, redactor, level=logging.INFO, stream=stream)
    emit()  # type: ignore[operator]
    return stream.getvalue()


def emit_leaky_lines() -> None:
    log = logging.getLogger("ror.test")
    log.info("fetched with token %s", TOKEN)
    log.warning("GET https://x.example/api?access_token=%s failed", "other-secret-123")
    try:
        raise RuntimeError(f"server said: invalid token {TOKEN}")
    except RuntimeError:
        log.exception("sync failed")
    log.info("headers: Authorization: Bearer abc.def.ghi; db postgresql://ror:pa55word@db/ror")


@pytest.mark.usefixtures("restore_root_logging")
def test_text_lines_are_readable_and_carry_no_secret() -> None:
    text = log_through("text", Redactor([TOKEN]), emit_leaky_lines)
    assert " INFO ror.test: fetched with token ***" in text
    assert "Traceback" in text and "invalid token ***" in text
    for secret in (TOKEN, "other-secret-123", "abc.def.ghi", "pa55word"):
        assert secret not in text


@pytest.mark.usefixtures("restore_root_logging")
def test_json_lines_parse_one_object_each_and_carry_no_secret() -> None:
    output = log_through("json", Redactor([TOKEN]), emit_leaky_lines)
    entries = [json.loads(line) for line in output.splitlines()]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR", "INFO"]
    assert entries[0]["message"] == f"fetched with token {REDACTED}" and entries[0]["logger"] == "ror.test"
    assert "invalid token ***" in entries[2]["exception"]
    for secret in (TOKEN, "other-secret-123", "abc.def.ghi", "pa55word"):
        assert secret not in output


@pytest.mark.usefixtures("restore_root_logging")
def test_json_lines_keep_extra_fields() -> None:
    output = log_through("json", Redactor(), lambda: logging.getLogger("ror").info("done", extra={"source": "acme"}))
    assert json.loads(output)["source"] == "acme"


def test_the_secrets_are_the_values_of_the_variables_the_config_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAND_TOKEN", TOKEN)
    monkeypatch.setenv("ROR_DB_URL", "postgresql://ror:s3cr3t-pw@127.0.0.1/ror")
    config = Config.model_validate({
        "database": {"url_env": "ROR_DB_URL"},
        "profiles": [{"name": "acme", "sources": [{"name": "m", "platform": "mastodon", "base_url": "https://m.example",
                                                    "account": "acme", "token_env": "BRAND_TOKEN"}]}],
    })
    secrets = config_secrets(config)
    assert TOKEN in secrets and "s3cr3t-pw" in secrets
    assert Redactor(secrets)("password s3cr3t-pw and token " + TOKEN) == "password *** and token ***"


def test_short_values_are_not_treated_as_secrets() -> None:
    assert Redactor(["ab", ""])("a cab ab") == "a cab ab"


@pytest.mark.parametrize("url", [
    "postgresql://ror:s3cr3t-pw@127.0.0.1/ror", "postgresql+psycopg://ror:s3cr%40t-pw@db:5432/ror?sslmode=require",
    "postgresql://ror:pass@word@db/ror", "postgresql://:only-a-password@db/ror", "postgresql://u:p%2Fx%3Ayz@[::1]/ror",
])
def test_a_database_urls_password_is_found_as_sqlalchemy_reads_it(url: str) -> None:
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    assert password and password in url_passwords(url)
    assert Redactor(url_passwords(url))(f"failed for {password}") == "failed for ***"


def test_values_without_a_password_give_none() -> None:
    assert url_passwords("postgresql://ror@db/ror") == url_passwords("tok-7f3a9c2e1b") == []
    assert url_passwords("http://[broken/x") == []


@pytest.mark.parametrize("url", ["postgresql://127.0.0.1:54321/ror", "postgresql://ror@127.0.0.1:54321/ror",
                                 "https://hooks.example:8443/x", "postgresql:///ror?host=/run/pg&port=5432"])
def test_a_port_is_no_password(url: str) -> None:
    # a port taken for a password would redact those digits in every number the CLI prints, JSON included
    assert url_passwords(url) == []
    printed = '{"compound": 0.1543217, "port": 54321}'
    assert Redactor(url_passwords(url))(printed) == printed
