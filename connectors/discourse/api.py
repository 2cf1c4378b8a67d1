"""Discourse REST calls: topics and their post numbers, posts as items (ids qualified by forum host), likers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.base import Author, BadRecord, Counters, EngagementEvent, Item, Page
from connectors.discourse.cooked import cooked_text
from connectors.errors import AuthError, MalformedItemError, MalformedResponseError, PermanentError, RateLimitedError
from connectors.http import HttpSession
from connectors.records import RECORD_ERRORS
from connectors.timestamps import parse_time

PLATFORM = "discourse"
LIKE_ACTION = 2  # PostActionType.types[:like]
REGULAR_POST = 1  # post_type: 2 moderator action, 3 small action, 4 whisper
CHUNK_SIZE = 20  # what Discourse's own client asks /t/:id/posts.json for at a time
LIKERS_PAGE = 200  # post_action_users' default and largest page
MAX_NUMBER_LOOKUPS = 5


def like_count(post: dict[str, Any]) -> int:
    """Likes of a post: actions_summary entry id 2 (absent when nobody liked it)."""
    for action in post.get("actions_summary") or []:
        if action.get("id") == LIKE_ACTION:
            return int(action.get("count") or 0)
    return int(post.get("like_count") or 0)


def wanted(post: Any) -> bool:
    """Regular, visible posts only: no whispers, small actions, deleted or hidden posts."""
    if not isinstance(post, dict):
        return True  # let it fail to parse, so it is quarantined
    return (post.get("post_type", REGULAR_POST) == REGULAR_POST and not post.get("deleted_at")
            and not post.get("user_deleted") and not post.get("cooked_hidden"))


def skip_rule(post: dict[str, Any]) -> str:
    """Why `wanted` left a post out: deleted, hidden, or not a regular post (a moderator action, a whisper)."""
    if post.get("deleted_at") or post.get("user_deleted"):
        return "deleted"
    return "hidden" if post.get("cooked_hidden") else "not a regular post"


def rate_limit_hook(response: httpx.Response) -> None:
    """A 429 without Retry-After (a proxy dropped it) still says how long in `extras.wait_seconds`."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return
    response.read()
    try:
        wait = float(response.json()["extras"]["wait_seconds"])
    except (ValueError, KeyError, TypeError):
        return
    where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
    raise RateLimitedError(f"{where}: 429 Too Many Requests (extras.wait_seconds={wait:g})", wait)


def chunks(values: Sequence[int], size: int) -> Iterator[list[int]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


@dataclass
class Topic:
    """What one run knows of a topic: its post ids in order and the posts loaded so far."""

    id: int
    slug: str
    stream: list[int]
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)  # post_number -> post id

    def remember(self, posts: Iterable[Any]) -> None:
        """Keep loaded posts and their numbers."""
        for post in posts:
            if isinstance(post, dict) and isinstance(post.get("id"), int):
                self.posts[post["id"]] = post
                if isinstance(post.get("post_number"), int):
                    self.numbers[post["post_number"]] = post["id"]

    @property
    def first_post_id(self) -> int | None:
        """The topic's opening post (the thread root)."""
        return self.numbers.get(1) or (self.stream[0] if self.stream else None)


