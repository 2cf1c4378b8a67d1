"""Mastodon against real recordings (Mastodon.py cassettes): mentions, reply roots, end to end through `ror sync`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from connectors.mastodon.connector import MastodonApi, MastodonSettings
from listener.cli.main import app
from listener.storage.models import ItemRow
from listener.storage.store import ensure_profile, save_page
from listener.storage.upsert import table_of
from tests.cassette import Cassette
from tests.conftest import FakeClock, RecordedSleep
from tests.real_recordings import cassette_of, real_body, recorded_now, serve
from tests.real_sync import ror_sync

NOW = datetime(2026, 8, 2, tzinfo=UTC)
BRAND_ID = "117020565966271181"  # mastodonpy_test on the recording's local server
SOURCE = """platform = "mastodon"
account = "mastodonpy_test"
mentions = true
token_env = "REAL_MASTODON_TOKEN"
backfill_days = 30
"""


def brand_account() -> dict:
    return real_body("mastodon", "accounts_statuses.json")[0]["account"]


def mastodon_replay(notifications: str = "notifications_types_mention.json") -> Cassette:
    """The brand's statuses and mentions as the recordings show them; a min_id past every id gives []."""
    statuses = f"/api/v1/accounts/{BRAND_ID}/statuses"
    newest_status = "117020580518794573"
    return cassette_of(
        serve("/api/v1/accounts/lookup", brand_account(), {"acct": "mastodonpy_test"}),
        serve(statuses, [], {"min_id": newest_status}),
        serve(statuses, real_body("mastodon", "accounts_statuses.json"), {"min_id": "*"}),
        # Notification ids are the server's sequence: a min_id built from a date is past all of them.
        serve("/api/v1/notifications", [], {"types[]": "mention", "min_id": "*"}),
        serve("/api/v1/notifications", real_body("mastodon", notifications), {"types[]": "mention"}),
    )


def test_mentions_are_collected_though_notification_ids_are_a_sequence(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_MASTODON_TOKEN", "not-a-real-token")
    run = ror_sync(tmp_path, monkeypatch, mastodon_replay(), SOURCE, NOW)
    mention_status = real_body("mastodon", "notifications_types_mention.json")[0]["status"]
    stored = run.items()
    mentions = [i for i in stored.values() if i["kind"] == "mention"]
    assert [m["external_id"].split("/", 1)[1] for m in mentions] == [mention_status["id"]], run.result.output
    assert run.cursors()["mentions"] == "21"


@pytest.mark.parametrize("parent_last", [False, True], ids=["parent first", "parent last"])
def test_a_reply_read_from_a_timeline_gets_its_root_from_its_parent(engine: Engine, clock: FakeClock,
                                                                    sleep: RecordedSleep, parent_last: bool) -> None:
    thread = real_body("mastodon", "status_context.json")
    top, reply = thread["ancestors"][0], dict(thread["descendants"][0])
    deeper = {**reply, "id": "110446984249325999", "in_reply_to_id": reply["id"]}
    reply["in_reply_to_id"] = top["id"]  # the recording's middle status is not captured: reply to the top
    api = MastodonApi(MastodonSettings(name="m", platform="mastodon", base_url="https://mastodon.social",
                                       account="halcy"), session=None)  # type: ignore[arg-type]
    api._brand = top["account"]
    pages = [("tag:x", [top]), ("mentions", [reply, deeper])]  # a later page: the reply and a reply to it
    with engine.begin() as connection:
        profile = ensure_profile(connection, "brand", "UTC")
    for stream, statuses in (reversed(pages) if parent_last else pages):
        with engine.begin() as connection:
            save_page(connection, profile, "m", stream, api.page_of_statuses(statuses), clock())
    with engine.connect() as connection:
        items = table_of(ItemRow)
        roots = dict(connection.execute(select(items.c.external_id, items.c.root_external_id)).all())
    root = f"mastodon.social/{top['id']}"
    assert roots[f"mastodon.social/{reply['id']}"] == root and roots[f"mastodon.social/{deeper['id']}"] == root


def test_notifications_of_other_types_are_counted_not_quarantined(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that ignores types[]=mention: admin.sign_up notifications carry no `status` key at all.
    monkeypatch.setenv("REAL_MASTODON_TOKEN", "not-a-real-token")
    run = ror_sync(tmp_path, monkeypatch, mastodon_replay("notifications_admin_sign_up.json"), SOURCE, NOW)
    assert run.quarantine() == [] and run.result.exit_code == 0, run.result.output
    assert run.cursors()["mentions"] == "5"


def test_grouped_notifications_are_read_where_version_1_answers_404(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REAL_MASTODON_TOKEN", "not-a-real-token")
    grouped = real_body("mastodon", "notifications_v2_grouped.json")  # mastodon.social, 40 mention groups
    replay = mastodon_replay()
    replay.interactions = [i for i in replay.interactions if i["request"]["path"] != "/api/v1/notifications"] + [
        serve("/api/v2/notifications", [], {"types[]": "mention", "min_id": "*"}),
        serve("/api/v2/notifications", grouped, {"types[]": "mention"})]
    source = SOURCE.replace("backfill_days = 30", "backfill_days = 365")
    now = recorded_now(grouped, real_body("mastodon", "accounts_statuses.json"))
    run = ror_sync(tmp_path, monkeypatch, replay, source, now)
    stored = {key.split("/", 1)[1]: row for key, row in run.items().items()}
    assert grouped["statuses"][0]["id"] in stored and len(stored) == 5 + 1, run.result.output  # 5 own statuses
    assert run.cursors()["mentions"] == str(grouped["notification_groups"][0]["most_recent_notification_id"])
    gone = sum(g["status_id"] is None for g in grouped["notification_groups"])
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(tmp_path / "ror.toml")]).output
    assert json.loads(status)[0]["last_run"]["streams"]["mentions"]["skipped"] == {"mention of a deleted status": gone}
