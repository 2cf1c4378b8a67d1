"""Reads what the founders' RoR % needs (help given, orders, referrals, linked people) and computes it per month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connectors.clock import utc_now
from listener.config.settings import ProfileConfig
from listener.read.reports import profile_id_of
from listener.storage.reader import Reader, reader_of, reading, utc_time
from scoring.ror_percent import Comeback, Help, RorPercent, compute_monthly_ror

DEFINITION = ("people the brand helped in the 12 months up to the month's end (answered on social, replied to "
              "their review, resolved their ticket) who later ordered or referred a new customer, over the "
              "people helped; linked people only")
SocialKey = tuple[str, str]


SOCIAL_PEOPLE = ("SELECT platform, value, person_id FROM person_identities "
                 "WHERE profile_id = :profile_id AND kind = 'social'")
ANSWERED_ON_SOCIAL = (
    "SELECT responses.platform, responses.author_external_id, responses.first_reply_at, authors.handle "
    "FROM responses LEFT OUTER JOIN authors "
    "ON authors.platform = responses.platform AND authors.external_id = responses.author_external_id "
    "WHERE responses.profile_id = :profile_id AND responses.first_reply_at IS NOT NULL "
    "AND responses.author_external_id IS NOT NULL"
)
REPLIED_REVIEWS = (
    "SELECT items.platform, items.author_external_id, min(reply.created_at), authors.handle FROM items "
    "JOIN item_profiles ON item_profiles.platform = items.platform AND item_profiles.external_id = items.external_id "
    "JOIN items AS reply ON reply.platform = items.platform AND reply.parent_external_id = items.external_id "
    "JOIN item_profiles AS reply_link "
    "ON reply_link.platform = reply.platform AND reply_link.external_id = reply.external_id "
    "LEFT OUTER JOIN authors ON authors.platform = items.platform AND authors.external_id = items.author_external_id "
    "WHERE item_profiles.profile_id = :profile_id AND item_profiles.role = 'inbound' AND items.kind = 'review' "
    "AND items.author_external_id IS NOT NULL AND reply_link.profile_id = :profile_id "
    "AND reply_link.role = 'owned' AND reply.created_at >= items.created_at "
    "GROUP BY items.platform, items.external_id, items.author_external_id, authors.handle"
)
RESOLVED_TICKETS = ("SELECT person_id, resolved_at FROM tickets "
                    "WHERE profile_id = :profile_id AND person_id IS NOT NULL")
LINKED_PEOPLE = "SELECT count(*) FROM persons WHERE profile_id = :profile_id"
PEOPLE_ORDERS = "SELECT person_id, ordered_at FROM orders WHERE profile_id = :profile_id AND person_id IS NOT NULL"
FIRST_ORDERS = "SELECT customer_key, min(ordered_at) FROM orders WHERE profile_id = :profile_id GROUP BY customer_key"
CUSTOMER_PEOPLE = "SELECT customer_key, person_id FROM customers WHERE profile_id = :profile_id"
REFERRALS = ("SELECT customer_key, created_at, referred_by_key FROM customers "
             "WHERE profile_id = :profile_id AND referred_by_key IS NOT NULL")


def social_people(source: Any, profile_id: int) -> dict[SocialKey, int]:
    """(platform, handle or author id) -> person, for every linked social identity of the profile."""
    rows = reader_of(source).rows(SOCIAL_PEOPLE, {"profile_id": profile_id})
    return {(platform, value): person for platform, value, person in rows}


Answer = tuple[str, str, datetime, str | None]  # platform, author id, when the brand answered, author handle


def _answers(reader: Reader, sql: str, profile_id: int) -> list[Answer]:
    """(platform, author id, when answered, handle) rows of one of the answer queries."""
    return [(p, a, utc_time(at), h) for p, a, at, h in reader.rows(sql, {"profile_id": profile_id})]


def person_finder(social: dict[SocialKey, int]) -> Callable[[str, str, str | None], int | None]:
    """Finds the linked person of a social author by handle, else by author id (None when unlinked)."""
    def find(platform: str, author: str, handle: str | None) -> int | None:
        by_handle = social.get((platform, (handle or "").lstrip("@").lower()))
        return by_handle or social.get((platform, author.lower()))
    return find


def load_helps(source: Any, profile_id: int) -> tuple[list[Help], list[Answer]]:
    """Help given to linked people, and every social answer (linked or not) for coverage."""
    reader = reader_of(source)
    social = social_people(reader, profile_id)
    person_of = person_finder(social)
    answered = _answers(reader, ANSWERED_ON_SOCIAL, profile_id)
    helps = [Help(p, at, "social") for platform, author, at, handle in answered
             if (p := person_of(platform, author, handle))]
    if social:  # without a linked social identity no review author can be anyone's
        helps += [Help(p, at, "review")
                  for platform, author, at, handle in _answers(reader, REPLIED_REVIEWS, profile_id)
                  if (p := person_of(platform, author, handle))]
    helps += [Help(p, utc_time(at), "ticket")
              for p, at in reader.rows(RESOLVED_TICKETS, {"profile_id": profile_id})]
    return helps, answered


def count_linked_people(source: Any, profile_id: int) -> int:
    """How many people the profile's imported data knows (0: no CRM or survey data, no RoR % to compute)."""
    found = reader_of(source).rows(LINKED_PEOPLE, {"profile_id": profile_id})
    return int(found[0][0] or 0) if found else 0


