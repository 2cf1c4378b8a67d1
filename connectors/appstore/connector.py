"""Apple App Store customer reviews: Apple's public RSS feed in JSON, per app and country (no key)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.appstore.settings import AppStoreSettings
from connectors.base import Author, BadRecord, Connector, Counters, Item, Page, Stream, SyncContext
from connectors.errors import AuthError, MalformedItemError, MalformedResponseError, WaitTooLongError
from connectors.http import HttpSession, RateLimitHeaders
from connectors.newest_first import NewestFirstStream
from connectors.pagination import LoopGuard
from connectors.timestamps import parse_time

PLATFORM = "appstore"
FEED_PATH = "/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
MAX_PAGES = 10  # Apple serves the newest 500 reviews per country: 10 pages of 50
RATING_SCALE = 5.0
# Apple documents no quota headers for this feed; the common names are read if a proxy adds them.
RATE_LIMIT_HEADERS = RateLimitHeaders()
# Apple answers throttling with a bare 403 and no hint of how long; a quarter hour is a guess.
THROTTLE_WAIT_SECONDS = 900.0
_LAST_PAGE = re.compile(r"/page=(\d+)/")
_AUTHOR_ID = re.compile(r"/id(\d+)\b")
_STATUS_403 = re.compile(r": 403 ")


def label(node: Any, key: str) -> str | None:
    """The `label` of a `{"label": ...}` wrapped field, or None."""
    value = node.get(key) if isinstance(node, dict) else None
    text = value.get("label") if isinstance(value, dict) else None
    return text if isinstance(text, str) else None


def require_label(node: Any, key: str) -> str:
    """A wrapped field that must be there."""
    text = label(node, key)
    if text is None:
        raise KeyError(key)
    return text


def entries_of(feed: dict[str, Any]) -> list[Any]:
    """`feed.entry` as a list: absent when there are no reviews, an object when there is one."""
    entry = feed.get("entry")
    if entry is None:
        return []
    if isinstance(entry, dict):
        return [entry]
    if isinstance(entry, list):
        return entry
    raise MalformedResponseError(f"feed.entry: expected a list or an object, got {type(entry).__name__}")


def last_page_of(feed: dict[str, Any]) -> int:
    """The page number of the feed's `rel=last` link (Apple's hrefs point at XML, so only the number is used)."""
    links = feed.get("link")
    for link in links if isinstance(links, list) else [links]:
        attributes = link.get("attributes") if isinstance(link, dict) else None
        if isinstance(attributes, dict) and attributes.get("rel") == "last":
            match = _LAST_PAGE.search(str(attributes.get("href", "")))
            if match:
                return min(int(match.group(1)), MAX_PAGES)
    return MAX_PAGES


def is_app_entry(entry: Any) -> bool:
    """Older feeds open page 1 with the app itself (im:name, no rating): not a review."""
    return isinstance(entry, dict) and "im:name" in entry and "im:rating" not in entry


def review_author(entry: dict[str, Any]) -> Author | None:
    """The reviewer, keyed by the numeric id in their profile URI."""
    node = entry.get("author")
    match = _AUTHOR_ID.search(label(node, "uri") or "")
    name = label(node, "name")
    if not match or not name:
        return None
    return Author(platform=PLATFORM, external_id=match.group(1), handle=name, display_name=name, url=label(node, "uri"))


def review_time(entry: dict[str, Any], served_at: datetime | None) -> datetime:
    """The entry's `updated`; app feeds leave it out, and then the time Apple served the page stands in."""
    updated = entry.get("updated")
    if updated is None and served_at is not None:
        return served_at
    return parse_time(require_label(entry, "updated"))


def feed_time(feed: dict[str, Any]) -> datetime | None:
    """When Apple served the feed page (`feed.updated`), None when it is missing or broken."""
    try:
        return parse_time(label(feed, "updated") or "")
    except ValueError:
        return None


def review_item(entry: Any, served_at: datetime | None = None) -> Item:
    """Our Item from one feed entry; raises MalformedItemError on a broken record.

    `served_at` (the feed page's own time) dates reviews that carry no `updated` of their own.
    """
    try:
        return _review_item(entry, served_at)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise MalformedItemError(f"review {label(entry, 'id') or '?'}: {error!r}") from error


