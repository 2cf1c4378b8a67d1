"""Trustpilot: a business unit's public service reviews and the company's replies (API key)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import (
    Author,
    BadRecord,
    Connector,
    Counters,
    Item,
    Page,
    Stream,
    SyncContext,
)
from connectors.errors import MalformedItemError, MalformedResponseError, PermanentError
from connectors.http import HttpSession, RateLimitHeaders
from connectors.newest_first import NewestFirstStream, review_floor, safe_time
from connectors.trustpilot.settings import TrustpilotSettings

PLATFORM = "trustpilot"
SITE_URL = "https://www.trustpilot.com"
RATING_SCALE = 5.0
# Trustpilot documents ceilings (833 calls / 5 min, 10,000 / hour) but no quota headers;
# the common names are read if they ever appear, a bare 429 waits the session's default.
RATE_LIMIT_HEADERS = RateLimitHeaders()


def parse_time(value: str) -> datetime:
    """Trustpilot times are UTC; the docs show them without a zone, the API adds a Z."""
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def next_page_url(body: dict[str, Any]) -> str | None:
    """The href of the `rel: next-page` entry of a response's `links` array."""
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next-page" and link.get("href"):
            return str(link["href"])
    return None


def business_author(unit: dict[str, Any]) -> Author:
    """The business unit as the author of its company replies."""
    name = unit.get("name")
    identifying = name.get("identifying") if isinstance(name, dict) else None
    handle = str(identifying or unit.get("displayName") or unit["id"])
    return Author(platform=PLATFORM, external_id=str(unit["id"]), handle=handle,
                  display_name=unit.get("displayName"), url=f"{SITE_URL}/review/{handle}")


def consumer_author(consumer: dict[str, Any]) -> Author:
    """The reviewer (Trustpilot gives a name and their review count, no followers)."""
    consumer_id = str(consumer["id"])
    name = consumer.get("displayName") or consumer_id
    return Author(platform=PLATFORM, external_id=consumer_id, handle=name, display_name=name,
                  url=f"{SITE_URL}/users/{consumer_id}")


def review_items(review: Any, brand: Author) -> list[Item]:
    """The review and, when the company answered, its reply; raises MalformedItemError."""
    try:
        return _review_items(review, brand)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        where = review.get("id") if isinstance(review, dict) else "?"
        raise MalformedItemError(f"review {where}: {error!r}") from error


def _review_items(review: dict[str, Any], brand: Author) -> list[Item]:
    review_id = str(review["id"])
    stars = int(review["stars"])
    if not 1 <= stars <= RATING_SCALE:
        raise ValueError(f"stars {stars} outside 1..5")
    url = f"{SITE_URL}/reviews/{review_id}"
    text = "\n".join(part.strip() for part in (review.get("title") or "", review.get("text") or "") if part.strip())
    items = [Item(
        platform=PLATFORM, external_id=review_id, kind="review", role="inbound",
        author=consumer_author(review["consumer"]), text=text, created_at=parse_time(review["createdAt"]),
        url=url, language=review.get("language"), counters=Counters(likes=review.get("numberOfLikes")),
        rating=float(stars), rating_scale=RATING_SCALE, raw=review,
    )]
    reply = review.get("companyReply")
    if isinstance(reply, dict) and (reply.get("text") or "").strip():
        items.append(Item(
            platform=PLATFORM, external_id=f"{review_id}/reply", kind="reply", role="owned", author=brand,
            text=reply["text"].strip(), created_at=parse_time(reply["createdAt"]), url=url,
            parent_external_id=review_id, root_external_id=review_id, raw=reply,
        ))
    return items


def created_time(review: Any) -> datetime:
    """Where a review sorts: its creation time."""
    return parse_time(review["createdAt"])


def page_of_reviews(reviews: list[Any], brand: Author) -> Page:
    """Reviews and company replies; broken records are set apart, the rest go on."""
    page = Page(authors=[brand])
    for review in reviews:
        try:
            page.items.extend(review_items(review, brand))
        except MalformedItemError as error:
            review_id = review.get("id") if isinstance(review, dict) else None
            page.bad_records.append(BadRecord(str(error), review, str(review_id) if review_id else None))
    return page


class TrustpilotApi:
    """The Business Units API calls one source makes."""

    def __init__(self, settings: TrustpilotSettings, session: HttpSession) -> None:
        self.settings = settings
        self.session = session
        self._unit: dict[str, Any] | None = None

    def business_unit(self) -> dict[str, Any]:
        """The business unit, resolved once per run (find by name, or by id)."""
        if self._unit is None:
            if self.settings.business_unit_id:
                body, _ = self.session.get_json(f"/v1/business-units/{self.settings.business_unit_id}")
            else:
                body, _ = self.session.get_json("/v1/business-units/find", params={"name": self.settings.domain})
            if not isinstance(body, dict) or not body.get("id"):
                wanted = self.settings.domain or self.settings.business_unit_id
                raise PermanentError(f"business-units: no business unit {wanted!r}")
            self._unit = body
        return self._unit

    def reviews_page(self, url: str | None) -> tuple[list[Any], str | None]:
        """One page of public reviews, newest first, and the URL of the `next-page` link."""
        params: dict[str, Any] | None = None
        if url is None:
            url = f"/v1/business-units/{self.business_unit()['id']}/reviews"
            params = {"perPage": self.settings.page_size, "page": 1, "orderBy": "createdat.desc"}
        body, _ = self.session.get_json(url, params=params)
        if not isinstance(body, dict) or not isinstance(body.get("reviews"), list):
            raise MalformedResponseError(f"{url}: expected {{\"reviews\": [...]}}, got {str(body)[:80]!r}")
        return body["reviews"], next_page_url(body)


class ReviewsStream(NewestFirstStream):
    """The business unit's reviews newest first, down to the high-water mark less `refresh_days`."""

    name = "reviews"

    def __init__(self, api: TrustpilotApi) -> None:
        self.api = api

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        return review_floor(context, mark, self.api.settings.backfill_days, self.api.settings.refresh_days)

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        return self.api.reviews_page(cursor)

    def entry_time(self, entry: Any) -> datetime | None:
        return safe_time(created_time, entry)

    def page_of(self, entries: list[Any]) -> Page:
        return page_of_reviews(entries, business_author(self.api.business_unit()))

    def final_page(self, mark: datetime | None) -> Page:
        page = super().final_page(mark)
        page.authors = [business_author(self.api.business_unit())]
        return page


class TrustpilotConnector(Connector):
    """The reviews stream of one business unit."""

    platform = PLATFORM
    settings_model = TrustpilotSettings
    description = ("Trustpilot service reviews of one business unit (stars, title, text, language)"
                   " and the company's replies")
    auth = "an API key (Trustpilot Business API module) in api_key_env, sent as the apikey header"
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: TrustpilotSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        api_key = (secrets or {}).get("api_key")
        if api_key:
            session.client.headers["apikey"] = api_key
        self.settings = settings
        self.api = TrustpilotApi(settings, session)

    def streams(self) -> list[Stream]:
        return [ReviewsStream(self.api)]
