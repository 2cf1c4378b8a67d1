"""Mastodon REST entities (Account, Status, Notification, Context) of a demo world replayed at a fixed now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from listener.demo.dataset import TOKEN_RE, DemoAccount, DemoStatus, DemoWorld

JsonDict = dict[str, Any]
FAVOURITE_ID_BASE = 4_100_000
GROUP_SPAN_HOURS = 12
APP_WEBSITES = {"Tusky": "https://tusky.app", "Elk": "https://elk.zone"}
GROUPABLE_TYPES = ("favourite", "reblog")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def snowflake_id(ts_ms: int, seq: int) -> int:
    """A Mastodon-style snowflake id: the millisecond timestamp shifted left 16 bits, plus a sequence."""
    return (ts_ms << 16) + seq


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, in exact integer arithmetic."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def format_datetime(ts_ms: int) -> str:
    """Render epoch milliseconds as Mastodon does, e.g. "2026-11-20T14:03:12.000Z"."""
    moment = datetime.fromtimestamp(ts_ms // 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ts_ms % 1000:03d}Z"


def format_date(ts_ms: int) -> str:
    """Render epoch milliseconds as an ISO 8601 date, as in Account.last_status_at."""
    return datetime.fromtimestamp(ts_ms // 1000, UTC).date().isoformat()


def escape_html(text: str) -> str:
    """Escape text the way Rails' `h` does (&, <, >, double and single quotes)."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        text = text.replace(raw, entity)
    return text


@dataclass(frozen=True)
class NotificationRecord:
    """A notification for the brand account: a mention, favourite or reblog of one status."""

    id: int
    type: str
    account_id: str
    status: int
    ts_ms: int
    group_key: str


@dataclass(frozen=True)
class ReplayIndex:
    """Ids, timestamps and orderings of a demo world pinned to `now_ms`; lists are newest first."""

    world: DemoWorld
    now_ms: int
    ts_ms: tuple[int, ...]
    ids: tuple[int, ...]
    seq_by_id: dict[int, int]
    account_statuses: dict[str, list[int]]
    tag_statuses: dict[str, list[int]]
    children: dict[int, list[int]]
    favourites: dict[int, list[tuple[int, str]]]
    reblogs: dict[int, list[tuple[int, str]]]
    notifications: list[NotificationRecord]

    def status(self, seq: int) -> DemoStatus:
        """The status with this seq."""
        return self.world.statuses[seq]


def build_index(world: DemoWorld, now: datetime) -> ReplayIndex:
    """Pin every offset of the world to `now` and index it the ways the API reads it."""
    now_ms = epoch_ms(now)
    _ = world.accounts_by_id, world.find_account("")  # warm lookup caches before threads share the world
    ts = tuple(now_ms - round(s.offset * 1000) for s in world.statuses)
    ids = tuple(snowflake_id(t, s.seq) for t, s in zip(ts, world.statuses, strict=True))
    newest = sorted(range(len(ids)), key=ids.__getitem__, reverse=True)
    by_account: dict[str, list[int]] = defaultdict(list)
    by_tag: dict[str, list[int]] = defaultdict(list)
    reblogs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for seq in newest:
        status = world.statuses[seq]
        by_account[status.account_id].append(seq)
        for tag in status.tags:
            by_tag[tag].append(seq)
        if status.reblog_of is not None:
            reblogs[status.reblog_of].append((ids[seq], status.account_id))
    children: dict[int, list[int]] = defaultdict(list)
    for seq in reversed(newest):
        parent = world.statuses[seq].in_reply_to
        if parent is not None:
            children[parent].append(seq)
    favourites = _favourite_records(world, now_ms)
    return ReplayIndex(
        world=world, now_ms=now_ms, ts_ms=ts, ids=ids, seq_by_id={i: s for s, i in enumerate(ids)},
        account_statuses=dict(by_account), tag_statuses=dict(by_tag), children=dict(children),
        favourites=favourites, reblogs=dict(reblogs),
        notifications=_notifications(world, ts, ids, now_ms),
    )


def _favourite_records(world: DemoWorld, now_ms: int) -> dict[int, list[tuple[int, str]]]:
    """Favourite records get sequential ids in time order, like Mastodon's favourites table."""
    ordered = sorted(world.favourites, key=lambda f: (-f.offset, f.seq))
    records: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for rank, favourite in enumerate(ordered):
        records[favourite.status].append((FAVOURITE_ID_BASE + rank, favourite.account_id))
    return {status: rows[::-1] for status, rows in records.items()}


