"""Mastodon (any instance): the brand's statuses, replies, boosts, favourites, hashtags, mentions, search."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.base import (
    Author,
    BadRecord,
    Connector,
    Counters,
    EngagementEvent,
    EventKind,
    Item,
    ItemKind,
    Page,
    Stream,
    SyncContext,
)
from connectors.errors import MalformedItemError, PermanentError
from connectors.html_text import html_to_text
from connectors.http import HttpSession, RateLimitHeaders
from connectors.mastodon.settings import MastodonSettings
from connectors.pagination import LoopGuard, cursor_within_page, link_url
from connectors.timestamps import parse_time

PLATFORM = "mastodon"
RATE_LIMIT_HEADERS = RateLimitHeaders(
    remaining="X-RateLimit-Remaining", limit="X-RateLimit-Limit", reset="X-RateLimit-Reset",
    reset_format="iso",
)
MAX_STATUS_PAGE = 40
NOTIFICATIONS_V1, NOTIFICATIONS_V2 = "/api/v1/notifications", "/api/v2/notifications"
MAX_ACCOUNT_PAGE = 80
MAX_REMEMBERED_AUTHORS = 4096  # accounts seen in a run whose Author is kept for the next status by them
_PLAIN_VALUES = frozenset({str, int, type(None)})  # account values whose equality says they make the same Author
MAX_REMEMBERED_COUNTERS = 4096  # counter values seen in a run whose Counters is kept for the next status with them


def snowflake_for(moment: datetime) -> str:
    """The smallest Mastodon id a status created at `moment` can have (ids embed ms time)."""
    return str(int(moment.timestamp() * 1000) << 16)


def id_order(status_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings, longer is newer (never cast to float)."""
    return (len(status_id), status_id)


class MastodonApi:
    """The Mastodon REST calls one source makes, with ids qualified by instance host."""

    def __init__(self, settings: MastodonSettings, session: HttpSession) -> None:
        self.settings = settings
        self.session = session
        self.host = urlsplit(settings.base_url).netloc or settings.base_url
        self._brand: dict[str, Any] | None = None
        self._authors: dict[tuple[Any, ...], Author] = {}  # an account's plain values -> its Author, this run
        self._counters: dict[tuple[Any, ...], Counters] = {}  # likes, shares, replies, quotes -> their Counters

    def qualify(self, local_id: str | None) -> str | None:
        """Instance-local id -> our external id (local ids collide across instances)."""
        return f"{self.host}/{local_id}" if local_id else None

    def brand(self) -> dict[str, Any]:
        """The brand's Account, resolved once per run with accounts/lookup."""
        if self._brand is None:
            body, _ = self.session.get_json("/api/v1/accounts/lookup", params={"acct": self.settings.account})
            if not isinstance(body, dict) or "id" not in body:
                raise PermanentError(f"accounts/lookup: no account {self.settings.account!r}")
            self._brand = body
        return self._brand

    def author(self, account: dict[str, Any]) -> Author:
        """Our Author from a Mastodon Account entity; an account seen before with the same values gives the same one.

        Only values of plain types are looked up (1, 1.0 and True are equal keys but make different authors).
        """
        values = (account["id"], account["acct"], account.get("display_name"), account.get("url"),
                  account.get("followers_count"), account.get("following_count"))
        if not _PLAIN_VALUES.issuperset(map(type, values)):
            return self._new_author(account)
        author = self._authors.get(values)
        if author is None:
            if len(self._authors) >= MAX_REMEMBERED_AUTHORS:
                self._authors.clear()
            author = self._authors[values] = self._new_author(account)
        return author

    def counters(self, status: dict[str, Any]) -> Counters:
        """A status's counters; statuses with the same counts share one (most statuses have a few likes at most)."""
        counts = (int(status["favourites_count"]), int(status["reblogs_count"]), int(status["replies_count"]),
                  status.get("quotes_count"))
        if not _PLAIN_VALUES.issuperset(map(type, counts)):  # a quotes_count of True or 1.0 is not the int 1
            return Counters.new(*counts)
        counters = self._counters.get(counts)
        if counters is None:
            if len(self._counters) >= MAX_REMEMBERED_COUNTERS:
                self._counters.clear()
            counters = self._counters[counts] = Counters.new(*counts)
        return counters

    def _new_author(self, account: dict[str, Any]) -> Author:
        return Author.new(
            platform=PLATFORM, external_id=self.qualify(str(account["id"])) or "",
            handle=str(account["acct"]), display_name=account.get("display_name") or None,
            url=account.get("url"), followers=account.get("followers_count"),
            following=account.get("following_count"),
        )

    def item(self, status: dict[str, Any], *, root: str | None = None) -> Item:
        """Our Item from a Status entity; raises MalformedItemError on a broken record."""
        try:
            return self._item(status, root)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
            where = status.get("id") if isinstance(status, dict) else "?"
            raise MalformedItemError(f"status {where}: {error!r}") from error

    def _item(self, status: dict[str, Any], root: str | None) -> Item:
        brand_id = str(self.brand()["id"])
        account = status["account"]
        owned = str(account["id"]) == brand_id
        reblog = status.get("reblog")
        parent = status.get("in_reply_to_id")
        mentions: Any = status.get("mentions")  # most statuses mention no one: no generator for them
        mentions_brand = bool(mentions) and any(str(m.get("id")) == brand_id for m in mentions)
        kind: ItemKind = ("share" if reblog else "reply" if parent else "mention" if mentions_brand and not owned
                          else "post")
        return Item.new(
            platform=PLATFORM, external_id=self.qualify(str(status["id"])) or "",
            kind=kind, role="owned" if owned else "inbound", author=self.author(account),
            text="" if reblog else html_to_text(status.get("content") or ""),
            created_at=parse_time(status["created_at"]), url=status.get("url") or status.get("uri"),
            language=status.get("language"),
            parent_external_id=self.qualify(str(reblog["id"]) if reblog else parent),
            root_external_id=self.qualify(root) if parent else None,
            counters=self.counters(status), raw=status,
        )

    def page_of_statuses(self, statuses: Any, *, root: str | None = None) -> Page:
        """Items of a list of statuses; broken records go to bad_records, the rest go on."""
        if not isinstance(statuses, list):
            raise MalformedItemError(f"expected a list of statuses, got {type(statuses).__name__}")
        page = Page()
        for status in statuses:
            try:
                page.items.append(self.item(status, root=root))
            except MalformedItemError as error:
                external = (self.qualify(str(status.get("id"))) if isinstance(status, dict) and status.get("id")
                            else None)
                page.bad_records.append(BadRecord(str(error), status, external))
        return page

    def iter_accounts(self, path: str) -> Iterator[dict[str, Any]]:
        """All accounts of a reblogged_by / favourited_by list, following Link `next`."""
        guard = LoopGuard(path)
        url: str | None = path
        params: dict[str, Any] | None = {"limit": MAX_ACCOUNT_PAGE}
        while url:
            guard.check(url)
            body, response = self.session.get_json(url, params=params)
            if not body:
                return
            yield from body
            url, params = link_url(response, "next"), None