def _review_item(entry: dict[str, Any], served_at: datetime | None) -> Item:
    rating = int(require_label(entry, "im:rating"))
    if not 1 <= rating <= RATING_SCALE:
        raise ValueError(f"im:rating {rating} outside 1..5")
    title, content = (label(entry, "title") or "").strip(), (label(entry, "content") or "").strip()
    link = entry.get("link")
    href = link.get("attributes", {}).get("href") if isinstance(link, dict) else None
    votes = label(entry, "im:voteSum")
    return Item(
        platform=PLATFORM, external_id=require_label(entry, "id"), kind="review", role="inbound",
        author=review_author(entry), text="\n".join(part for part in (title, content) if part),
        created_at=review_time(entry, served_at), url=href,
        counters=Counters(likes=int(votes) if votes is not None else None),
        rating=float(rating), rating_scale=RATING_SCALE, raw=entry,
    )


Dated = tuple[Any, datetime | None]  # a feed entry and the time Apple served its page


def page_of_reviews(entries: list[Dated]) -> Page:
    """Reviews of a feed page; broken ones are set apart, the rest go on."""
    page = Page()
    for entry, served_at in entries:
        try:
            page.items.append(review_item(entry, served_at))
        except MalformedItemError as error:
            page.bad_records.append(BadRecord(str(error), entry, label(entry, "id")))
    return page


class AppStoreFeed:
    """The feed requests of one source, paced: Apple allows about 20 calls a minute per IP."""

    def __init__(self, settings: AppStoreSettings, session: HttpSession) -> None:
        self.settings = settings
        self.session = session
        self.requests = 0

    def fetch(self, country: str, page: int) -> dict[str, Any]:
        """`feed` of one page; a 403 (Apple's throttle, this feed needs no key) defers the run."""
        if self.requests:
            self.session.sleep(self.settings.request_interval_seconds)
        self.requests += 1
        path = FEED_PATH.format(country=country, page=page, app_id=self.settings.app_id)
        try:
            body, _ = self.session.get_json(path)
        except AuthError as error:
            if _STATUS_403.search(str(error)):
                raise WaitTooLongError(f"{path}: 403, Apple's throttle (no wait given): next run resumes",
                                       THROTTLE_WAIT_SECONDS) from error
            raise
        feed = body.get("feed") if isinstance(body, dict) else None
        if not isinstance(feed, dict):
            raise MalformedResponseError(f"{path}: expected {{\"feed\": {{...}}}}, got {str(body)[:80]!r}")
        return feed


class CountryReviewsStream(NewestFirstStream):
    """Reviews of the app in one storefront, newest first, down to the stored high-water mark."""

    def __init__(self, feed: AppStoreFeed, country: str) -> None:
        self.feed, self.country = feed, country
        self.name = f"reviews:{country}"

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        return mark or context.now - timedelta(days=self.feed.settings.backfill_days)

    def entry_time(self, entry: Dated) -> datetime | None:
        # The whole review is read: a broken entry without `updated` would otherwise sort at the
        # page's serving time and lift the mark above reviews that came before it.
        try:
            return review_item(*entry).created_at
        except MalformedItemError:
            return None

    def page_of(self, entries: list[Dated]) -> Page:
        return page_of_reviews(entries)

    def listing(self, floor: datetime) -> Iterator[list[Dated]]:
        """Feed pages 1..last (at most 10), newest first, fetched only as far as they are read;
        the app's own entry (older feeds open page 1 with it) is left out."""
        guard = LoopGuard(self.name)
        last_page = MAX_PAGES
        for number in range(1, MAX_PAGES + 1):
            feed = self.feed.fetch(self.country, number)
            entries = entries_of(feed)
            if not entries:
                return
            # A feed that ignored the page number would serve the same reviews forever.
            guard.check(tuple(label(entry, "id") for entry in entries))
            last_page = min(last_page, last_page_of(feed))
            served_at = feed_time(feed)
            yield [(entry, served_at) for entry in entries if not is_app_entry(entry)]
            if number >= last_page:
                return


class AppStoreConnector(Connector):
    """One stream per country of the app's customer reviews."""

    platform = PLATFORM
    settings_model = AppStoreSettings
    description = "Apple App Store customer reviews of one app in several countries (star rating, title, text, version)"
    auth = "none (Apple's public customer-reviews feed)"
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: AppStoreSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.feed = AppStoreFeed(settings, session)

    def reparse(self, stream: str, payload: Any, seen_at: datetime) -> list[Item]:
        return [review_item(payload, seen_at)]

    def streams(self) -> list[Stream]:
        return [CountryReviewsStream(self.feed, country) for country in dict.fromkeys(self.settings.countries)]
