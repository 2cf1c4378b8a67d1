"""Unit checks behind the fault suite: the connector boundary, cursors, deadlines, runs, redaction, inert text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from connectors.base import Author, Counters, Item, Page, SourceSettings, Stream, SyncContext
from connectors.errors import CursorRefusedError, TransientError
from connectors.http import HttpSession, RetryPolicy
from connectors.limits import SyncLimits, sync_deadline
from connectors.mastodon.connector import id_order
from connectors.pagination import cursor_within_page
from connectors.validate import id_problem, item_problem, screen_page
from listener.collect.sync import sync_source
from listener.exports.safety import escape_html, escape_markdown, inert_text, neutralise_cell
from listener.redaction import Redactor
from listener.storage.models import ItemRow, QuarantineRow, SyncRunRow
from listener.storage.store import ensure_profile, save_page
from listener.storage.upsert import table_of
from scoring.signals import day_bounds, local_day
from tests.conftest import FIXED_NOW

GOOD = Item("mastodon", "host/1", "post", "owned", Author("mastodon", "host/9", "acme"), "hi",
            datetime(2026, 11, 17, tzinfo=UTC), counters=Counters(likes=3))


@pytest.mark.parametrize(("change", "field"), [
    ({"created_at": datetime(9999, 12, 31, tzinfo=UTC)}, "created_at"),
    ({"created_at": datetime(1970, 1, 1, tzinfo=UTC)}, "created_at"),
    ({"created_at": FIXED_NOW + timedelta(days=2)}, "created_at"),
    ({"counters": Counters(likes=10**30)}, "counters.likes"),
    ({"counters": Counters(shares=-1)}, "counters.shares"),
    ({"external_id": "host/None"}, "external_id"),
    ({"external_id": "host/{'nested': 'object'}"}, "external_id"),
    ({"external_id": "host/[1, 2]"}, "external_id"),
    ({"external_id": ""}, "external_id"),
    ({"author": Author("mastodon", "host/9", "acme", followers=2**63)}, "author.followers"),
])
def test_a_bad_record_is_quarantined_naming_its_field_and_the_page_is_kept(change: dict[str, Any], field: str) -> None:
    page = screen_page(Page(items=[GOOD, replace(GOOD, **{"external_id": "host/2"} | change)]), FIXED_NOW)
    assert page.items == [GOOD]
    assert len(page.bad_records) == 1 and f"{field}:" in page.bad_records[0].error


def verdicts_alone_and_screened(items: list[Item]) -> list[str | None]:
    """Each item's verdict alone, once checked to be the one screening them as a page gives it."""
    expected = [item_problem(item, FIXED_NOW) for item in items]
    page = screen_page(Page(items=list(items)), FIXED_NOW)
    assert page.items == [item for item, problem in zip(items, expected, strict=True) if problem is None]
    assert [b.error for b in page.bad_records] == [f"refused at the connector boundary: {p}" for p in expected if p]
    return [str(p) if p else None for p in expected]


def test_screening_a_page_gives_each_item_the_verdict_item_problem_gives_it_alone() -> None:
    """One Author shared by items (as connectors share them) is judged once a page; every verdict is unchanged."""
    class LaterDatetime(datetime):
        """A datetime subclass: the plain-datetime shortcut must leave it to the full check."""

    bad_author = Author("mastodon", "host/8", "acme", following=-2)
    items = [replace(GOOD, external_id=f"host/{n}", author=author, created_at=created)
             for n, (author, created) in enumerate([
                 (bad_author, GOOD.created_at), (GOOD.author, GOOD.created_at), (bad_author, GOOD.created_at),
                 (GOOD.author, LaterDatetime(2026, 11, 17, tzinfo=UTC)), (None, FIXED_NOW + timedelta(days=1)),
                 (None, FIXED_NOW + timedelta(days=1, microseconds=1)), (bad_author, datetime(1999, 12, 31))])]
    assert verdicts_alone_and_screened(items) == [
        "author.following: -2 is outside 0 .. 2**63 - 1", None, "author.following: -2 is outside 0 .. 2**63 - 1",
        None, None, f"created_at: {items[5].created_at.isoformat()} is outside 2000-01-01 .. now + 1 day",
        "created_at: expected a time with a zone"]


