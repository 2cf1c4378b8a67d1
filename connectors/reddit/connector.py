"""Reddit (OAuth): subreddit posts, brand search, comment trees with `more` stubs, inbox, the brand's own posts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.base import BadRecord, Connector, Item, Page, Stream, SyncContext
from connectors.errors import AuthError, MalformedItemError, MalformedResponseError, PermanentError, TransientError
from connectors.http import HttpSession, RateLimitHeaders
from connectors.pagination import LoopGuard
from connectors.reddit.auth import RedditToken
from connectors.reddit.settings import RedditSettings
from connectors.reddit.things import (
    PLATFORM,
    Brand,
    flatten_tree,
    listing_children,
    thing_item,
    thing_name,
)
from connectors.walk_state import WalkState

# Reddit sends Used/Remaining/Reset (Remaining is a float string, Reset is seconds from now); no Limit header.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    remaining="X-Ratelimit-Remaining", limit="X-Ratelimit-Limit", reset="X-Ratelimit-Reset", reset_format="seconds",
)
MORECHILDREN_BATCH = 100
TREE_LIMIT = 500


@dataclass
class Tree:
    """A post's comments as far as they could be read, and how many could not."""

    things: list[Any]
    unexpanded: int = 0
    problems: list[str] = field(default_factory=list)


class RedditWalkState(WalkState):
    """Reddit tracks comment counts of posts (t3_) only."""

    def tracks(self, item: Item) -> bool:
        return item.external_id.startswith("t3_")


class RedditApi:
    """Reddit's OAuth API for one source: bearer token, one renewal on 401, comment trees."""

    def __init__(self, settings: RedditSettings, session: HttpSession, token: RedditToken) -> None:
        self.settings = settings
        self.session = session
        self.token = token
        self.brand = Brand(settings.account, tuple(settings.search))
        self.trees_done: set[str] = set()
        self._last_status: int | None = None
        session.client.event_hooks["response"].append(self._note_status)

    def _note_status(self, response: httpx.Response) -> None:
        self._last_status = response.status_code

    def get(self, path: str, params: dict[str, Any]) -> Any:
        """GET an API path with the bearer token; a 401 renews the token and retries once."""
        params = {**params, "raw_json": 1}
        headers = self.token.headers()
        try:
            return self.session.get_json(path, params=params, headers=headers)[0]
        except AuthError:
            if self._last_status != 401:
                raise
            self.token.forget()
            return self.session.get_json(path, params=params, headers=self.token.headers())[0]

    def page_of(self, things: list[Any], *, found_by_search: bool = False) -> Page:
        """Items of some things, each at most once; broken ones become bad records."""
        items: dict[str, Item] = {}
        page = Page()
        for thing in things:
            try:
                item = thing_item(thing, self.brand, found_by_search=found_by_search)
            except MalformedItemError as error:
                page.bad_records.append(BadRecord(str(error), thing, thing_name(thing)))
                continue
            if item is not None:
                items.setdefault(item.external_id, item)
            else:
                page.skip(skip_rule(thing))
        page.items = list(items.values())
        return page

    def comment_tree(self, post: str) -> Tree:
        """Every comment under a post (t3 fullname), `more` stubs expanded as far as Reddit lets us."""
        children = self._thread(post, {"limit": TREE_LIMIT})
        things, stubs = flatten_tree(children)
        tree = Tree(things)
        self.expand(post, stubs, tree)
        return tree

    def expand(self, post: str, stubs: list[dict[str, Any]], tree: Tree) -> None:
        """Comments behind `more` stubs: /api/morechildren for listed ids, the thread below for 'continue this thread'.

        A request that fails leaves its comments unread and counted; what was read stays.
        """
        guard = LoopGuard(f"more comments of {post}")
        pending = list(stubs)
        while pending:
            stub = pending.pop(0)
            for kind, ids in self._requests(stub):
                guard.check((kind, ids))
                try:
                    body = self._more(post, ids) if kind == "more" else self._continue(post, ids[0])
                except (PermanentError, MalformedResponseError, TransientError) as error:
                    missing = len(ids) if kind == "more" else int(stub.get("count") or 1)
                    tree.unexpanded += missing
                    tree.problems.append(f"{post}: {missing} comment(s) behind a 'more' stub not read: {error}")
                    continue
                things, more = flatten_tree(body)
                tree.things.extend(things)
                pending.extend(more)

    def _requests(self, stub: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
        """What one stub needs: morechildren batches of its ids, or (no ids) the thread below its parent."""
        ids = [str(c) for c in stub.get("children") or []]
        if ids:
            return [("more", tuple(ids[i : i + MORECHILDREN_BATCH])) for i in range(0, len(ids), MORECHILDREN_BATCH)]
        parent = str(stub.get("parent_id") or "")
        return [("thread", (parent.removeprefix("t1_"),))] if parent.startswith("t1_") else []

    def _more(self, post: str, ids: tuple[str, ...]) -> list[Any]:
        body = self.get("/api/morechildren", {"api_type": "json", "link_id": post, "children": ",".join(ids),
                                              "limit_children": "false"})
        answer = body.get("json") if isinstance(body, dict) else None
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:  # a 200 that refused the request: [[code, message, field], ...]
            raise PermanentError(f"/api/morechildren: {'; '.join(_error_line(e) for e in errors)[:200]}")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("things"), list):
            raise MalformedResponseError(f"/api/morechildren: expected json.data.things, got {str(body)[:80]!r}")
        return data["things"]

    def _continue(self, post: str, comment: str) -> list[Any]:
        return self._thread(post, {"comment": comment, "limit": TREE_LIMIT})

    def _thread(self, post: str, params: dict[str, Any]) -> list[Any]:
        path = f"/comments/{post.removeprefix('t3_')}"
        body = self.get(path, params)
        if not isinstance(body, list) or len(body) != 2:
            raise MalformedResponseError(f"{path}: expected [post listing, comment listing]")
        return listing_children(body[1], path)[0]


