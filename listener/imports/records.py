"""Pure: one CSV row (cells by our field names) becomes one typed record, or a CellError saying why not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from listener.config.imports import DecimalStyle, ImportsConfig
from listener.imports.values import (
    CellError,
    normalise_email,
    normalise_handle,
    parse_moment,
    parse_number,
    parse_score,
)

THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")
IMPORT_KINDS = ("nps", "customers", "orders", "tickets", "links", "email_campaigns", "web_days")


@dataclass(frozen=True)
class ParseOptions:
    """How cells are read: the profile's zone and the file's number and date conventions."""

    zone: ZoneInfo
    day_first: bool = True
    decimal: DecimalStyle = "auto"
    social_platform: str | None = None

    @classmethod
    def of(cls, imports: ImportsConfig, zone: ZoneInfo) -> ParseOptions:
        """Options from a profile's imports section."""
        return cls(zone, imports.day_first, imports.decimal, imports.social_platform)


@dataclass(frozen=True)
class Identities:
    """What a row says about who it is: normalised, not yet hashed."""

    customer_id: str | None = None
    email: str | None = None
    social: tuple[str, str] | None = None


@dataclass(frozen=True)
class ImportRecord:
    """A parsed row: its natural key in the file, who it concerns, and its values."""

    key: str
    who: Identities
    values: dict[str, object]


def _identities(cells: dict[str, str], options: ParseOptions) -> Identities:
    email = normalise_email(cells["email"]) if "email" in cells else None
    social = normalise_handle(cells["social_handle"], options.social_platform) if "social_handle" in cells else None
    return Identities(cells.get("customer_id"), email, social)


def _need(cells: dict[str, str], field: str) -> str:
    if field not in cells:
        raise CellError(f"{field} is empty")
    return cells[field]


def _when(cells: dict[str, str], field: str, options: ParseOptions, required: bool = True) -> datetime | None:
    if field not in cells and not required:
        return None
    return parse_moment(_need(cells, field), options.zone, options.day_first)


def parse_nps(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """An NPS answer: response id, score 0-10, when, optional e-mail / customer id / comment."""
    return ImportRecord(_need(cells, "response_id"), _identities(cells, options), {
        "score": parse_score(_need(cells, "score"), options.decimal),
        "submitted_at": _when(cells, "submitted_at", options), "comment": cells.get("comment")})


def parse_customer(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """A CRM customer: id, optional e-mail, social handle, signup date and who referred them."""
    return ImportRecord(_need(cells, "customer_id"), _identities(cells, options), {
        "created_at": _when(cells, "created_at", options, required=False),
        "referred_by": cells.get("referred_by")})


def parse_order(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """An order: id, customer id, when, optional amount."""
    amount = cells.get("amount")
    return ImportRecord(_need(cells, "order_id"), _identities({**cells, "customer_id": _need(cells, "customer_id")},
                                                              options), {
        "ordered_at": _when(cells, "ordered_at", options),
        "amount": parse_number(amount, options.decimal) if amount else None})


def parse_ticket(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """A resolved help-desk ticket: id, when it was resolved, whose (customer id or e-mail)."""
    who = _identities(cells, options)
    if who.customer_id is None and who.email is None:
        raise CellError("a ticket needs a customer_id or an email to say whose it is")
    return ImportRecord(_need(cells, "ticket_id"), who, {"resolved_at": _when(cells, "resolved_at", options)})


def parse_link(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """A mapping row: two or more identities of one person."""
    who = _identities(cells, options)
    if sum(x is not None for x in (who.customer_id, who.email, who.social)) < 2:
        raise CellError("a mapping row needs at least two of customer_id, email, social_handle")
    return ImportRecord("|".join(sorted(cells.values())), who, {})


def _count(cells: dict[str, str], field: str, options: ParseOptions, required: bool = True) -> int | None:
    """A whole number; "1.200" and "1,200" are thousands groups here (a count has no fraction)."""
    if field not in cells and not required:
        return None
    text = _need(cells, field)
    value = parse_number(text.replace(".", "").replace(",", "") if THOUSANDS.match(text) else text, options.decimal)
    if value < 0 or not value.is_integer():
        raise CellError(f"{field} {cells[field]!r} is not a whole number >= 0")
    return int(value)


def parse_campaign(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """An e-mail campaign report: id, when sent, recipients, unique opens and clicks, optional unsubscribes."""
    counts = {f: _count(cells, f, options) for f in ("recipients", "opens", "clicks")}
    if counts["opens"] > counts["recipients"] or counts["clicks"] > counts["recipients"]:  # type: ignore[operator]
        raise CellError("more unique opens or clicks than recipients")
    return ImportRecord(_need(cells, "campaign_id"), Identities(), {
        "sent_at": _when(cells, "sent_at", options), **counts,
        "unsubscribes": _count(cells, "unsubscribes", options, required=False) or 0})


def _share(cells: dict[str, str], field: str, options: ParseOptions) -> float | None:
    """A rate as 0.45, 45, 45% or 45,0 %: above 1 it is a percentage."""
    if field not in cells:
        return None
    value = parse_number(cells[field].replace("%", ""), options.decimal)
    share = value / 100 if "%" in cells[field] or value > 1 else value
    if not 0 <= share <= 1:
        raise CellError(f"{field} {cells[field]!r} is not a rate between 0 and 100%")
    return share


def parse_web_day(cells: dict[str, str], options: ParseOptions) -> ImportRecord:
    """A website's day: visits, optional visitors, pageviews, bounce rate, visit duration (s), conversions."""
    day = parse_moment(_need(cells, "day"), options.zone, options.day_first).astimezone(options.zone).date()
    duration = cells.get("visit_duration_seconds")
    return ImportRecord(day.isoformat(), Identities(), {
        "day": day, "visits": _count(cells, "visits", options),
        "visitors": _count(cells, "visitors", options, required=False),
        "pageviews": _count(cells, "pageviews", options, required=False),
        "bounce_rate": _share(cells, "bounce_rate", options),
        "visit_duration_seconds": parse_number(duration, options.decimal) if duration else None,
        "conversions": _count(cells, "conversions", options, required=False)})


PARSERS = {"nps": parse_nps, "customers": parse_customer, "orders": parse_order, "tickets": parse_ticket,
           "links": parse_link, "email_campaigns": parse_campaign, "web_days": parse_web_day}
