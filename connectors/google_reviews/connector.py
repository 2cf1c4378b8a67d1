"""Google Business Profile reviews of the brand's own locations and the owner's replies (OAuth)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Author, BadRecord, Connector, Item, Page, Stream, SyncContext
from connectors.errors import AuthError, MalformedItemError, MalformedResponseError, PermanentError
from connectors.google_reviews.settings import GoogleReviewsSettings
from connectors.http import HttpSession, RateLimitHeaders, parse_json
from connectors.newest_first import NewestFirstStream, review_floor, safe_time

PLATFORM = "google_reviews"
RATING_SCALE = 5.0
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}  # STAR_RATING_UNSPECIFIED: no rating
# Google sends no quota headers: a 429 RESOURCE_EXHAUSTED (per-minute quota) comes without
# Retry-After and waits the session's default minute.
RATE_LIMIT_HEADERS = RateLimitHeaders()
TOKEN_MARGIN = timedelta(seconds=60)  # refresh this long before Google says the token expires
_FRACTION = re.compile(r"(\.\d{6})\d+")
_TRANSLATED = "(Translated by Google)"
_ORIGINAL = "(Original)"
_REFUSED_GRANTS = ("invalid_grant", "invalid_client", "unauthorized_client")


def parse_time(value: str) -> datetime:
    """RFC 3339 with up to nine fractional digits (Python reads six) -> aware UTC."""
    moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without time zone: {value!r}")
    return moment.astimezone(UTC)


def original_comment(comment: str) -> str:
    """The reviewer's own words, without the machine translation Google adds to the comment.

    Google writes "(Translated by Google) <translation>\\n\\n(Original)\\n<original>", or the
    original first and "(Translated by Google) <translation>" after it. Which language the
    original is in Google does not say; the scorer's detector decides.
    """
    if _ORIGINAL in comment:
        return comment.split(_ORIGINAL, 1)[1].strip()
    if _TRANSLATED in comment:
        return comment.split(_TRANSLATED, 1)[0].strip()
    return comment.strip()


class GoogleToken:
    """An OAuth access token from the refresh-token grant, reused until it nearly expires."""

    def __init__(self, settings: GoogleReviewsSettings, session: HttpSession, secrets: Mapping[str, str]) -> None:
        self.settings, self.session, self.secrets = settings, session, secrets
        self._token: str | None = None
        self._expires_at: datetime | None = None

    def header(self) -> dict[str, str]:
        """The Authorization header, refreshing the token first when needed."""
        if self._token is None or self._expires_at is None or self.session.clock() >= self._expires_at:
            self.refresh()
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> None:
        """POST the refresh token to Google's token endpoint; a refused grant names the variables."""
        form = {"client_id": self.secrets.get("client_id", ""), "client_secret": self.secrets.get("client_secret", ""),
                "refresh_token": self.secrets.get("refresh_token", ""), "grant_type": "refresh_token"}
        try:
            response = self.session.send("POST", f"{self.settings.oauth_base_url}/token", data=form)
        except PermanentError as error:
            if any(reason in str(error) for reason in _REFUSED_GRANTS):
                names = ", $".join(self.settings.secret_env_names().values())
                raise AuthError(f"Google refused the refresh token: check ${names}") from error
            raise
        body = parse_json(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise MalformedResponseError("token endpoint: no access_token in the response")
        self._token = str(body["access_token"])
        lifetime = timedelta(seconds=float(body.get("expires_in") or 3600))
        self._expires_at = self.session.clock() + lifetime - TOKEN_MARGIN


class GoogleReviewsApi:
    """The reviews.list calls of one source, authorised as the owner of its locations."""

    def __init__(self, settings: GoogleReviewsSettings, session: HttpSession, token: GoogleToken) -> None:
        self.settings, self.session, self.token = settings, session, token

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        """GET with the bearer token; one 401 gets a fresh token and one more try."""
        headers = self.token.header()
        try:
            body, _ = self.session.get_json(path, params=params, headers=headers)
        except AuthError:
            self.token.refresh()
            body, _ = self.session.get_json(path, params=params, headers=self.token.header())
        return body

    def reviews_page(self, location_id: str, page_token: str | None) -> tuple[list[Any], str | None]:
        """One ListReviewsResponse (newest update first): its reviews and the nextPageToken."""
        path = f"/v4/accounts/{self.settings.account_id}/locations/{location_id}/reviews"
        params: dict[str, Any] = {"pageSize": self.settings.page_size, "orderBy": "updateTime desc"}
        body = self.get_json(path, {**params, "pageToken": page_token} if page_token else params)
        if not isinstance(body, dict) or not isinstance(body.get("reviews", []), list):
            raise MalformedResponseError(f"{path}: expected a ListReviewsResponse, got {str(body)[:80]!r}")
        return body.get("reviews") or [], body.get("nextPageToken")


def reviewer_author(review: dict[str, Any]) -> Author | None:
    """The reviewer; Google gives no reviewer id, so each review's author is keyed by the review."""
    reviewer = review.get("reviewer") or {}
    if reviewer.get("isAnonymous") or not reviewer.get("displayName"):
        return None
    name = str(reviewer["displayName"])
    return Author(platform=PLATFORM, external_id=f"reviewer:{review['reviewId']}", handle=name, display_name=name)


def review_items(review: Any, owner: Author) -> list[Item]:
    """The review and, when the owner answered, the reply; raises MalformedItemError."""
    try:
        return _review_items(review, owner)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        where = review.get("reviewId") if isinstance(review, dict) else "?"
        raise MalformedItemError(f"review {where}: {error!r}") from error


def _review_items(review: dict[str, Any], owner: Author) -> list[Item]:
    review_id = str(review["reviewId"])
    stars = STARS.get(review.get("starRating") or "")
    if stars is None and review.get("starRating") not in (None, "STAR_RATING_UNSPECIFIED"):
        raise ValueError(f"unknown starRating {review['starRating']!r}")
    text = original_comment(review.get("comment") or "")
    items = [Item(
        platform=PLATFORM, external_id=review_id, kind="review", role="inbound", author=reviewer_author(review),
        text=text, created_at=parse_time(review["createTime"]),
        rating=float(stars) if stars else None, rating_scale=RATING_SCALE if stars else None, raw=review,
    )]
    reply = review.get("reviewReply")
    if isinstance(reply, dict) and (reply.get("comment") or "").strip():
        items.append(Item(
            platform=PLATFORM, external_id=f"{review_id}/reply", kind="reply", role="owned", author=owner,
            text=reply["comment"].strip(), created_at=parse_time(reply["updateTime"]),
            parent_external_id=review_id, root_external_id=review_id, raw=reply,
        ))
    return items


def update_time(review: Any) -> datetime:
    """Where a review sorts: its last update (a new or edited reply moves it up)."""
    return parse_time(review.get("updateTime") or review["createTime"])


def page_of_reviews(reviews: list[Any], owner: Author) -> Page:
    """Reviews and replies; broken records are set apart, the rest go on."""
    page = Page()
    for review in reviews:
        try:
            update_time(review)
            page.items.extend(review_items(review, owner))
        except (MalformedItemError, KeyError, TypeError, ValueError, AttributeError) as error:
            review_id = review.get("reviewId") if isinstance(review, dict) else None
            page.bad_records.append(BadRecord(str(error), review, str(review_id) if review_id else None))
    return page


class LocationReviewsStream(NewestFirstStream):
    """One location's reviews, newest update first, down to the high-water mark less `refresh_days`."""

    def __init__(self, api: GoogleReviewsApi, location_id: str) -> None:
        self.api, self.location_id = api, location_id
        self.name = f"reviews:{location_id}"
        settings = api.settings
        location = f"accounts/{settings.account_id}/locations/{location_id}"
        self.owner = Author(platform=PLATFORM, external_id=location, handle=settings.business_name or location,
                            display_name=settings.business_name)

    def floor(self, context: SyncContext, mark: datetime | None) -> datetime:
        return review_floor(context, mark, self.api.settings.backfill_days, self.api.settings.refresh_days)

    def fetch(self, cursor: str | None, floor: datetime) -> tuple[list[Any], str | None]:
        return self.api.reviews_page(self.location_id, cursor)

    def entry_time(self, entry: Any) -> datetime | None:
        return safe_time(update_time, entry)

    def page_of(self, entries: list[Any]) -> Page:
        return page_of_reviews(entries, self.owner)


class GoogleReviewsConnector(Connector):
    """One stream per location of the account."""

    platform = PLATFORM
    settings_model = GoogleReviewsSettings
    description = ("Google Business Profile reviews of the brand's own locations (star rating, comment)"
                   " and the owner's replies")
    auth = ("OAuth as the locations' owner or manager: client_id_env, client_secret_env and refresh_token_env "
            "(scope https://www.googleapis.com/auth/business.manage)")
    rate_limit_headers = RATE_LIMIT_HEADERS

    def __init__(self, settings: GoogleReviewsSettings, session: HttpSession,
                 secrets: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.api = GoogleReviewsApi(settings, session, GoogleToken(settings, session, secrets or {}))

    def streams(self) -> list[Stream]:
        return [LocationReviewsStream(self.api, location) for location in dict.fromkeys(self.settings.location_ids)]
