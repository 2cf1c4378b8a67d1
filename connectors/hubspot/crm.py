"""HubSpot CRM v3 search (POST /crm/v3/objects/{type}/search) walked by `hs_lastmodifieddate`, and the
associations batch read (POST /crm/v3/associations/{from}/{to}/batch/read) that ties deals and tickets to contacts.

A run asks for the objects modified at or after the cursor, oldest first, `limit` per page, following
`paging.next.after`. The search API stops paging at 10,000 results; the walk then starts a new search
from the last page's modification time (objects modified in the same millisecond come twice, which the
upserts absorb). The cursor that is safe to store after a page is its latest `hs_lastmodifieddate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.errors import MalformedResponseError
from connectors.http import HttpSession, parse_json
from connectors.hubspot.settings import HubspotSettings
from connectors.pagination import LoopGuard

SEARCH_RESULT_LIMIT = 10_000
MODIFIED = "hs_lastmodifieddate"


@dataclass(frozen=True)
class CrmObject:
    """One contact, deal or ticket: its id, properties as HubSpot sends them (strings), modification time."""

    id: str
    properties: dict[str, Any]
    modified: str


@dataclass
class CrmPage:
    """One page of search results and the cursor that is safe once the page is stored."""

    objects: list[CrmObject] = field(default_factory=list)
    cursor: str | None = None


def parse_moment(value: Any) -> datetime | None:
    """HubSpot's ISO 8601 date-time (or epoch milliseconds) as an aware datetime; None when empty."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def properties_of(object_type: str, settings: HubspotSettings) -> list[str]:
    """The properties asked for per object type (only what the import stores)."""
    wanted: dict[str, list[str | None]] = {
        "contacts": ["email", "createdate", settings.social_property, settings.referred_by_property],
        "deals": ["amount", "closedate", settings.won_property], "tickets": [settings.ticket_closed_property]}
    return [MODIFIED, *(p for p in wanted[object_type] if p)]


def post_json(session: HttpSession, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """POST a JSON body under the session's retry policy (HubSpot's reads by search are POSTs); the parsed reply."""
    return parse_json(session.send("POST", path, json=body, headers=headers))


def _search_body(object_type: str, settings: HubspotSettings, since: str | None, after: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
                            "properties": properties_of(object_type, settings), "limit": settings.page_size}
    if since:  # date-time filters take epoch milliseconds
        body["filterGroups"] = [{"filters": [{"propertyName": MODIFIED, "operator": "GTE",
                                              "value": str(int(_modified_order(since).timestamp() * 1000))}]}]
    if after:
        body["after"] = after
    return body


def _objects(body: Any, object_type: str) -> tuple[list[CrmObject], str | None]:
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise MalformedResponseError(f"hubspot {object_type} search: the body has no 'results' list")
    found = []
    for result in results:
        properties = result.get("properties") or {}
        modified = properties.get(MODIFIED) or result.get("updatedAt") or ""
        found.append(CrmObject(str(result.get("id") or ""), properties, str(modified)))
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return found, str(after) if after is not None else None


def iter_search_pages(session: HttpSession, object_type: str, settings: HubspotSettings, token: str,
                      since: str | None) -> Iterator[CrmPage]:
    """Pages of objects modified at or after `since`, oldest first, restarting the search at 10,000 results."""
    guard = LoopGuard(f"hubspot {object_type}")
    headers = {"Authorization": f"Bearer {token}"}
    after: str | None = None
    while True:
        body = post_json(session, f"/crm/v3/objects/{object_type}/search",
                            _search_body(object_type, settings, since, after), headers)
        objects, after = _objects(body, object_type)
        page = CrmPage(objects, max((o.modified for o in objects), default=since, key=_modified_order))
        guard.check((since, after, page.cursor))
        if objects:
            yield page
        if after is None:
            return
        if after.isdigit() and int(after) + settings.page_size > SEARCH_RESULT_LIMIT:  # no further pages: start over
            since, after = page.cursor, None


def _modified_order(value: str | None) -> datetime:
    moment = parse_moment(value)
    return moment if moment is not None else datetime.min.replace(tzinfo=UTC)


def fetch_contact_ids(session: HttpSession, from_type: str, ids: Sequence[str], token: str) -> dict[str, str]:
    """Object id -> the first associated contact id, by the associations batch read (objects without one left out)."""
    if not ids:
        return {}
    body = post_json(session, f"/crm/v3/associations/{from_type}/contacts/batch/read",
                     {"inputs": [{"id": i} for i in ids]}, {"Authorization": f"Bearer {token}"})
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise MalformedResponseError(f"hubspot {from_type} associations: the body has no 'results' list")
    found = {}
    for result in results:
        to = result.get("to") or []
        if to:
            found[str((result.get("from") or {}).get("id"))] = str(to[0].get("id"))
    return found
