"""Linked identities: who the imported CRM, survey and mapping data ties a ledger person to, and what they did there.

E-mails and customer ids are stored as keyed hashes; they are shown only as their kind and the first
characters of the hash (`email #1a2b3c4d`), enough to tell two apart, never the address or id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from listener.index.sql import Key
from listener.read.ror_percent import person_finder, social_people
from listener.storage.index_models import EngagerRow
from listener.storage.models import AuthorRow
from listener.storage.relationship_models import (
    CustomerRow,
    OrderRow,
    PersonIdentityRow,
    SurveyResponseRow,
    TicketRow,
)
from listener.storage.upsert import table_of

SHORT_HASH = 8


def shown_identity(kind: str, platform: str, value: str) -> dict[str, str]:
    """An identity as a reader may see it: a social handle as it is, a hashed id as kind + short hash."""
    if kind == "social":
        return {"kind": kind, "platform": platform, "handle": value, "shown": f"{platform}:@{value}"}
    return {"kind": kind, "hash": value[:SHORT_HASH], "shown": f"{kind} #{value[:SHORT_HASH]}"}


def persons_of_authors(connection: Connection, profile_id: int,
                       authors: Iterable[tuple[str, str, str | None]]) -> dict[Key, int]:
    """(platform, author id) -> linked person, for the ledger authors (platform, id, handle) that are linked."""
    social = social_people(connection, profile_id)
    if not social:
        return {}
    find = person_finder(social)
    return {(platform, author): person for platform, author, handle in authors
            if (person := find(platform, author, handle)) is not None}


def identities_of(connection: Connection, profile_id: int, persons: Iterable[int]) -> dict[int, list[dict[str, str]]]:
    """Each person's identities, shown (socials first, then hashed ids by kind)."""
    wanted = sorted(set(persons))
    if not wanted:
        return {}
    ids = table_of(PersonIdentityRow)
    rows = connection.execute(select(ids.c.person_id, ids.c.kind, ids.c.platform, ids.c.value)
                              .where(ids.c.profile_id == profile_id, ids.c.person_id.in_(wanted))
                              .order_by(ids.c.person_id, ids.c.kind.desc(), ids.c.platform, ids.c.value))
    found: dict[int, list[dict[str, str]]] = {}
    for person, kind, platform, value in rows:
        found.setdefault(person, []).append(shown_identity(kind, platform, value))
    return found


def ledger_keys_of(connection: Connection, profile_id: int, person: int) -> list[Key]:
    """The ledger lines (platform, author id) of a person's social identities, most interactions first."""
    ids, authors, engagers = table_of(PersonIdentityRow), table_of(AuthorRow), table_of(EngagerRow)
    matches = and_(engagers.c.platform == ids.c.platform,
                   or_(engagers.c.author_external_id == ids.c.value, func.lower(authors.c.handle) == ids.c.value))
    rows = connection.execute(
        select(engagers.c.platform, engagers.c.author_external_id).distinct()
        .select_from(ids)
        .join(engagers, and_(engagers.c.profile_id == profile_id, engagers.c.platform == ids.c.platform))
        .outerjoin(authors, and_(authors.c.platform == engagers.c.platform,
                                 authors.c.external_id == engagers.c.author_external_id))
        .where(ids.c.profile_id == profile_id, ids.c.person_id == person, ids.c.kind == "social", matches)
        .add_columns(engagers.c.interactions).order_by(engagers.c.interactions.desc(), engagers.c.platform))
    return [(platform, author) for platform, author, _ in rows]


def _event(at: datetime, channel: str, what: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "channel": channel, "what": what}


def crm_events(connection: Connection, profile_id: int, person: int, limit: int) -> list[dict[str, Any]]:
    """The person's latest orders, resolved tickets, survey answers and signup, newest first (no ids)."""
    orders, tickets, answers = table_of(OrderRow), table_of(TicketRow), table_of(SurveyResponseRow)
    customers = table_of(CustomerRow)
    events = [_event(at, "order", "ordered" + (f" ({amount:.2f})" if amount is not None else "")) for at, amount in
              connection.execute(select(orders.c.ordered_at, orders.c.amount).where(
                  orders.c.profile_id == profile_id, orders.c.person_id == person)
                  .order_by(orders.c.ordered_at.desc()).limit(limit))]
    events += [_event(at, "ticket", "ticket resolved") for (at,) in connection.execute(
        select(tickets.c.resolved_at).where(tickets.c.profile_id == profile_id, tickets.c.person_id == person)
        .order_by(tickets.c.resolved_at.desc()).limit(limit))]
    events += [_event(at, "survey", f"NPS answer {score}") for at, score in connection.execute(
        select(answers.c.submitted_at, answers.c.score).where(
            answers.c.profile_id == profile_id, answers.c.person_id == person)
        .order_by(answers.c.submitted_at.desc()).limit(limit))]
    events += [_event(at, "crm", "became a customer") for (at,) in connection.execute(
        select(customers.c.created_at).where(customers.c.profile_id == profile_id, customers.c.person_id == person,
                                             customers.c.created_at.is_not(None)))]
    return sorted(events, key=lambda e: e["at"], reverse=True)[:limit]