class ListingStream(Stream):
    """A newest-first listing walked back to the stored high-water mark, with its posts' comment trees."""

    def __init__(self, api: RedditApi, name: str, path: str, params: dict[str, Any] | None = None,
                 *, found_by_search: bool = False) -> None:
        self.api, self.name, self.path = api, name, path
        self.params = params or {}
        self.found_by_search = found_by_search

    def iter_pages(self, context: SyncContext) -> Iterator[Page]:
        settings = self.api.settings
        state = RedditWalkState.parse(context.cursor)
        floor = datetime.fromtimestamp(state.floor(context.now, settings.backfill_days, settings.refresh_days), UTC)
        seen = RedditWalkState(newest=state.newest)
        guard = LoopGuard(self.name)
        after: str | None = None
        while True:
            params = {**self.params, "limit": settings.page_size, **({"after": after} if after else {})}
            children, after = listing_children(self.api.get(self.path, params), self.path)
            kept = [c for c in children if not _older_than(c, floor)]
            page = self.api.page_of(self.resolve(kept), found_by_search=self.found_by_search)
            page.skip("too old", len(children) - len(kept))
            if page.items or page.bad_records or page.skipped:
                yield page
            seen.note(page.items)
            yield from self.trees(page.items, state, seen)
            if not after or len(kept) < len(children):
                break
            guard.check(after)
        yield Page(cursor=seen.finish(context.now, settings.refresh_days).dump())

    def resolve(self, things: list[Any]) -> list[Any]:
        """The things to store for a listing page (the page itself, unless a stream knows better)."""
        return things

    def trees(self, items: list[Item], before: WalkState, seen: WalkState) -> Iterator[Page]:
        """A page per post whose comment count changed since the last walk (one read in part is read again)."""
        for item in items:
            count = item.counters.replies or 0
            if item.external_id.startswith("t3_") and self.wants_tree(item.external_id, count, before):
                self.api.trees_done.add(item.external_id)
                page = self.tree_page(item.external_id, count)
                if page.unexpanded:
                    seen.forget(item.external_id)
                yield page

    def wants_tree(self, post: str, count: int, before: WalkState) -> bool:
        """Fetch a tree when comments are on, it has any, its count moved, and no stream fetched it this run."""
        return (self.api.settings.comments and count > 0 and before.comments.get(post) != count
                and post not in self.api.trees_done)

    def tree_page(self, post: str, count: int) -> Page:
        """The comments under one post as a page; those of a post gone since it was listed are counted."""
        try:
            tree = self.api.comment_tree(post)
        except PermanentError as error:
            page = Page()  # the post as listed stays stored
            if error.gone:
                page.skip("comments of a deleted post", count)
            else:
                page.could_not_expand(count, f"{post}: {count} comment(s) not read: {error}")
            return page
        page = self.api.page_of(tree.things)
        if tree.unexpanded:
            page.could_not_expand(tree.unexpanded, "; ".join(tree.problems))
        return page


