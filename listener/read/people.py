"""Reading the relationship ledger: the people a profile talks with, and one person's history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select
from sqlalchemy.orm import aliased

from listener.config.settings import ProfileConfig
from listener.imports.forget import PersonSpecError, identity_of, person_of_identity
from listener.index.sql import Key
from listener.read.linked import crm_events, identities_of, ledger_keys_of, persons_of_authors
from listener.read.reports import NoIndexError, stored_profile_id
from listener.storage.index_models import EngagerDayRow, EngagerRow, ReturnSpanRow
from listener.storage.models import AuthorRow, EngagementEventRow, ItemProfileRow, ItemRow, SentimentRow
from listener.storage.upsert import table_of
from scoring.sentiment import SCORER_VERSION

# Each sort key with its natural direction (True = largest first); --reverse flips it.
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "interactions": ("interactions", True), "last_seen": ("last_seen_at", True),
    "first_seen": ("first_seen_at", False), "active_days": ("active_days", True),
    "replies": ("replies_received", True), "sentiment": ("mean_compound", False),
    "shares": ("shares", True), "mentions": ("mentions", True), "likes": ("likes", True),
}
TIME_FIELDS = ("first_seen_at", "last_seen_at", "helped_at", "returned_at")


class PersonError(NoIndexError):
    """No such person in the profile's ledger, or the name is ambiguous."""


def _ledger_query() -> Any:
    engagers, authors = table_of(EngagerRow), table_of(AuthorRow)
    return select(engagers, authors.c.handle, authors.c.display_name, authors.c.url).outerjoin(
        authors, and_(authors.c.platform == engagers.c.platform,
                      authors.c.external_id == engagers.c.author_external_id))


def _person_json(row: Any) -> dict[str, Any]:
    person = {k: v for k, v in dict(row).items() if k not in ("id", "profile_id", "reply_seconds_median")}
    for name in TIME_FIELDS:
        person[name] = person[name].isoformat() if person[name] else None
    seconds = row["reply_seconds_median"]
    person["median_reply_minutes"] = round(seconds / 60, 1) if seconds is not None else None
    person["returning"] = person.pop("is_returning")
    return person


def list_people(engine: Engine, profile: ProfileConfig, *, top: int = 20, sort: str = "interactions",
                reverse: bool = False) -> list[dict[str, Any]]:
    """The ledger's top `top` people by `sort` (see SORT_KEYS)."""
    column_name, largest_first = SORT_KEYS[sort]
    engagers = table_of(EngagerRow)
    column = engagers.c[column_name]
    order = column.desc() if largest_first != reverse else column.asc()
    with engine.connect() as connection:
        profile_id = stored_profile_id(connection, profile.name)
        rows = connection.execute(_ledger_query().where(engagers.c.profile_id == profile_id)
                                  .order_by(order.nulls_last(), engagers.c.author_external_id).limit(top)).mappings()
        people = [_person_json(r) for r in rows]
        return _with_linked(connection, profile_id, people)


