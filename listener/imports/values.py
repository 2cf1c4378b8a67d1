"""Pure parsers for the values real exports hold: decimal commas, day-first dates, e-mails, social handles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from listener.config.imports import DecimalStyle


class CellError(ValueError):
    """A cell that cannot be read; the message names the value and what was expected."""


_DAY_FIRST = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_CURRENCY = re.compile(r"^[€$£]|[€$£]$|^(EUR|USD|GBP|CHF)\s*|\s*(EUR|USD|GBP|CHF)$", re.I)
_GROUPED = {",": re.compile(r"^-?\d{1,3}(,\d{3}){2,}$"), ".": re.compile(r"^-?\d{1,3}(\.\d{3}){2,}$")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_number(text: str, style: DecimalStyle = "auto") -> float:
    """A number written as 1234.5, 1.234,50, 1 234,5, € 12,50 ...; "auto" reads a lone comma as decimal."""
    cleaned = _SPACES.sub("", _CURRENCY.sub("", text.strip()))
    if not cleaned:
        raise CellError(f"{text!r} is not a number")
    if style == "comma":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif style == "point":
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = _auto_separators(cleaned)
    try:
        return float(cleaned)
    except ValueError:
        raise CellError(f"{text!r} is not a number") from None


def _auto_separators(text: str) -> str:
    """The last of ',' and '.' is the decimal mark; a mark repeated in groups of three is thousands."""
    for mark, pattern in _GROUPED.items():
        if pattern.match(text):
            return text.replace(mark, "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    return text.replace(",", ".")


def parse_moment(text: str, zone: ZoneInfo, day_first: bool = True) -> datetime:
    """A UTC datetime from ISO 8601 or dd-mm-yyyy / dd.mm.yyyy / dd/mm/yyyy [HH:MM[:SS]] in the profile's zone.

    A date without a time is the start of that local day.
    """
    value = text.strip()
    match = _DAY_FIRST.match(value)
    try:
        if match:
            first, second, year, hour, minute, second_s = match.groups()
            day, month = (first, second) if day_first else (second, first)
            moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second_s or 0))
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        order = "dd-mm-yyyy" if day_first else "mm-dd-yyyy"
        raise CellError(f"{text!r} is not a date (expected yyyy-mm-dd or {order}, optionally with HH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def start_of_day(moment: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight of the day `moment` falls on, in UTC."""
    return datetime.combine(moment.astimezone(zone).date(), time(), zone).astimezone(UTC)


def parse_score(text: str, style: DecimalStyle = "auto") -> int:
    """An NPS answer: a whole number from 0 to 10 ("9", "9,0" and "9.0" alike)."""
    value = parse_number(text, style)
    if value != int(value) or not 0 <= value <= 10:
        raise CellError(f"{text!r} is not an NPS score (a whole number 0-10)")
    return int(value)


def normalise_email(text: str) -> str:
    """An e-mail address trimmed and lower-cased; anything else is refused."""
    value = text.strip().lower()
    if value.startswith("mailto:"):
        value = value[len("mailto:"):]
    if not _EMAIL.match(value):
        raise CellError("an e-mail cell does not hold an e-mail address")
    return value


def normalise_handle(text: str, default_platform: str | None) -> tuple[str, str]:
    """(platform, handle) from "platform:@handle" or a bare "@handle" on the configured platform."""
    value = text.strip()
    platform, sep, rest = value.partition(":")
    if sep and re.fullmatch(r"[a-z_]+", platform) and rest:
        value = rest
    elif default_platform:
        platform = default_platform
    else:
        raise CellError(f"social handle {text!r} has no platform: write platform:handle or set "
                          "imports.social_platform")
    handle = value.strip().lstrip("@").lower()
    if not handle or any(ch.isspace() for ch in handle):
        raise CellError(f"{text!r} is not a social handle")
    return platform, handle