def _notifications(
    world: DemoWorld, ts: tuple[int, ...], ids: tuple[int, ...], now_ms: int
) -> list[NotificationRecord]:
    """Mentions of the brand and favourites/boosts of its statuses, newest first, with snowflake ids."""
    brand = world.brand.id
    events: list[tuple[int, str, str, int]] = []
    for s in world.statuses:
        if s.account_id != brand and brand in s.mention_ids:
            events.append((ts[s.seq], "mention", s.account_id, s.seq))
        if s.reblog_of is not None and world.statuses[s.reblog_of].account_id == brand and s.account_id != brand:
            events.append((ts[s.seq], "reblog", s.account_id, s.reblog_of))
    for f in world.favourites:
        if world.statuses[f.status].account_id == brand:
            events.append((now_ms - round(f.offset * 1000), "favourite", f.account_id, f.status))
    events.sort()
    buckets: dict[tuple[str, int], int] = {}
    records = []
    for seq, (ts_ms, kind, account_id, status) in enumerate(events):
        notification_id = snowflake_id(ts_ms, seq)
        key = _group_key(kind, notification_id, ids[status], ts_ms, buckets)
        records.append(NotificationRecord(notification_id, kind, account_id, status, ts_ms, key))
    return records[::-1]


def _group_key(kind: str, notification_id: int, status_id: int, ts_ms: int, buckets: dict[tuple[str, int], int]) -> str:
    """Mastodon 4.3 grouping: favourites/reblogs of a status share an hour bucket for up to 12 hours."""
    if kind not in GROUPABLE_TYPES:
        return f"ungrouped-{notification_id}"
    hour = ts_ms // 3_600_000
    previous = buckets.get((kind, status_id))
    if previous is not None and hour < previous + GROUP_SPAN_HOURS:
        hour = previous
    buckets[(kind, status_id)] = hour
    return f"{kind}-{status_id}-{hour}"