def test_counters_shared_by_items_get_the_verdict_each_item_gets_alone() -> None:
    """One Counters shared by items (the Mastodon connector shares equal ones) is judged once a page."""
    class Likes(int):
        """An int subclass in range: it passes, and the counters after it are still checked."""

    shared_bad, shared_good = Counters(likes=1, replies=-1), Counters(likes=2)
    items = [replace(GOOD, external_id=f"host/{n}", counters=counters)
             for n, counters in enumerate([shared_bad, shared_good, shared_bad, Counters(likes=Likes(3), views=-4),
                                           shared_good, Counters(likes=Likes(3))])]
    assert verdicts_alone_and_screened(items) == [
        "counters.replies: -1 is outside 0 .. 2**63 - 1", None, "counters.replies: -1 is outside 0 .. 2**63 - 1",
        "counters.views: -4 is outside 0 .. 2**63 - 1", None, None]


def test_ids_are_refused_exactly_as_the_single_regex_refused_them() -> None:
    import random
    import re

    single = re.compile(r"[\s{}\[\]'\"]|(?:^|/)(?:None|null|undefined|True|False|nan)$|/$|^$")
    pieces = ("a", "1", "/", "None", "null", "undefined", "True", "False", "nan", "Nan", " ", "\n", "\xa0", "\u2028",
              "{", "}", "[", "]", "'", '"', "host", ".", "-", "")
    rng = random.Random(18)
    ids = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6))) for _ in range(20_000)]
    assert sum(id_problem(i, "id") is None for i in ids) > 2_000, "both outcomes are exercised"
    assert [id_problem(i, "id") is None for i in ids] == [single.search(i) is None for i in ids]


def test_a_page_with_an_oversized_counter_stores_the_rest(engine: Engine) -> None:
    class OnePage(Stream):
        name = "statuses"

        def iter_pages(self, context: SyncContext) -> Iterator[Page]:
            yield Page(items=[GOOD, replace(GOOD, external_id="host/2", counters=Counters(likes=10**30))],
                       cursor="2")

    class Source:
        def streams(self) -> list[Stream]:
            return [OnePage()]

    settings = SourceSettings(name="s", platform="mastodon", base_url="https://m.example")
    result = sync_source(engine, "acme", "UTC", settings, Source(), clock=lambda: FIXED_NOW)  # type: ignore[arg-type]
    assert result.status == "partial" and (result.items, result.quarantined) == (1, 1)  # set aside: not "ok"
    with engine.connect() as connection:
        assert connection.execute(select(table_of(ItemRow).c.external_id)).scalars().all() == ["host/1"]
        assert "counters.likes" in connection.execute(select(table_of(QuarantineRow).c.error)).scalar_one()


def test_a_stream_stops_at_its_page_cap_and_the_run_is_partial(engine: Engine) -> None:
    class Endless(Stream):
        name = "endless"

        def iter_pages(self, context: SyncContext) -> Iterator[Page]:
            number = 0
            while True:
                number += 1
                yield Page(items=[replace(GOOD, external_id=f"host/{number}")], cursor=str(number))

    class Source:
        def streams(self) -> list[Stream]:
            return [Endless()]

    settings = SourceSettings(name="s", platform="mastodon", base_url="https://m.example")
    result = sync_source(engine, "acme", "UTC", settings, Source(), clock=lambda: FIXED_NOW,  # type: ignore[arg-type]
                         limits=SyncLimits(max_pages_per_stream=7))
    assert (result.status, result.pages) == ("partial", 7) and "page cap" in (result.error or "")


