"""The connector boundary: every record a page carries is checked once, for every connector.

Ids must be non-empty strings or integers, times must fall between 2000-01-01 and a day
after now, counters must be non-negative and fit a 64-bit integer column. A record that
fails goes to the page's bad records with the field it failed on; the rest of the page
is stored as usual, so one hostile record never fails its page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

from connectors.base import Author, BadRecord, Counters, EngagementEvent, Item, Page
from connectors.errors import MalformedItemError

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
MAX_COUNTER = 2**63 - 1  # SQLite INTEGER and PostgreSQL BIGINT
MAX_ID_LENGTH = 512
COUNTER_FIELDS = ("likes", "shares", "replies", "quotes", "views")
_COUNTER_LABELS = tuple(f"counters.{name}" for name in COUNTER_FIELDS)
_counters_of = attrgetter(*COUNTER_FIELDS)
# What a stringified non-id looks like once a connector has put it in an id: "None",
# "{'nested': 'object'}", "[1, 2]", "" or blanks: a blank, brace, bracket or quote anywhere, an empty
# text or one ending in "/", or a name below as the whole text or after its last "/". (One regex of
# all that tried every alternative at every character: 2.2 us an id, these checks 0.8.)
_NOT_AN_ID_CHAR = re.compile(r"[\s{}\[\]'\"]")
_NOT_AN_ID_NAMES = ("None", "null", "undefined", "True", "False", "nan")
_NOT_AN_ID_ENDS = ("/", *(f"/{name}" for name in _NOT_AN_ID_NAMES))


@dataclass(frozen=True)
class Problem:
    """Why one record was refused: the field and what is wrong with it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def checked_id(value: Any, field: str = "id") -> str:
    """A platform id as text: a non-empty string or an integer, else MalformedItemError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedItemError(f"{field}: expected a string or integer id, got {type(value).__name__}")
    text = str(value)
    if not text.strip() or len(text) > MAX_ID_LENGTH:
        raise MalformedItemError(f"{field}: expected a non-empty id of at most {MAX_ID_LENGTH} characters")
    return text


def id_problem(value: Any, field: str) -> Problem | None:
    """Why an id as a connector produced it cannot be stored, or None."""
    if not isinstance(value, str):
        return Problem(field, f"expected text, got {type(value).__name__}")
    if (len(value) > MAX_ID_LENGTH or not value or value in _NOT_AN_ID_NAMES or value.endswith(_NOT_AN_ID_ENDS)
            or _NOT_AN_ID_CHAR.search(value)):
        return Problem(field, f"not an id: {value[:60]!r}")
    return None


def time_problem(value: Any, field: str, now: datetime) -> Problem | None:
    """Why a time cannot be stored (no zone, before 2000, more than a day ahead), or None."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return Problem(field, "expected a time with a zone")
    if not EARLIEST <= value <= now + FUTURE_SLACK:
        return Problem(field, f"{value.isoformat()} is outside {EARLIEST.date()} .. now + 1 day")
    return None


def counter_problem(value: Any, field: str) -> Problem | None:
    """Why a counter cannot be stored (not an integer, negative, over 2**63 - 1), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return Problem(field, f"expected an integer, got {type(value).__name__}")
    if not 0 <= value <= MAX_COUNTER:
        return Problem(field, f"{value} is outside 0 .. 2**63 - 1")
    return None


def author_problem(author: Author, prefix: str = "author") -> Problem | None:
    """The first problem of an author record, or None."""
    return (id_problem(author.external_id, f"{prefix}.external_id")
            or counter_problem(author.followers, f"{prefix}.followers")
            or counter_problem(author.following, f"{prefix}.following"))


def item_problem(item: Item, now: datetime) -> Problem | None:
    """The first problem of an item, or None (checked in this order, each check only while none is found)."""
    return _item_problem(item, now, now + FUTURE_SLACK, {})


def _item_problem(item: Item, now: datetime, latest: datetime,
                  verdicts: dict[int, Problem | None]) -> Problem | None:
    """item_problem with `now + FUTURE_SLACK` given, and the verdicts on the page's authors and counters so far (by
    identity: a connector may give one Author or Counters object to every item with the same values; the page
    keeps them all alive)."""
    problem = id_problem(item.external_id, "external_id")
    created = item.created_at
    if problem is None and not (type(created) is datetime and created.tzinfo is not None
                                and EARLIEST <= created <= latest):  # time_problem's verdict on a plain datetime
        problem = time_problem(created, "created_at", now)
    author = item.author
    if problem is None and author is not None:
        seen = id(author)
        problem = verdicts[seen] if seen in verdicts else verdicts.setdefault(seen, author_problem(author))
    if problem is None:
        counters = item.counters
        seen = id(counters)
        problem = verdicts[seen] if seen in verdicts else verdicts.setdefault(seen, _counters_problem(counters))
    if problem is None and item.parent_external_id is not None:
        problem = id_problem(item.parent_external_id, "parent_external_id")
    if problem is None and item.root_external_id is not None:
        problem = id_problem(item.root_external_id, "root_external_id")
    return problem


def _counters_problem(counters: Counters) -> Problem | None:
    """The first problem of an item's counters, or None."""
    for label, value in zip(_COUNTER_LABELS, _counters_of(counters), strict=True):
        if value is not None and not (type(value) is int and 0 <= value <= MAX_COUNTER):
            problem = counter_problem(value, label)  # only what is not plainly a counter is looked at closely
            if problem is not None:  # an int subclass in range passes
                return problem
    return None


def event_problem(event: EngagementEvent, now: datetime) -> Problem | None:
    """The first problem of an engagement event, or None."""
    return (id_problem(event.item_external_id, "item_external_id") or author_problem(event.actor, "actor")
            or (time_problem(event.occurred_at, "occurred_at", now) if event.occurred_at is not None else None))


def _bad(problem: Problem, payload: Any, external_id: str | None) -> BadRecord:
    return BadRecord(f"refused at the connector boundary: {problem}", payload, external_id)


def screen_page(page: Page, now: datetime) -> Page:
    """The page with every record that fails a check moved to its bad records (in place; also returned)."""
    items, events, authors = [], [], []
    latest, verdicts = now + FUTURE_SLACK, dict[int, Problem | None]()
    for item in page.items:
        problem = _item_problem(item, now, latest, verdicts)
        if problem is None:
            items.append(item)
        else:
            page.bad_records.append(_bad(problem, item.raw or repr(item), str(item.external_id)[:MAX_ID_LENGTH]))
    for event in page.events:
        problem = event_problem(event, now)
        if problem is None:
            events.append(event)
        else:
            page.bad_records.append(_bad(problem, repr(event), None))
    for author in page.authors:
        problem = author_problem(author)
        if problem is None:
            authors.append(author)
        else:
            page.bad_records.append(_bad(problem, repr(author), None))
    page.items, page.events, page.authors = items, events, authors
    return page