def has_linked_people(source: Any, profile: ProfileConfig) -> bool:
    """True when the profile's imported CRM or survey data knows anyone (else there is no RoR % to read)."""
    reader = reader_of(source)
    profile_id = profile_id_of(reader, profile.name)
    return bool(profile_id and count_linked_people(reader, profile_id))


def load_comebacks(source: Any, profile_id: int) -> tuple[list[Comeback], int]:
    """Orders and referrals of linked people; and how many referrals have no date to place them."""
    reader, by_profile = reader_of(source), {"profile_id": profile_id}
    comebacks = [Comeback(p, utc_time(at), "order")
                 for p, at in reader.rows(PEOPLE_ORDERS, by_profile)]
    first_order = {key: utc_time(at) for key, at in reader.rows(FIRST_ORDERS, by_profile)}
    people = {key: person for key, person in reader.rows(CUSTOMER_PEOPLE, by_profile)}
    undated = 0
    for key, created_at, referrer in reader.rows(REFERRALS, by_profile):
        at, person = utc_time(created_at) or first_order.get(key), people.get(referrer)
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


def ror_percent_summary(source: Any, profile: ProfileConfig, *, months: int = 12,
                        clock: Callable[[], datetime] = utc_now) -> dict[str, Any]:
    """The founders' RoR % per month for a profile, with the people behind it and the social coverage
    (`source`: an engine or a Reader)."""
    now = clock()
    with reading(source) as reader:
        profile_id = profile_id_of(reader, profile.name)
        linked = count_linked_people(reader, profile_id) if profile_id else 0
        helps, answered = load_helps(reader, profile_id) if profile_id else ([], [])
        comebacks, undated = load_comebacks(reader, profile_id) if profile_id and linked else ([], 0)
    monthly = compute_monthly_ror(helps, comebacks, now, profile.zone, months)
    latest = monthly[-1][1]
    answered_people = {(p, a) for p, a, at, _ in answered if latest.start <= at < latest.end}
    linked_answered = {h.person for h in helps if h.channel == "social" and latest.start <= h.at < latest.end}
    return {"definition": DEFINITION, "linked_people": linked, "latest": _month_json(*monthly[-1], now),
            "months": [_month_json(m, r, now) for m, r in monthly],
            "social_answered_people": len(answered_people), "social_answered_linked_people": len(linked_answered),
            "undated_referrals": undated}


def ror_percent_as_of(engine: Any, profile: ProfileConfig, moment: datetime, *,
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