class InboxStream(ListingStream):
    """The brand's inbox: mentions and replies, re-read through /api/info as ordinary comments."""

    def __init__(self, api: RedditApi) -> None:
        super().__init__(api, "inbox", "/message/inbox", {"mark": "false"})

    def resolve(self, things: list[Any]) -> list[Any]:
        # Inbox entries are message-shaped (no link_id, no permalink); /api/info gives the comment
        # itself, so it is stored exactly as a comment tree would store it. Private messages (t4) are skipped.
        names = [thing_name(t) for t in things if isinstance(t, dict) and t.get("kind") == "t1"]
        wanted = [n for n in names if n]
        broken = [t for t in things if isinstance(t, dict) and t.get("kind") == "t1" and not thing_name(t)]
        if not wanted:
            return broken
        children, _ = listing_children(self.api.get("/api/info", {"id": ",".join(wanted)}), "/api/info")
        return children + broken


def _error_line(error: Any) -> str:
    """One entry of a json.errors list (`[code, message, field]`) as text."""
    if isinstance(error, list):
        return " ".join(str(part) for part in error if part)
    return str(error)


def skip_rule(thing: Any) -> str:
    """Why a well-formed thing was not stored: deleted or removed, or a kind we do not collect."""
    kind = thing.get("kind") if isinstance(thing, dict) else None
    return "deleted" if kind in ("t1", "t3") else "not a post or comment"


def _older_than(thing: Any, floor: datetime) -> bool:
    """True for a thing created before the floor (a thing without a valid time is kept, to be quarantined)."""
    data = thing.get("data") if isinstance(thing, dict) else None
    created = data.get("created_utc") if isinstance(data, dict) else None
    if isinstance(created, bool) or not isinstance(created, (int, float)):
        return False
    return datetime.fromtimestamp(float(created), UTC) < floor


class RedditConnector(Connector):
    """Streams of one Reddit source, in the order they should run."""

    platform = PLATFORM
    settings_model = RedditSettings
    description = ("Reddit (OAuth): subreddit new posts, brand search, comment trees (more stubs expanded), "
                   "the brand account's posts and comments, inbox mentions and replies")
    auth = ("a Reddit app's client id and secret (client_id_env, client_secret_env): application-only; "
            "for inbox, a script app with the brand account's username_env and password_env")
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: RedditSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        session.client.headers["User-Agent"] = settings.agent()
        token = RedditToken(settings.token_url, session, secrets or {}, settings.secret_env_names())
        self.settings = settings
        self.api = RedditApi(settings, session, token)

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        item = thing_item(payload, self.api.brand, found_by_search=stream.startswith("search:"))
        return [item] if item is not None else []

    def streams(self) -> list[Stream]:
        s, api = self.settings, self.api
        api.trees_done.clear()  # a new sync: every tree may be due again
        streams: list[Stream] = []
        if s.account:
            streams.append(ListingStream(api, "owned", f"/user/{s.account}/overview", {"sort": "new"}))
        streams.extend(ListingStream(api, f"r/{sub}", f"/r/{sub}/new") for sub in s.subreddits)
        where = f"/r/{'+'.join(s.subreddits)}/search" if s.search_subreddits_only else "/search"
        for term in s.search:
            params = {"q": term, "sort": "new", "type": "link",
                      **({"restrict_sr": 1} if s.search_subreddits_only else {})}
            streams.append(ListingStream(api, f"search:{term}", where, params, found_by_search=True))
        if s.inbox:
            streams.append(InboxStream(api))
        return streams