class MastodonRenderer:
    """Turns indexed demo objects into JSON-ready Mastodon entities served from `base_url`."""

    def __init__(self, index: ReplayIndex, base_url: str) -> None:
        self.index = index
        self.world = index.world
        self.base_url = base_url

    def account(self, account_id: str) -> JsonDict:
        """The Account entity."""
        account = self.world.accounts_by_id[account_id]
        statuses = self.index.account_statuses.get(account_id, [])
        body: JsonDict = {
            "id": account.id, "username": account.username, "acct": account.acct,
            "display_name": account.display_name, "locked": False, "bot": account.bot,
            "discoverable": True, "group": False, "created_at": self._midnight(account.created_days_ago),
            "note": f"<p>{escape_html(account.note)}</p>" if account.note else "",
            "url": self.profile_url(account), "uri": self._actor_uri(account),
            "avatar": f"{self.base_url}/avatars/original/missing.png",
            "avatar_static": f"{self.base_url}/avatars/original/missing.png",
            "header": f"{self.base_url}/headers/original/missing.png",
            "header_static": f"{self.base_url}/headers/original/missing.png",
            "followers_count": account.followers_count, "following_count": account.following_count,
            "statuses_count": len(statuses),
            "last_status_at": format_date(self.index.ts_ms[statuses[0]]) if statuses else None,
            "emojis": [], "fields": self._fields(account),
        }
        if account.domain is None:
            body["noindex"] = False
        return body

    def status(self, seq: int, *, viewer: bool = False) -> JsonDict:
        """The Status entity; `viewer` adds the fields Mastodon shows to the brand's own token."""
        s = self.index.status(seq)
        status_id = self.index.ids[seq]
        parent = None if s.in_reply_to is None else self.index.status(s.in_reply_to)
        body: JsonDict = {
            "id": str(status_id), "created_at": format_datetime(self.index.ts_ms[seq]),
            "in_reply_to_id": None if parent is None else str(self.index.ids[parent.seq]),
            "in_reply_to_account_id": None if parent is None else parent.account_id,
            "sensitive": bool(s.spoiler_text), "spoiler_text": s.spoiler_text, "visibility": "public",
            "language": s.language, **self._locations(s, status_id),
            "replies_count": len(self.index.children.get(seq, [])),
            "reblogs_count": len(self.index.reblogs.get(seq, [])),
            "favourites_count": len(self.index.favourites.get(seq, [])),
            "quotes_count": 0, "edited_at": self._edited_at(s),
        }
        if viewer:
            body.update(self._viewer_fields(s))
        body.update({
            "content": "" if s.reblog_of is not None else self.content(s.text), "text": None,
            "reblog": None if s.reblog_of is None else self.status(s.reblog_of, viewer=viewer),
        })
        account = self.world.accounts_by_id[s.account_id]
        if account.domain is None:
            body["application"] = None if s.application is None else self._application(s.application)
        body.update({
            "account": self.account(s.account_id), "media_attachments": [],
            "mentions": [self._mention(i) for i in s.mention_ids],
            "tags": [{"name": t, "url": f"{self.base_url}/tags/{t}"} for t in s.tags],
            "emojis": [], "card": None, "poll": None, "quote": None,
        })
        return body

    def notification(self, record: NotificationRecord, *, viewer: bool = True) -> JsonDict:
        """The Notification entity."""
        return {
            "id": str(record.id), "type": record.type, "created_at": format_datetime(record.ts_ms),
            "group_key": record.group_key, "account": self.account(record.account_id),
            "status": self.status(record.status, viewer=viewer),
        }

    def context(self, seq: int, *, viewer: bool = False) -> JsonDict:
        """The Context entity: ancestors root first, descendants in depth-first thread order."""
        ancestors = []
        parent = self.index.status(seq).in_reply_to
        while parent is not None:
            ancestors.append(parent)
            parent = self.index.status(parent).in_reply_to
        return {
            "ancestors": [self.status(a, viewer=viewer) for a in reversed(ancestors)],
            "descendants": [self.status(d, viewer=viewer) for d in self.descendants(seq)],
        }

    def descendants(self, seq: int) -> Iterator[int]:
        """Every status below `seq` in its thread, depth first, siblings oldest first."""
        stack = list(reversed(self.index.children.get(seq, [])))
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(self.index.children.get(current, [])))

    def content(self, text: str) -> str:
        """Render plain status text as Mastodon's sanitized HTML."""
        paragraphs = [p for p in text.split("\n\n") if p]
        return "".join(f"<p>{self._paragraph(p)}</p>" for p in paragraphs)

    def profile_url(self, account: DemoAccount) -> str:
        """The account's profile page."""
        host = self.base_url if account.domain is None else f"https://{account.domain}"
        return f"{host}/@{account.username}"

    def _actor_uri(self, account: DemoAccount) -> str:
        host = self.base_url if account.domain is None else f"https://{account.domain}"
        return f"{host}/users/{account.username}"

    def _locations(self, s: DemoStatus, status_id: int) -> JsonDict:
        account = self.world.accounts_by_id[s.account_id]
        if s.reblog_of is not None:
            activity = f"{self._actor_uri(account)}/statuses/{status_id}/activity"
            return {"uri": activity, "url": activity}
        return {
            "uri": f"{self._actor_uri(account)}/statuses/{status_id}",
            "url": f"{self.profile_url(account)}/{status_id}",
        }

    def _paragraph(self, text: str) -> str:
        parts, position = [], 0
        for match in TOKEN_RE.finditer(text):
            parts.append(escape_html(text[position:match.start()]))
            parts.append(self._token(match.group(0), match["url"], match["user"], match["domain"], match["tag"]))
            position = match.end()
        parts.append(escape_html(text[position:]))
        return "".join(parts).replace("\n", "<br />")

    def _token(self, raw: str, url: str | None, user: str | None, domain: str | None, tag: str | None) -> str:
        if url:
            return _link_html(url)
        if tag:
            href = escape_html(f"{self.base_url}/tags/{tag.lower()}")
            return f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{escape_html(tag)}</span></a>'
        account = self.world.find_account(user or "", domain)
        if account is None:
            return escape_html(raw)
        href, name = escape_html(self.profile_url(account)), escape_html(account.username)
        return f'<span class="h-card"><a href="{href}" class="u-url mention">@<span>{name}</span></a></span>'

    def _mention(self, account_id: str) -> JsonDict:
        account = self.world.accounts_by_id[account_id]
        return {"id": account.id, "username": account.username, "url": self.profile_url(account), "acct": account.acct}

    def _viewer_fields(self, s: DemoStatus) -> JsonDict:
        brand = self.world.brand.id
        fields: JsonDict = {
            "favourited": False,
            "reblogged": any(a == brand for _, a in self.index.reblogs.get(s.seq, [])),
            "muted": False, "bookmarked": False,
        }
        if s.account_id == brand and s.reblog_of is None:
            fields["pinned"] = False
        fields["filtered"] = []
        return fields

    def _edited_at(self, s: DemoStatus) -> str | None:
        if s.edited_after is None:
            return None
        return format_datetime(self.index.ts_ms[s.seq] + round(s.edited_after * 1000))

    def _application(self, name: str) -> JsonDict:
        return {"name": name, "website": APP_WEBSITES.get(name)}

    def _midnight(self, days_ago: int) -> str:
        moment = datetime.fromtimestamp(self.index.now_ms // 1000, UTC) - timedelta(days=days_ago)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return format_datetime(epoch_ms(midnight))

    def _fields(self, account: DemoAccount) -> list[JsonDict]:
        if account.id != self.world.brand.id:
            return []
        verified = datetime.fromtimestamp(self.index.now_ms // 1000, UTC) - timedelta(days=400, hours=3)
        return [
            {"name": "Website", "value": _link_html("https://acme-coffee.example", rel="nofollow noopener me"),
             "verified_at": verified.isoformat(timespec="milliseconds")},
            {"name": "Support", "value": "DM us or mail support@acme-coffee.example", "verified_at": None},
        ]


def _link_html(url: str, rel: str = "nofollow noopener") -> str:
    """Mastodon's link markup: scheme hidden, the first 30 characters visible, the rest hidden."""
    scheme, _, rest = url.partition("://")
    prefix = f"{scheme}://"
    if rest.startswith("www."):
        prefix, rest = prefix + "www.", rest[4:]
    visible, hidden = rest[:30], rest[30:]
    css = "ellipsis" if hidden else ""
    return (
        f'<a href="{escape_html(url)}" rel="{rel}" target="_blank">'
        f'<span class="invisible">{escape_html(prefix)}</span><span class="{css}">{escape_html(visible)}</span>'
        f'<span class="invisible">{escape_html(hidden)}</span></a>'
    )
