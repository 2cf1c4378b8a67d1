"""Each person's ledger state (what folding new touches needs), and reading a person's stored ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from listener.index.sql import (
    PROFILE_ID,
    IndexContext,
    Key,
    key_platforms,
    keys_in_parameters,
    profile_keys_parameters,
)
from listener.storage.index_models import EngagerDayRow, EngagerRow, EngagerStateRow, ReturnSpanRow
from listener.storage.upsert import table_of
from scoring.ledger import PersonDay, PersonSummary, Span
from scoring.ledger_fold import OpenReply, PersonState, StoredPerson

SUMMARY_FIELDS = tuple(PersonSummary.__dataclass_fields__)
SUMMARY_COLUMNS = tuple("is_returning" if f == "returning" else f for f in SUMMARY_FIELDS)  # engagers' columns
DAY_FIELDS = ("interactions", "positive", "negative", "neutral", "compound_sum", "is_returning", "is_first")
OTHER_DAY = aliased(table_of(EngagerDayRow))  # built once: an alias copies its table's columns


def state_document(state: PersonState) -> dict[str, Any]:
    """A state as JSON (exact sums as decimal strings: they exceed what JSON numbers carry)."""
    return {"compound_units": str(state.compound_units), "last_day_units": str(state.last_day_units),
            "reply_seconds": list(state.reply_seconds),
            "open_replies": [[r.thread, r.reply_at.isoformat()] for r in state.open_replies]}


def state_of(document: dict[str, Any]) -> PersonState:
    """The state a document stores."""
    return PersonState(int(document["compound_units"]), int(document["last_day_units"]),
                       tuple(document["reply_seconds"]),
                       tuple(OpenReply(t, datetime.fromisoformat(at)) for t, at in document["open_replies"]))


def _person_in(table: Any, platforms: tuple[str, ...]) -> Any:
    return keys_in_parameters(table.c.platform, table.c.author_external_id, platforms)


@cache
def _lines_states_last_days_query(platforms: tuple[str, ...]) -> Select[Any]:
    people, states, days, other = table_of(EngagerRow), table_of(EngagerStateRow), table_of(EngagerDayRow), OTHER_DAY
    same_person = (people.c.profile_id, people.c.platform, people.c.author_external_id)
    latest = (select(func.max(other.c.day))
              .where(*(c == p for c, p in zip((other.c.profile_id, other.c.platform, other.c.author_external_id),
                                              same_person, strict=True))).scalar_subquery())
    return (
        select(people.c.platform, people.c.author_external_id, states.c.state, *(people.c[c] for c in SUMMARY_COLUMNS),
               days.c.day, *(days.c[c] for c in DAY_FIELDS))
        .join(states, and_(states.c.profile_id == people.c.profile_id, states.c.platform == people.c.platform,
                           states.c.author_external_id == people.c.author_external_id))
        .outerjoin(days, and_(days.c.profile_id == people.c.profile_id, days.c.platform == people.c.platform,
                              days.c.author_external_id == people.c.author_external_id, days.c.day == latest))
        .where(people.c.profile_id == PROFILE_ID, _person_in(people, platforms)))


def _lines_states_last_days(ctx: IndexContext, keys: list[Key]) -> tuple[dict[Key, PersonSummary],
                                                                          dict[Key, PersonState], dict[Key, PersonDay]]:
    """In one query: the ledger lines and states of these people that have both (and a state document), and
    each one's last active day row: their latest day row, if it is the day of their last touch.

    (A person whose latest row is another day has no last day, so is not folded but rebuilt.) The latest day
    is looked up per person (the index's last entry), not found by reading every day row of theirs.
    """
    rows = ctx.connection.execute(_lines_states_last_days_query(key_platforms(keys)),
                                  profile_keys_parameters(ctx, keys))
    summaries: dict[Key, PersonSummary] = {}
    found: dict[Key, PersonState] = {}
    last_days: dict[Key, PersonDay] = {}
    width = len(SUMMARY_COLUMNS)
    for platform, author, document, *values in rows:
        if document:
            key = (platform, author)
            summary = summaries[key] = PersonSummary(*values[:width])
            found[key] = state_of(document)
            day = values[width]
            if day is not None and day == ctx.day_of(summary.last_seen_at):
                last_days[key] = PersonDay(*values[width:])
    return summaries, found, last_days


SpanRows = dict[tuple[Any, ...], tuple[Any, ...]]  # (platform, author, kind, start_day) -> (id, end_day)


@cache
def _spans_query(platforms: tuple[str, ...]) -> Select[Any]:
    table = table_of(ReturnSpanRow)
    return (select(table.c.platform, table.c.author_external_id, table.c.kind, table.c.start_day, table.c.end_day,
                   table.c.id)
            .where(table.c.profile_id == PROFILE_ID, _person_in(table, platforms))
            .order_by(table.c.kind, table.c.start_day))


def _spans(ctx: IndexContext, keys: list[Key]) -> tuple[dict[Key, list[Span]], SpanRows]:
    """These people's spans, and the same rows with their ids (what writing changed spans compares with)."""
    found: dict[Key, list[Span]] = {key: [] for key in keys}
    rows: SpanRows = {}
    for platform, author, kind, start, end, row_id in ctx.connection.execute(
            _spans_query(key_platforms(keys)), profile_keys_parameters(ctx, keys)):
        found[(platform, author)].append(Span(kind, start, end))
        rows[(platform, author, kind, start)] = (row_id, end)
    return found, rows


@dataclass(frozen=True)
class StoredLedgers:
    """The stored ledgers that can be folded into, and their people's span rows with ids."""

    people: dict[Key, StoredPerson]
    span_rows: SpanRows


def fetch_stored_people(ctx: IndexContext, keys: list[Key]) -> StoredLedgers:
    """The stored ledgers of these people that have a line, a last day and a state."""
    summaries, states, last_days = _lines_states_last_days(ctx, keys)
    spans, span_rows = _spans(ctx, list(last_days))
    return StoredLedgers({key: StoredPerson(summaries[key], day, spans[key], states[key])
                          for key, day in last_days.items()}, span_rows)