class ForwardStatusStream(Stream):
    """Statuses newer than the cursor, oldest page first, via min_id and Link `prev`."""

    name = "statuses"
    path: str = ""

    def __init__(self, api: MastodonApi, name: str, path: str, params: dict[str, Any] | None = None) -> None:
        self.api, self.name, self.path, self.params = api, name, path, params or {}

    def start_cursor(self, context: SyncContext) -> str:
        """Where a first sync starts: backfill_days before now."""
        return context.cursor or snowflake_for(context.now - timedelta(days=self.api.settings.backfill_days))

    def extract(self, body: Any) -> list[Any]:
        """The statuses in a response body."""
        return body

    def fetch(self, url: str, params: dict[str, Any] | None) -> tuple[Any, Any]:
        """One GET of the stream's endpoint (or a Link URL): the body and the response."""
        return self.api.session.get_json(url, params=params)

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        cursor = self.start_cursor(context)
        guard = LoopGuard(self.name)
        moved: str | None = None  # the cursor this walk set itself (the start one may be a synthetic snowflake)
        while True:
            guard.check(cursor)
            params = {**self.params, "min_id": cursor, "limit": MAX_STATUS_PAGE}
            body, response = self.fetch(self.resolve_path(), params)
            records = self.extract(body)
            if not records:
                return
            page = self.page_of(records)
            page.cursor = self.next_cursor(records, response, moved) or cursor
            yield page
            cursor = moved = page.cursor

    def page_of(self, records: list[Any]) -> Page:
        """Our page for a response's records."""
        return self.api.page_of_statuses(self.statuses_of(records))

    def resolve_path(self) -> str:
        """The endpoint path (may need the brand's account id)."""
        return self.path

    def statuses_of(self, records: list[Any]) -> list[Any]:
        """The Status entities in the records (notifications wrap them)."""
        return records

    def next_cursor(self, records: list[Any], response: Any, cursor: str | None) -> str | None:
        """The Link header's `prev` min_id if it lies within the page, else the newest id on the page."""
        prev = link_url(response, "prev")
        proposed = next(iter(parse_qs(urlsplit(prev).query).get("min_id", [])), None) if prev else None
        ids = [str(r["id"]) for r in records if isinstance(r, dict) and isinstance(r.get("id"), (str, int))
               and not isinstance(r.get("id"), bool) and str(r["id"]).isdigit()]
        return cursor_within_page(proposed if proposed and proposed.isdigit() else None, ids, cursor, id_order)