class DiscourseApi:
    """The calls one forum source makes; topics are cached for the run."""

    def __init__(self, base_url: str, session: HttpSession, staff_usernames: Iterable[str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        parts = urlsplit(self.base_url)
        # Host plus path: two forums in subfolders of one host keep apart.
        self.host = (parts.netloc + parts.path) if parts.netloc else self.base_url
        self.staff = {name.lower() for name in staff_usernames}
        self._topics: dict[int, Topic] = {}
        self._gone: dict[int, PermanentError] = {}  # topic id -> the error that said it is gone, this run

    def start_run(self) -> None:
        """Forget the topics read in an earlier run: a new sync reads them (and retries gone ones) afresh."""
        self._topics.clear()
        self._gone.clear()

    def qualify(self, post_id: int | None) -> str | None:
        """Forum-local post id -> our external id (also the forum's /p/:id short link)."""
        return f"{self.host}/p/{post_id}" if post_id is not None else None

    def local_id(self, external_id: str) -> int | None:
        """Our external id -> the forum's post id, or None for another forum's item."""
        prefix = f"{self.host}/p/"
        tail = external_id.removeprefix(prefix)
        return int(tail) if external_id.startswith(prefix) and tail.isdigit() else None

    def get(self, path: str, params: Any = None, *, expect: str) -> dict[str, Any]:
        """GET a JSON object that must carry the key `expect`; anything else is a malformed page."""
        body, _ = self.session.get_json(path, params=params)
        if not isinstance(body, dict) or expect not in body:
            raise MalformedResponseError(f"{path}: expected an object with {expect!r}, got {json.dumps(body)[:80]}")
        return body

    def topic(self, topic_id: int) -> Topic:
        """A topic from /t/:id.json (first posts and the whole post stream), once per run."""
        if topic_id in self._gone:
            raise PermanentError(str(self._gone[topic_id]), self._gone[topic_id].status)
        if topic_id not in self._topics:
            try:
                body = self.get(f"/t/{topic_id}.json", expect="post_stream")
            except PermanentError as error:
                self._gone[topic_id] = error  # asked once a run, however many of its posts are listed
                raise
            stream = body["post_stream"].get("stream") or []
            topic = Topic(int(body.get("id", topic_id)), str(body.get("slug") or ""), [int(i) for i in stream])
            topic.remember(body["post_stream"].get("posts") or [])
            self._topics[topic_id] = topic
        return self._topics[topic_id]

    def load_posts(self, topic: Topic, post_ids: Sequence[int]) -> None:
        """Fetch the posts not yet loaded, 20 at a time (/t/:id/posts.json?post_ids[]=)."""
        missing = [i for i in post_ids if i not in topic.posts]
        for chunk in chunks(missing, CHUNK_SIZE):
            body = self.get(f"/t/{topic.id}/posts.json", [("post_ids[]", i) for i in chunk], expect="post_stream")
            topic.remember(body["post_stream"].get("posts") or [])

    def post_id_for_number(self, topic: Topic, number: int) -> int | None:
        """The id of post #number: loaded, or found in the stream (it sits at or before index number-1)."""
        end = min(number, len(topic.stream))
        for _ in range(MAX_NUMBER_LOOKUPS):
            if number in topic.numbers or end <= 0:
                break
            start = max(0, end - CHUNK_SIZE)
            self.load_posts(topic, topic.stream[start:end])
            first = topic.posts.get(topic.stream[start])
            if first is None or first.get("post_number", 0) < number:
                break  # earlier posts are all before it: #number was deleted
            end = start
        return topic.numbers.get(number)

    def author(self, user_id: Any, username: str, name: str | None = None) -> Author:
        """An author from a forum user (ids are per forum, so qualified by host)."""
        return Author(platform=PLATFORM, external_id=f"{self.host}/u/{user_id}", handle=username,
                      display_name=name or None, url=f"{self.base_url}/u/{username}")

    def item(self, post: dict[str, Any], topic_of: Callable[[int], Topic | None]) -> Item:
        """Our Item from a post; parent and root are post ids found through the post's topic."""
        username, number = str(post["username"]), int(post["post_number"])
        created_at = parse_time(post["created_at"])
        cooked, raw = post.get("cooked"), post.get("raw")
        if cooked is None and raw is None:
            raise MalformedItemError(f"post {post['id']}: neither cooked nor raw")
        parent, root = self.thread_of(post, number, topic_of)
        slug = post.get("topic_slug") or "-"
        return Item(
            platform=PLATFORM, external_id=self.qualify(int(post["id"])) or "",
            kind="post" if number == 1 else "reply",
            role="owned" if username.lower() in self.staff else "inbound",
            author=self.author(post["user_id"], username, post.get("name")),
            text=cooked_text(cooked) if cooked is not None else str(raw).strip(), created_at=created_at,
            url=self.base_url + (post.get("post_url") or f"/t/{slug}/{post['topic_id']}/{number}"),
            language=post.get("locale") or None,
            parent_external_id=parent, root_external_id=root,
            counters=Counters(likes=like_count(post), replies=post.get("reply_count"),
                              quotes=post.get("quote_count"), views=post.get("reads")),
            raw=post,
        )

    def thread_of(self, post: dict[str, Any], number: int,
                  topic_of: Callable[[int], Topic | None]) -> tuple[str | None, str | None]:
        """(parent, root) external ids: the post replied to (else the first post), the first post."""
        topic = topic_of(int(post["topic_id"])) if number > 1 else None
        if topic is None:
            return None, None
        root = topic.first_post_id
        reply_to = post.get("reply_to_post_number")
        parent = self.post_id_for_number(topic, int(reply_to)) if reply_to else None
        return self.qualify(parent or root), self.qualify(root)

    def page_of_posts(self, posts: Sequence[Any]) -> Page:
        """Items of the wanted posts; a post that fails to parse goes to bad_records.

        A reply whose topic cannot be read (404) is stored without parent and root, and counted
        per topic as a thread not read.
        """
        page = Page()
        orphans: dict[int, int] = {}  # topic id -> replies stored without their thread
        for post in posts:
            if not wanted(post):
                page.skip(skip_rule(post))
                continue
            try:
                item = self.item(post, self.topic_or_none)
            except RECORD_ERRORS as error:
                external = (self.qualify(post["id"]) if isinstance(post, dict) and isinstance(post.get("id"), int)
                            else None)
                page.bad_records.append(BadRecord(f"{type(error).__name__}: {error}", post, external))
                continue
            page.items.append(item)
            if item.kind == "reply" and item.root_external_id is None:
                orphans[int(post["topic_id"])] = orphans.get(int(post["topic_id"]), 0) + 1
        for topic_id, count in orphans.items():
            why = self._gone.get(topic_id, "the topic lists no posts")
            page.could_not_expand(count, f"topic {topic_id}: thread of {count} reply(ies) not read: {why}")
        return page

    def page_of_topic_posts(self, topic: Topic, post_ids: Sequence[int]) -> Page:
        """page_of_posts for loaded posts of a topic; ids it lists but no longer returns are counted as deleted."""
        present = [i for i in post_ids if i in topic.posts]
        page = self.page_of_posts([topic.posts[i] for i in present])
        page.skip("deleted", len(post_ids) - len(present))
        return page

    def topic_or_none(self, topic_id: int) -> Topic | None:
        """The topic, or None when it is gone (404): the post is kept without its thread."""
        try:
            return self.topic(topic_id)
        except PermanentError:
            return None

    def likers(self, post_id: int) -> Iterator[dict[str, Any]]:
        """Who liked a post (/post_action_users.json); AuthError/PermanentError where the forum hides it."""
        page = 0
        while True:
            params = {"id": post_id, "post_action_type_id": LIKE_ACTION, "page": page, "limit": LIKERS_PAGE}
            body = self.get("/post_action_users.json", params, expect="post_action_users")
            users = body["post_action_users"] or []
            yield from users
            if len(users) < LIKERS_PAGE or not body.get("total_rows_post_action_users"):
                return
            page += 1

    def add_like_events(self, page: Page) -> None:
        """Like events for the page's owned posts that have likes (Discourse says who, not when).

        Likes whose likers the forum does not show are counted; a liker without id or username
        is quarantined with its record.
        """
        for item in [i for i in page.items if i.role == "owned"]:
            post_id = self.local_id(item.external_id)
            if post_id is None or not item.counters.likes:
                continue
            try:
                users = list(self.likers(post_id))
            except (AuthError, PermanentError):
                page.skip("likes whose likers the forum hides", item.counters.likes)
                continue
            for user in users:
                if isinstance(user, dict) and user.get("id") is not None and user.get("username"):
                    actor = self.author(user["id"], str(user["username"]), user.get("name"))
                    page.events.append(EngagementEvent(PLATFORM, item.external_id, actor, "like"))
                else:
                    page.bad_records.append(BadRecord(f"liker of post {post_id} without id or username", user))