def _with_linked(connection: Connection, profile_id: int, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each person with `linked`: their linked person's identities (hashed ones shortened), or None."""
    persons = persons_of_authors(connection, profile_id,
                                 [(p["platform"], p["author_external_id"], p["handle"]) for p in people])
    identities = identities_of(connection, profile_id, persons.values())
    for p in people:
        person = persons.get((p["platform"], p["author_external_id"]))
        p["linked"] = None if person is None else {"person": person, "identities": identities.get(person, [])}
    return people


def find_person(connection: Connection, profile_id: int, who: str) -> Key:
    """A person by handle (with or without @), external id, or platform:external_id."""
    engagers, authors = table_of(EngagerRow), table_of(AuthorRow)
    name = who.strip().removeprefix("@").lower()
    platform, _, external = who.partition(":")
    if external:  # platform:id, as the dashboard links people: one indexed lookup, no scan of the ledger
        exact = connection.execute(select(engagers.c.platform, engagers.c.author_external_id).where(
            engagers.c.profile_id == profile_id, engagers.c.platform == platform,
            engagers.c.author_external_id == external)).first()
        if exact is not None:
            return exact[0], exact[1]
    query = (select(engagers.c.platform, engagers.c.author_external_id, authors.c.handle)
             .outerjoin(authors, and_(authors.c.platform == engagers.c.platform,
                                      authors.c.external_id == engagers.c.author_external_id))
             .where(engagers.c.profile_id == profile_id,
                    or_(func.lower(authors.c.handle) == name, engagers.c.author_external_id == who,
                        and_(engagers.c.platform == platform, engagers.c.author_external_id == external))))
    found = connection.execute(query).all()
    if not found:
        raise PersonError(f"nobody called {who!r} in the ledger (try `ror people` for names)")
    if len(found) > 1:
        names = ", ".join(f"{p}:{e} (@{h})" for p, e, h in found)
        raise PersonError(f"{who!r} is ambiguous: {names}; use platform:id")
    return found[0][0], found[0][1]


def find_linked(connection: Connection, profile: ProfileConfig, profile_id: int, who: str) -> Key:
    """The ledger line of the person an e-mail or customer id of the imported data names (most active first)."""
    try:
        identity = identity_of(who, profile)
    except PersonSpecError as error:
        raise PersonError(str(error)) from None
    person = person_of_identity(connection, profile_id, identity)
    keys = ledger_keys_of(connection, profile_id, person) if person is not None else []
    if not keys:
        what = "nobody in the imported data" if person is None else "a person with no social identity in the ledger"
        given = "that e-mail address" if who.startswith("email:") else "that customer id"
        raise PersonError(f"{given} names {what}")
    return keys[0]


def _days(connection: Connection, profile_id: int, key: Key, latest: int | None = None) -> list[dict[str, Any]]:
    days = table_of(EngagerDayRow)
    query = select(days).where(days.c.profile_id == profile_id, days.c.platform == key[0],
                               days.c.author_external_id == key[1])
    if latest is not None:  # the latest days only, still oldest first
        query = select(query.order_by(days.c.day.desc()).limit(latest).subquery())
    rows = connection.execute(query.order_by("day"))
    return [{"day": r.day.isoformat(), "interactions": r.interactions, "positive": r.positive,
             "negative": r.negative, "neutral": r.neutral,
             "mean_compound": r.compound_sum / (r.positive + r.negative + r.neutral)
             if r.positive + r.negative + r.neutral else None,
             "returning": r.is_returning, "first": r.is_first} for r in rows]


def _items(connection: Connection, profile_id: int, key: Key, limit: int) -> list[dict[str, Any]]:
    items, links, scores = table_of(ItemRow), table_of(ItemProfileRow), table_of(SentimentRow)
    reply, reply_link = aliased(items, name="reply"), aliased(links, name="reply_link")
    # The latest `limit` items first, then the brand's first reply to each of those only.
    latest = (
        select(items.c.platform, items.c.external_id, items.c.created_at, items.c.kind, items.c.text, items.c.url,
               scores.c.compound)
        .join(links, and_(links.c.platform == items.c.platform, links.c.external_id == items.c.external_id))
        .outerjoin(scores, and_(scores.c.platform == items.c.platform, scores.c.external_id == items.c.external_id,
                                scores.c.scorer_version == SCORER_VERSION))
        .where(links.c.profile_id == profile_id, links.c.role == "inbound", items.c.platform == key[0],
               items.c.author_external_id == key[1])
        .order_by(items.c.created_at.desc()).limit(limit).subquery("latest"))
    first_reply = (select(func.min(reply.c.created_at)).join(
        reply_link, and_(reply_link.c.platform == reply.c.platform, reply_link.c.external_id == reply.c.external_id))
        .where(reply_link.c.profile_id == profile_id, reply_link.c.role == "owned",
               reply.c.platform == latest.c.platform, reply.c.parent_external_id == latest.c.external_id)
        .scalar_subquery())
    rows = connection.execute(
        select(latest.c.created_at, latest.c.kind, latest.c.text, latest.c.url, latest.c.compound,
               first_reply.label("brand_reply_at")).order_by(latest.c.created_at.desc()))
    return [{"created_at": r.created_at.isoformat(), "kind": r.kind, "text": r.text, "url": r.url,
             "compound": r.compound, "brand_reply_at": r.brand_reply_at.isoformat() if r.brand_reply_at else None,
             "brand_reply_minutes": round((r.brand_reply_at - r.created_at).total_seconds() / 60, 1)
             if r.brand_reply_at else None} for r in rows]


def _engagements(connection: Connection, profile_id: int, key: Key, limit: int) -> list[dict[str, Any]]:
    events, links, items = table_of(EngagementEventRow), table_of(ItemProfileRow), table_of(ItemRow)
    rows = connection.execute(
        select(events.c.kind, events.c.occurred_at, events.c.first_seen_at, items.c.url, items.c.text)
        .join(links, and_(links.c.platform == events.c.platform, links.c.external_id == events.c.item_external_id))
        .join(items, and_(items.c.platform == events.c.platform, items.c.external_id == events.c.item_external_id))
        .where(links.c.profile_id == profile_id, links.c.role == "owned", events.c.platform == key[0],
               events.c.actor_external_id == key[1])
        .order_by(events.c.first_seen_at.desc(), events.c.id.desc()).limit(limit))  # latest seen first (indexed)
    return [{"kind": r.kind, "at": (r.occurred_at or r.first_seen_at).isoformat(), "timestamped": r.occurred_at
             is not None, "item_url": r.url, "item_text": " ".join(r.text.split())[:100]} for r in rows]


def _spans(connection: Connection, profile_id: int, key: Key) -> list[dict[str, Any]]:
    spans = table_of(ReturnSpanRow)
    rows = connection.execute(select(spans).where(spans.c.profile_id == profile_id, spans.c.platform == key[0],
                                                  spans.c.author_external_id == key[1])
                              .order_by(spans.c.start_day, spans.c.kind))
    return [{"kind": r.kind, "from": r.start_day.isoformat(), "to": r.end_day.isoformat()} for r in rows]


def person_history(engine: Engine, profile: ProfileConfig, who: str, *, limit: int = 20,
                   days: int | None = None) -> dict[str, Any]:
    """One person's ledger line, active days with sentiment (all, or the latest `days`), latest items and
    likes/shares, return spans."""
    engagers = table_of(EngagerRow)
    with engine.connect() as connection:
        profile_id = stored_profile_id(connection, profile.name)
        by_identity = who.startswith(("email:", "customer:"))
        key = find_linked(connection, profile, profile_id, who) if by_identity else find_person(
            connection, profile_id, who)
        row = connection.execute(_ledger_query().where(
            engagers.c.profile_id == profile_id, engagers.c.platform == key[0],
            engagers.c.author_external_id == key[1])).mappings().one()
        person = _with_linked(connection, profile_id, [_person_json(row)])[0]
        return {"person": person, "days": _days(connection, profile_id, key, days),
                "items": _items(connection, profile_id, key, limit),
                "engagements": _engagements(connection, profile_id, key, limit),
                "return_spans": _spans(connection, profile_id, key),
                "across_channels": _across_channels(connection, profile_id, key, person["linked"], limit)}


def _across_channels(connection: Connection, profile_id: int, key: Key, linked: dict[str, Any] | None,
                     limit: int) -> dict[str, Any] | None:
    """A linked person's other ledger lines and one timeline, newest first: the latest `limit` CRM events and
    the latest `limit` items of each linked ledger line."""
    if linked is None:
        return None
    keys = ledger_keys_of(connection, profile_id, linked["person"])
    others = [k for k in keys if k != key]
    timeline = crm_events(connection, profile_id, linked["person"], limit)
    for platform, author in [key, *others]:
        timeline += [{"at": i["created_at"], "channel": platform,
                      "what": f"{i['kind']}: {' '.join(i['text'].split())[:80]}"
                      + (f" (brand replied after {i['brand_reply_minutes']} min)" if i["brand_reply_at"] else "")}
                     for i in _items(connection, profile_id, (platform, author), limit)]
    return {"other_social": [{"platform": p, "author_external_id": a} for p, a in others],
            "timeline": sorted(timeline, key=lambda e: e["at"], reverse=True)}