class OwnedStatusesStream(ForwardStatusStream):
    """The brand account's own statuses (posts, its replies, its boosts)."""

    def __init__(self, api: MastodonApi) -> None:
        super().__init__(api, "statuses", "")

    def resolve_path(self) -> str:
        return f"/api/v1/accounts/{self.api.brand()['id']}/statuses"

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        brand = self.api.author(self.api.brand())
        for page in super().iter_pages(context):
            page.authors.append(brand)
            yield page
        yield Page(authors=[brand], cursor=None)


class MentionsStream(ForwardStatusStream):
    """Notifications of type mention (a user token is required).

    Notification ids are the server's own sequence ("20", "3900020"), not time-based status
    ids, so a first sync cannot start from a date: it walks newest first (Link `next`) down to
    the backfill date by `created_at` and then stores the newest notification id; later syncs
    read forward from that id with min_id. A server without the version 1 list (404) is read
    through the grouped version 2 list, one entry per group (mentions are never grouped).
    """

    def __init__(self, api: MastodonApi) -> None:
        super().__init__(api, "mentions", NOTIFICATIONS_V1, {"types[]": "mention"})

    def fetch(self, url: str, params: dict[str, Any] | None) -> tuple[Any, Any]:
        try:
            return super().fetch(url, params)
        except PermanentError as error:
            if not error.gone or NOTIFICATIONS_V1 not in url:
                raise
            self.path = NOTIFICATIONS_V2  # for the rest of this sync
            return super().fetch(url.replace(NOTIFICATIONS_V1, NOTIFICATIONS_V2), params)

    def extract(self, body: Any) -> list[Any]:
        return ungrouped(body) if isinstance(body, dict) and "notification_groups" in body else body

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        if context.cursor:
            yield from super().iter_pages(context)
            return
        floor = context.now - timedelta(days=self.api.settings.backfill_days)
        newest: str | None = None
        guard = LoopGuard(self.name)
        url: str | None = self.path
        params: dict[str, Any] | None = {**self.params, "limit": MAX_STATUS_PAGE}
        while url:
            guard.check(url)
            body, response = self.fetch(url, params)
            records = self.extract(body)
            if not records:
                break
            ids = [str(r["id"]) for r in records if isinstance(r, dict) and r.get("id") is not None]
            newest = max([*ids, *([newest] if newest else [])], key=id_order, default=None)
            fresh = [r for r in records if not _notified_before(r, floor)]
            page = self.page_of(fresh)
            page.skip("too old", len(records) - len(fresh))
            yield page
            if len(fresh) < len(records):
                break
            url, params = link_url(response, "next"), None
        if newest is not None:
            yield Page(cursor=newest)

    def page_of(self, records: list[Any]) -> Page:
        """Statuses of mention notifications; a mention whose status is gone (null) or another type is counted."""
        kept, gone, other = [], 0, 0
        for note in records:
            if isinstance(note, dict) and note.get("type", "mention") != "mention":
                other += 1  # a server that ignores types[] sends follows, favourites, sign-ups...
            elif isinstance(note, dict) and "status" in note and note["status"] is None:
                gone += 1  # deleted, or no longer visible to the brand
            else:
                kept.append(note)
        page = super().page_of(kept)
        page.skip("mention of a deleted status", gone)
        page.skip("not a mention", other)
        return page

    def statuses_of(self, records: list[Any]) -> list[Any]:
        # A notification without a status key is passed on as is, so it lands in quarantine.
        return [n["status"] if isinstance(n, dict) and n.get("status") else n for n in records]


