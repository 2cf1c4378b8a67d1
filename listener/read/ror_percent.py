"""Reads what the founders' RoR % needs (help given, orders, referrals, linked people) and computes it per month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from connectors.clock import utc_now
from listener.config.settings import ProfileConfig
from listener.storage.read_tables import (
    AUTHORS,
    CUSTOMERS,
    ITEM_PROFILES,
    ITEMS,
    ORDERS,
    PERSON_IDENTITIES,
    PERSONS,
    PROFILES,
    RESPONSES,
    TICKETS,
)
from scoring.ror_percent import Comeback, Help, RorPercent, compute_monthly_ror

DEFINITION = ("people the brand helped in the 12 months up to the month's end (answered on social, replied to "
              "their review, resolved their ticket) who later ordered or referred a new customer, over the "
              "people helped; linked people only")
SocialKey = tuple[str, str]


def social_people(connection: Connection, profile_id: int) -> dict[SocialKey, int]:
    """(platform, handle or author id) -> person, for every linked social identity of the profile."""
    ids = PERSON_IDENTITIES
    rows = connection.execute(select(ids.c.platform, ids.c.value, ids.c.person_id)
                              .where(ids.c.profile_id == profile_id, ids.c.kind == "social"))
    return {(platform, value): person for platform, value, person in rows}


def _with_handle(query: Any, platform: Any, author: Any) -> Any:
    """The query with the author's handle as its last column (NULL when the author is unknown)."""
    authors = AUTHORS
    return query.add_columns(authors.c.handle).outerjoin(
        authors, and_(authors.c.platform == platform, authors.c.external_id == author))


Answer = tuple[str, str, datetime, str | None]  # platform, author id, when the brand answered, author handle


def _answered_on_social(connection: Connection, profile_id: int) -> list[Answer]:
    responses = RESPONSES
    query = (select(responses.c.platform, responses.c.author_external_id, responses.c.first_reply_at)
             .where(responses.c.profile_id == profile_id, responses.c.first_reply_at.is_not(None),
                    responses.c.author_external_id.is_not(None)))
    return [(p, a, at, h) for p, a, at, h in connection.execute(
        _with_handle(query, responses.c.platform, responses.c.author_external_id))]


def _replied_reviews(connection: Connection, profile_id: int) -> list[Answer]:
    items, links = ITEMS, ITEM_PROFILES
    reply, reply_link = items.alias("reply"), links.alias("reply_link")
    query = (
        select(items.c.platform, items.c.author_external_id, func.min(reply.c.created_at))
        .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
        .join(reply, and_(reply.c.platform == items.c.platform, reply.c.parent_external_id == items.c.external_id))
        .join(reply_link, and_(reply_link.c.platform == reply.c.platform,
                               reply_link.c.external_id == reply.c.external_id))
        .where(links.c.profile_id == profile_id, links.c.role == "inbound", items.c.kind == "review",
               items.c.author_external_id.is_not(None), reply_link.c.profile_id == profile_id,
               reply_link.c.role == "owned", reply.c.created_at >= items.c.created_at))
    query = _with_handle(query, items.c.platform, items.c.author_external_id)
    grouped = query.group_by(items.c.platform, items.c.external_id, items.c.author_external_id,
                             AUTHORS.c.handle)
    return [(p, a, at, h) for p, a, at, h in connection.execute(grouped)]


def person_finder(social: dict[SocialKey, int]) -> Callable[[str, str, str | None], int | None]:
    """Finds the linked person of a social author by handle, else by author id (None when unlinked)."""
    def find(platform: str, author: str, handle: str | None) -> int | None:
        by_handle = social.get((platform, (handle or "").lstrip("@").lower()))
        return by_handle or social.get((platform, author.lower()))
    return find


def load_helps(connection: Connection, profile_id: int) -> tuple[list[Help], list[Answer]]:
    """Help given to linked people, and every social answer (linked or not) for coverage."""
    social = social_people(connection, profile_id)
    person_of = person_finder(social)
    answered = _answered_on_social(connection, profile_id)
    helps = [Help(p, at, "social") for platform, author, at, handle in answered
             if (p := person_of(platform, author, handle))]
    if social:  # without a linked social identity no review author can be anyone's
        helps += [Help(p, at, "review") for platform, author, at, handle in _replied_reviews(connection, profile_id)
                  if (p := person_of(platform, author, handle))]
    tickets = TICKETS
    helps += [Help(p, at, "ticket") for p, at in connection.execute(
        select(tickets.c.person_id, tickets.c.resolved_at)
        .where(tickets.c.profile_id == profile_id, tickets.c.person_id.is_not(None)))]
    return helps, answered


def count_linked_people(connection: Connection, profile_id: int) -> int:
    """How many people the profile's imported data knows (0: no CRM or survey data, no RoR % to compute)."""
    persons = PERSONS
    return int(connection.execute(select(func.count()).select_from(persons)
                                  .where(persons.c.profile_id == profile_id)).scalar() or 0)


