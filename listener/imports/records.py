"""Pure: one CSV row (cells by our field names) becomes one typed record, or a CellError saying why not."""

from __future__ import annotations

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

IMPORT_KINDS = ("nps", "customers", "orders", "tickets", "links")


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


PARSERS = {"nps": parse_nps, "customers": parse_customer, "orders": parse_order, "tickets": parse_ticket,
           "links": parse_link}