def ungrouped(body: dict[str, Any]) -> list[Any]:
    """Grouped (version 2) notifications as version 1 entries: one per group, its status inlined (None if gone)."""
    statuses = {str(s.get("id")): s for s in body.get("statuses") or [] if isinstance(s, dict)}
    entries: list[Any] = []
    for group in body.get("notification_groups") or []:
        if not isinstance(group, dict):
            entries.append(group)  # passed on as it is, to be quarantined
            continue
        status_id = group.get("status_id")
        entries.append({"id": str(group.get("most_recent_notification_id")), "type": group.get("type"),
                        "group_key": group.get("group_key"), "created_at": group.get("latest_page_notification_at"),
                        "status": statuses.get(str(status_id)) if status_id is not None else None})
    return entries


def _notified_before(notification: Any, floor: datetime) -> bool:
    """True for a notification created before the floor (a broken one is kept, to be quarantined)."""
    try:
        return parse_time(notification["created_at"]) < floor
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


class SearchStream(ForwardStatusStream):
    """Status search for a brand term (a user token is required)."""

    def __init__(self, api: MastodonApi, query: str) -> None:
        super().__init__(api, f"search:{query}", "/api/v2/search", {"q": query, "type": "statuses"})

    def extract(self, body: Any) -> list[Any]:
        if not isinstance(body, dict):
            raise MalformedItemError(f"search: expected an object, got {type(body).__name__}")
        return body.get("statuses") or []


class RecentOwnedRefreshStream(Stream):
    """Re-reads recent owned statuses: counters, replies (context), boosts and favourites."""

    name = "refresh"

    def __init__(self, api: MastodonApi) -> None:
        self.api = api

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        prefix = f"{self.api.host}/"
        for external_id in context.recent_owned_ids:
            if external_id.startswith(prefix):
                yield self.refresh_one(external_id.removeprefix(prefix))

    def refresh_one(self, status_id: str) -> Page:
        """One page for one owned status: itself, its descendants and who engaged.

        A status that answers 404/410 is counted as deleted, another refusal as not read; what
        was stored of it stays.
        """
        try:
            status, _ = self.api.session.get_json(f"/api/v1/statuses/{status_id}")
            thread, _ = self.api.session.get_json(f"/api/v1/statuses/{status_id}/context")
        except PermanentError as error:
            gone = Page()
            if error.gone:
                gone.skip("deleted")
            else:
                gone.could_not_expand(1, f"status {status_id} not refreshed: {error}")
            return gone
        ancestors = thread.get("ancestors") or [] if isinstance(thread, dict) else []
        root = str(ancestors[0]["id"]) if ancestors else status_id
        page = self.api.page_of_statuses([status])
        page.items.extend(self.api.page_of_statuses(thread.get("descendants") or [], root=root).items)
        page.events.extend(self.events(status_id))
        return page

    def events(self, status_id: str) -> list[EngagementEvent]:
        """Favourites and boosts of one status (Mastodon gives who, not when)."""
        item_id = self.api.qualify(status_id) or ""
        events = []
        kinds: tuple[tuple[EventKind, str], ...] = (("like", "favourited_by"), ("share", "reblogged_by"))
        for kind, path in kinds:
            for account in self.api.iter_accounts(f"/api/v1/statuses/{status_id}/{path}"):
                events.append(EngagementEvent(PLATFORM, item_id, self.api.author(account), kind))
        return events


class MastodonConnector(Connector):
    """Streams of one Mastodon source, in the order they should run."""

    platform = PLATFORM
    settings_model = MastodonSettings
    description = ("Mastodon or any Mastodon-API server: brand statuses, replies, boosts, favourites, hashtags,"
                   " mentions, search")
    auth = "none for public reads; a user access token (read scope) in token_env for mentions and search"
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: MastodonSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        token = (secrets or {}).get("token")
        if token:
            session.client.headers["Authorization"] = f"Bearer {token}"
        self.settings = settings
        self.api = MastodonApi(settings, session)

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        if isinstance(payload, dict) and isinstance(payload.get("status"), dict) and "type" in payload:
            payload = payload["status"]  # a mention notification around its status
        return [self.api.item(payload)]

    def streams(self) -> list[Stream]:
        streams: list[Stream] = [OwnedStatusesStream(self.api)]
        for tag in self.settings.hashtags:
            tag = tag.lstrip("#")
            streams.append(ForwardStatusStream(self.api, f"tag:{tag}", f"/api/v1/timelines/tag/{tag}"))
        if self.settings.mentions:
            streams.append(MentionsStream(self.api))
        streams.extend(SearchStream(self.api, q) for q in self.settings.search)
        # Last: the refresh has no cursor and re-reads every recent post, so a run cut short
        # (a daemon stopped often) must not starve the cursor-driven streams behind it.
        streams.append(RecentOwnedRefreshStream(self.api))
        return streams
