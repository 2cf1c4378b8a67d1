"""Mailchimp campaign reports (GET /3.0/reports): recipients, unique opens and clicks per sent campaign.

Opens and clicks keep arriving for days after a campaign is sent, so a run asks for the campaigns
sent since the cursor minus `refresh_days` and the stored reports are updated. Pages are read with
`offset` and `count` until `total_items` is reached. Member activity (who opened) is personal data and
is not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.base import BadRecord
from connectors.errors import AuthError, MalformedItemError, MalformedResponseError
from connectors.http import HttpSession
from connectors.mailchimp.settings import MailchimpSettings

REPORT_FIELDS = ("reports.id,reports.type,reports.send_time,reports.emails_sent,reports.unsubscribed,"
                 "reports.opens.unique_opens,reports.clicks.unique_subscriber_clicks,total_items")


def base_url_for(settings: MailchimpSettings, api_key: str) -> str:
    """The API's address: the configured one, else the data center named at the end of the key."""
    if settings.base_url:
        return settings.base_url
    _, dash, center = api_key.rpartition("-")
    if not dash or not center.isalnum():
        raise AuthError("the Mailchimp API key does not end in its data center (like -us21); "
                                     "set imports.mailchimp.base_url")
    return f"https://{center}.api.mailchimp.com"


@dataclass(frozen=True)
class CampaignReport:
    """One sent campaign's report."""

    campaign_id: str
    sent_at: datetime
    recipients: int
    opens: int
    clicks: int
    unsubscribes: int


@dataclass
class ReportPage:
    """One page of reports and those that could not be read."""

    reports: list[CampaignReport] = field(default_factory=list)
    bad_records: list[BadRecord] = field(default_factory=list)


def _count(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedItemError(f"{name} is not a count: {value!r}")
    return value


def parse_report(item: dict[str, Any]) -> CampaignReport:
    """A report item as a CampaignReport; MalformedItemError when a count or the send time is missing."""
    try:
        sent = datetime.fromisoformat(str(item["send_time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        raise MalformedItemError(f"report {item.get('id')!r}: no valid send_time") from None
    return CampaignReport(str(item.get("id") or ""), sent, _count(item.get("emails_sent"), "emails_sent"),
                          _count((item.get("opens") or {}).get("unique_opens"), "opens.unique_opens"),
                          _count((item.get("clicks") or {}).get("unique_subscriber_clicks"),
                                 "clicks.unique_subscriber_clicks"),
                          _count(item.get("unsubscribed", 0), "unsubscribed"))


def iter_report_pages(session: HttpSession, settings: MailchimpSettings,
                      since: datetime | None) -> Iterator[ReportPage]:
    """Pages of reports of campaigns sent since `since` (all when None), by offset until total_items."""
    offset = 0
    while True:
        params: dict[str, Any] = {"count": settings.page_size, "offset": offset, "fields": REPORT_FIELDS}
        if since is not None:
            params["since_send_time"] = since.isoformat()
        body, _ = session.get_json("/3.0/reports", params=params)
        items, total = (body.get("reports"), body.get("total_items")) if isinstance(body, dict) else (None, None)
        if not isinstance(items, list) or not isinstance(total, int):
            raise MalformedResponseError("mailchimp reports: the body has no 'reports' list and 'total_items'")
        page = ReportPage()
        for item in items:
            try:
                page.reports.append(parse_report(item))
            except MalformedItemError as error:
                page.bad_records.append(BadRecord(str(error), item, str(item.get("id") or "")))
        if items:
            yield page
        offset += len(items)
        if not items or offset >= total:
            return