def test_a_stop_closes_the_run_as_interrupted(engine: Engine) -> None:
    class Stopped(Stream):
        name = "statuses"

        def iter_pages(self, context: SyncContext) -> Iterator[Page]:
            yield Page(items=[GOOD], cursor="1")
            raise KeyboardInterrupt

    class Source:
        def streams(self) -> list[Stream]:
            return [Stopped()]

    settings = SourceSettings(name="s", platform="mastodon", base_url="https://m.example")
    with pytest.raises(KeyboardInterrupt):
        sync_source(engine, "acme", "UTC", settings, Source(), clock=lambda: FIXED_NOW)  # type: ignore[arg-type]
    with engine.connect() as connection:
        assert connection.execute(select(table_of(SyncRunRow).c.status)).scalars().all() == ["interrupted"]


@pytest.mark.parametrize(("proposed", "previous", "expected"), [
    ("30", None, "30"),           # within the page: taken
    (str(10**25), None, "30"),    # past the newest id on the page: refused, the newest id instead
    ("1", "15", "30"),            # behind the previous cursor: refused
    (None, "15", "30"),
])
def test_a_server_cursor_outside_the_page_is_refused(proposed: str | None, previous: str | None, expected: str) -> None:
    assert cursor_within_page(proposed, ["20", "30", "25"], previous, id_order) == expected


def test_a_page_that_walks_backwards_ends_the_stream() -> None:
    with pytest.raises(CursorRefusedError):
        cursor_within_page(None, ["20", "30"], "30", id_order)


def test_a_trickling_body_cannot_outlast_the_response_deadline() -> None:
    class Trickle(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            while True:
                yield b" "

    ticks = iter(FIXED_NOW + timedelta(seconds=n) for n in range(10**6))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Trickle()))
    session = HttpSession(httpx.Client(transport=transport, base_url="https://slow.example"),
                          RetryPolicy(max_attempts=2), clock=lambda: next(ticks), sleep=lambda _s: None)
    with sync_deadline(FIXED_NOW + timedelta(hours=1), response_seconds=30), pytest.raises(TransientError):
        session.send("GET", "/statuses")


@pytest.mark.parametrize("secret", ['pl"ain\\tok-42', "tök/en+&=?", "<b>&amp;'x'"])
def test_every_escaped_form_of_a_secret_is_redacted(secret: str) -> None:
    import html
    import json
    from urllib.parse import quote

    redact = Redactor([secret])
    for form in (secret, json.dumps(secret), json.dumps(json.dumps(secret)), repr(secret), quote(secret, safe=""),
                 html.escape(secret)):
        assert secret not in redact(f"error: {form}!") and "***" in redact(f"error: {form}!")


@pytest.mark.parametrize("cell", ["\uff1dHYPERLINK(\"x\")", "\uff0b1", "\uff20SUM(A1)", " =1+1", "\u2212 2"])
def test_full_width_and_padded_formula_signs_are_neutralised(cell: str) -> None:
    assert str(neutralise_cell(cell)).startswith("'")


def test_nul_and_bidi_overrides_never_reach_exported_text() -> None:
    hostile = "good\x00 \u202etxt.exe\u2066"
    for rendered in (inert_text(hostile), escape_html(hostile), escape_markdown(hostile), neutralise_cell(hostile)):
        assert "\x00" not in str(rendered) and "\u202e" not in str(rendered) and "\u2066" not in str(rendered)


def test_any_stored_date_maps_to_a_day_without_overflow() -> None:
    zone = __import__("zoneinfo").ZoneInfo("Pacific/Kiritimati")
    for moment in (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)):
        start, end = day_bounds(local_day(moment, zone), zone)
        assert start < end


def test_the_migration_moves_items_with_impossible_times_to_quarantine(tmp_path: Path) -> None:
    from alembic import command

    from listener.storage.engine import make_engine, migrate
    from tests.migration_config import migration_config

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(migration_config(connection), "0006")
        profile_id = ensure_profile(connection, "acme", "UTC")
        far = replace(GOOD, external_id="host/far", created_at=datetime(9999, 12, 31, tzinfo=UTC))
        save_page(connection, profile_id, "src", "statuses", Page(items=[GOOD, far]), FIXED_NOW)
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(select(table_of(ItemRow).c.external_id)).scalars().all() == ["host/1"]
        assert connection.execute(select(table_of(QuarantineRow).c.external_id)).scalars().all() == ["host/far"]