def has_linked_people(engine: Engine, profile: ProfileConfig) -> bool:
    """True when the profile's imported CRM or survey data knows anyone (else there is no RoR % to read)."""
    with engine.connect() as connection:
        profile_id = connection.execute(select(PROFILES.c.id).where(PROFILES.c.name == profile.name)).scalar()
        return bool(profile_id and count_linked_people(connection, profile_id))


def load_comebacks(connection: Connection, profile_id: int) -> tuple[list[Comeback], int]:
    """Orders and referrals of linked people; and how many referrals have no date to place them."""
    orders, customers = ORDERS, CUSTOMERS
    comebacks = [Comeback(p, at, "order") for p, at in connection.execute(
        select(orders.c.person_id, orders.c.ordered_at)
        .where(orders.c.profile_id == profile_id, orders.c.person_id.is_not(None)))]
    first_order = {key: at for key, at in connection.execute(
        select(orders.c.customer_key, func.min(orders.c.ordered_at))
        .where(orders.c.profile_id == profile_id).group_by(orders.c.customer_key))}
    people = {key: person for key, person in connection.execute(
        select(customers.c.customer_key, customers.c.person_id).where(customers.c.profile_id == profile_id))}
    undated = 0
    for key, created_at, referrer in connection.execute(
            select(customers.c.customer_key, customers.c.created_at, customers.c.referred_by_key)
            .where(customers.c.profile_id == profile_id, customers.c.referred_by_key.is_not(None))):
        at, person = created_at or first_order.get(key), people.get(referrer)
        if person is None:
            continue
        if at is None:
            undated += 1
        else:
            comebacks.append(Comeback(person, at, "referral"))
    return comebacks, undated


def _month_json(month: str, ror: RorPercent, now: datetime) -> dict[str, Any]:
    return {"month": month, "percent": ror.percent, "helped": ror.helped, "returned": ror.returned,
            "helped_by_channel": ror.helped_by_channel, "returned_by_kind": ror.returned_by_kind,
            "window_start": ror.start.isoformat(), "window_end": ror.end.isoformat(), "partial": ror.end == now}


def ror_percent_summary(engine: Engine, profile: ProfileConfig, *, months: int = 12,
                        clock: Callable[[], datetime] = utc_now) -> dict[str, Any]:
    """The founders' RoR % per month for a profile, with the people behind it and the social coverage."""
    now = clock()
    with engine.connect() as connection:
        profile_id = connection.execute(select(PROFILES.c.id).where(PROFILES.c.name == profile.name)).scalar()
        linked = count_linked_people(connection, profile_id) if profile_id else 0
        helps, answered = load_helps(connection, profile_id) if profile_id else ([], [])
        comebacks, undated = load_comebacks(connection, profile_id) if profile_id and linked else ([], 0)
    monthly = compute_monthly_ror(helps, comebacks, now, profile.zone, months)
    latest = monthly[-1][1]
    answered_people = {(p, a) for p, a, at, _ in answered if latest.start <= at < latest.end}
    linked_answered = {h.person for h in helps if h.channel == "social" and latest.start <= h.at < latest.end}
    return {"definition": DEFINITION, "linked_people": linked, "latest": _month_json(*monthly[-1], now),
            "months": [_month_json(m, r, now) for m, r in monthly],
            "social_answered_people": len(answered_people), "social_answered_linked_people": len(linked_answered),
            "undated_referrals": undated}


def ror_percent_as_of(engine: Engine, profile: ProfileConfig, moment: datetime, *,
                      clock: Callable[[], datetime] = utc_now) -> dict[str, Any]:
    """The summary as it stood at `moment` (or now, if that is earlier): its month is the latest, partial to then."""
    now = clock()
    return ror_percent_summary(engine, profile, clock=lambda: min(moment, now))


def beside_social_proxy(summary: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary with the social proxy (the index's return_rate component on the latest day) beside it."""
    proxy = points[-1]["components"].get("return_rate") if points else None
    return {**summary, "social_proxy": None if proxy is None else {"day": points[-1]["day"], **proxy}}


def describe_ror_percent(summary: dict[str, Any]) -> str:
    """One line for the terminal: the latest RoR %, the people behind it, and the social coverage."""
    latest = summary["latest"]
    coverage = (f"{summary['social_answered_linked_people']} of {summary['social_answered_people']} people "
                "answered on social are linked to the CRM")
    if latest["percent"] is None:
        return f"founders' RoR % ({latest['month']}): no linked person helped in the last 12 months; {coverage}"
    return (f"founders' RoR % ({latest['month']}, last 12 months): {latest['percent']:.1f}% "
            f"({latest['returned']} of {latest['helped']} linked people helped came back or referred someone); "
            f"{coverage}")
