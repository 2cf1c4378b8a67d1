"""The dashboard over real HTTP on loopback: who may see and change what, CSRF, headers, binding, users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from listener.cli.main import app as cli
from listener.config.settings import Config
from listener.daemon.service import Daemon
from listener.dashboard import BindRefusedError, DashboardServer, check_bind
from listener.dashboard.users import UserError, add_user, check_password, list_users
from listener.storage.dashboard_models import AuditRow, InboxStateRow
from listener.storage.upsert import table_of
from tests.dashboard_seed import HOSTILE_ID, PASSWORD, seed, seeded_database
from tests.test_export_data import EXPORT_NOW

DASHBOARD_TABLES = {"dashboard_users", "dashboard_sessions", "inbox_states",
                    "alert_reviews", "dashboard_audit"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Engine, str]]:
    config, engine = seeded_database(tmp_path_factory.mktemp("dashboard"))
    server = DashboardServer(config, engine, "127.0.0.1", 0, clock=lambda: EXPORT_NOW)
    url = server.start()
    yield config, engine, url
    server.stop()
    engine.dispose()


def logged_in(url: str, name: str) -> httpx.Client:
    """A client with a session cookie for `name`."""
    client = httpx.Client(base_url=url, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/", "csrf_token": token})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def handle_form(token: str | None) -> dict[str, str]:
    form = {"action": "handle", "profile": "acme", "platform": "mastodon", "external_id": HOSTILE_ID, "next": "/inbox"}
    return form if token is None else {**form, "csrf_token": token}


def states(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table_of(InboxStateRow))).mappings()]


def test_with_users_every_page_needs_a_login(seeded: tuple[Config, Engine, str]) -> None:
    _, _, url = seeded
    for path in ("/", "/inbox", "/people", "/alerts", "/sources", "/reports", "/explain/2026-10-20"):
        answer = httpx.get(url + path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    wrong = logged_in_fails(url)
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text


def logged_in_fails(url: str) -> httpx.Response:
    client = httpx.Client(base_url=url)
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": "ed", "password": "not it at all", "csrf_token": token})


def test_session_and_csrf_cookies_are_httponly_and_samesite(seeded: tuple[Config, Engine, str]) -> None:
    _, _, url = seeded
    client = httpx.Client(base_url=url)
    first = client.get("/login")
    token = csrf_of(first.text)
    answer = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf_token": token})
    cookies = [first.headers["set-cookie"], answer.headers["set-cookie"]]
    assert all("httponly" in c.lower() and "samesite=lax" in c.lower() for c in cookies), cookies
    assert "script-src 'none'" in answer.headers["content-security-policy"]


def test_a_viewer_reads_everything_and_changes_nothing(seeded: tuple[Config, Engine, str]) -> None:
    _, engine, url = seeded
    viewer = logged_in(url, "vic")
    for path in ("/", "/inbox", "/people", "/alerts", "/sources", "/reports", "/explain/2026-10-20", "/audit"):
        assert viewer.get(path).status_code == 200, path
    page = viewer.get("/inbox?status=all").text
    assert "Mark handled" not in page
    token = csrf_of(page)  # the logout form's token: valid, but a viewer's
    assert viewer.post("/inbox/action", data=handle_form(token)).status_code == 403
    assert viewer.post("/alerts/1/acknowledge", data={"csrf_token": token}).status_code == 403
    assert states(engine) == []


def test_a_change_without_the_csrf_token_is_refused(seeded: tuple[Config, Engine, str]) -> None:
    _, engine, url = seeded
    editor = logged_in(url, "ed")
    assert editor.post("/inbox/action", data=handle_form(None)).status_code == 403
    assert editor.post("/inbox/action", data=handle_form("forged-token")).status_code == 403
    assert states(engine) == []


def test_an_editor_change_is_stored_and_audited(seeded: tuple[Config, Engine, str]) -> None:
    _, engine, url = seeded
    editor = logged_in(url, "ed")
    token = csrf_of(editor.get("/inbox").text)
    form = {**handle_form(token), "action": "tag", "value": "billing, urgent,  billing "}
    assert editor.post("/inbox/action", data=form).status_code == 303
    assert [s["tags"] for s in states(engine)] == [["billing", "urgent"]]
    with engine.connect() as connection:
        audit = connection.execute(select(table_of(AuditRow))).mappings().all()
    assert [(a["actor"], a["action"], a["target"]) for a in audit][-1] == ("ed", "tagged", f"mastodon:{HOSTILE_ID}")
    page = editor.get(f"/audit?target=mastodon:{HOSTILE_ID}").text
    assert '<td>ed</td><td>tagged</td>' in page and "tags: billing, urgent" in page


def test_an_unknown_item_or_page_is_a_404_page(seeded: tuple[Config, Engine, str]) -> None:
    _, _, url = seeded
    editor = logged_in(url, "ed")
    token = csrf_of(editor.get("/inbox").text)
    missing = {**handle_form(token), "external_id": "m:nope"}
    assert editor.post("/inbox/action", data=missing).status_code == 404
    assert editor.get("/explain/1999-01-01").status_code == 404
    assert editor.get("/?profile=nobody").status_code == 404


def test_binding_off_loopback_needs_an_admin(tmp_path: Path, engine: Engine) -> None:
    assert check_bind(engine, "127.0.0.1") is False and check_bind(engine, "localhost") is False
    with pytest.raises(BindRefusedError, match="no admin user"):
        check_bind(engine, "0.0.0.0")
    add_user(engine, "vera", "editor", PASSWORD)
    with pytest.raises(BindRefusedError):
        check_bind(engine, "192.0.2.10")
    add_user(engine, "root", "admin", PASSWORD)
    assert check_bind(engine, "0.0.0.0") is True


def test_ror_serve_refuses_a_public_address_without_an_admin(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    path.write_text('[database]\nurl = "sqlite:///ror.db"\n[[profiles]]\nname = "acme"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(path), "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 8 and "no admin user" in result.output


def test_ror_users_add_stores_an_argon2_hash_and_refuses_bad_input(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ror.toml"
    path.write_text('[database]\nurl = "sqlite:///ror.db"\n[[profiles]]\nname = "acme"\n', encoding="utf-8")
    monkeypatch.setenv("NEW_PASSWORD", PASSWORD)
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "maria", "--role", "editor", "--password-env", "NEW_PASSWORD",
                                "--config", str(path)])
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli, ["users", "add", "maria", "--password-env", "NEW_PASSWORD", "--config", str(path)])
    assert again.exit_code == 2 and "exists already" in again.output
    bad_role = runner.invoke(cli, ["users", "add", "x", "--role", "boss", "--password-env", "NEW_PASSWORD",
                                   "--config", str(path)])
    assert bad_role.exit_code == 2 and "expected one of viewer, editor, admin" in bad_role.output
    from listener.storage.engine import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'ror.db'}")
    assert [u["name"] for u in list_users(engine)] == ["maria"]
    assert check_password(engine, "maria", PASSWORD) is not None and check_password(engine, "maria", "x") is None
    with pytest.raises(UserError, match="too short"):
        add_user(engine, "short", "viewer", "abc")
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(AuditRow))).all()
    assert stored == []


def test_the_daemon_serves_the_dashboard_when_enabled(engine: Engine, tmp_path: Path) -> None:
    config = Config.model_validate({"daemon": {"health": False}, "dashboard": {"enabled": True, "port": 0},
                                    "profiles": [{"name": "acme"}]})
    daemon = Daemon(config, engine)
    daemon.start()
    try:
        assert daemon.dashboard is not None
        page = httpx.get(daemon.dashboard.url + "/sources")
        assert page.status_code == 200 and "Sources" in page.text
    finally:
        daemon.stop(timeout=5)
    with pytest.raises(httpx.ConnectError):
        httpx.get(daemon.dashboard.url + "/sources")


def test_migration_0006_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diff if any(t in repr(d) for t in DASHBOARD_TABLES | {"ix_responses_created"})] == []


def test_without_a_login_only_loopback_host_names_are_answered(engine: Engine) -> None:
    config = Config.model_validate({"profiles": [{"name": "acme"}]})
    server = DashboardServer(config, engine, "127.0.0.1", 0)
    url = server.start()
    try:
        assert httpx.get(url + "/sources").status_code == 200
        port = url.rsplit(":", 1)[1]
        assert httpx.get(url + "/sources", headers={"Host": f"localhost:{port}"}).status_code == 200
        assert httpx.get(url + "/sources", headers={"Host": f"[::1]:{port}"}).status_code == 200
        rebound = httpx.get(url + "/sources", headers={"Host": f"attacker.example:{port}"})
        assert rebound.status_code == 421 and "127.0.0.1" in rebound.text
    finally:
        server.stop()


def test_items_answered_on_the_platform_leave_the_open_list_by_themselves(seeded: tuple[Config, Engine, str]) -> None:
    _, _, url = seeded
    viewer = logged_in(url, "vic")
    answered_on_mastodon = 'data-item="mastodon:m:i2"'  # the brand replied 2.5 hours later (a1)
    assert answered_on_mastodon not in viewer.get("/inbox").text
    assert answered_on_mastodon in viewer.get("/inbox?status=answered").text
    assert 'data-item="mastodon:m:i12"' in viewer.get("/inbox?status=open&platform=mastodon").text


def test_every_page_and_an_inbox_change_work_on_postgresql(pg_engine: Engine) -> None:
    config, engine = seed(pg_engine, str(pg_engine.url), users=False)
    server = DashboardServer(config, engine, "127.0.0.1", 0, clock=lambda: EXPORT_NOW)
    url = server.start()
    try:
        client = httpx.Client(base_url=url)
        for path in ("/", "/explain/2026-10-20", "/inbox?status=all&sentiment=negative&platform=mastodon",
                     "/inbox?status=overdue", "/people", "/people/mastodon:m:alice", "/alerts", "/sources",
                     "/reports", "/reports/acme/2026-W43/acme-2026-W43.csv"):
            assert client.get(path).status_code == 200, path
        token = csrf_of(client.get("/inbox").text)
        for action, value in (("handle", ""), ("assign", "maria"), ("sentiment", "positive")):
            form = {**handle_form(token), "action": action, "value": value}
            assert client.post("/inbox/action", data=form).status_code == 303, action
        assert client.post("/alerts/1/resolve", data={"csrf_token": token}).status_code == 303
        handled = client.get("/inbox?status=handled&sentiment=positive").text
        assert f'data-item="mastodon:{HOSTILE_ID}"' in handled and "assigned to maria" in handled
        assert "resolved by local" in client.get("/alerts").text
    finally:
        server.stop()
