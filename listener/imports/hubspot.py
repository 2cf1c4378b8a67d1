"""HubSpot contacts, won deals and closed tickets into customers, orders and tickets: one transaction per page
with its `hs_lastmodifieddate` cursor, people linked by contact id, e-mail and the contact's social property."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import Engine

from connectors.clock import Sleep
from connectors.http import HttpSession
from connectors.hubspot.crm import CrmObject, HubspotSettings, fetch_contact_ids, iter_search_pages, parse_moment
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.identity import identity_key
from listener.imports.records import Identities, ImportRecord
from listener.imports.save import ImportResult, log_import_run, quarantine_rows, save_records
from listener.imports.session import api_session
from listener.imports.values import CellError, normalise_email, normalise_handle, parse_number
from listener.storage.store import ensure_profile, load_cursor, save_cursor

KIND_OF = {"contacts": "customers", "deals": "orders", "tickets": "tickets"}
ID_CELL = {"contacts": "customer_id", "deals": "order_id", "tickets": "ticket_id"}  # hashed in quarantine
Bad = tuple[int, str, dict[str, str]]


class NotApplicable(Exception):
    """A CRM object that is not a row of this kind (a deal not won, a ticket not closed)."""


def hubspot_settings(profile: ProfileConfig) -> HubspotSettings:
    """The profile's HubSpot section, or a ConfigError saying how to add one."""
    if profile.imports.hubspot is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.hubspot] section (token_env)")
    return profile.imports.hubspot


def hubspot_session(settings: HubspotSettings, *, transport: httpx.BaseTransport | None = None,
                    sleep: Sleep = time.sleep) -> HttpSession:
    """An HTTP session for the CRM API with our retry policy (429 and Retry-After honoured); edges injectable."""
    return api_session(settings.base_url, settings.token_env, transport=transport, sleep=sleep)


def _moment(value: object, name: str) -> datetime:
    try:
        moment = parse_moment(value)
    except ValueError:
        raise CellError(f"{name} {value!r} is not a date-time") from None
    if moment is None:
        raise CellError(f"{name} is empty")
    return moment


def contact_record(contact: CrmObject, settings: HubspotSettings) -> ImportRecord:
    """A contact as a customer: its id, hashed e-mail, social handle, signup and referrer."""
    props = contact.properties
    email = normalise_email(props["email"]) if props.get("email") else None
    handle = props.get(settings.social_property) if settings.social_property else None
    social = normalise_handle(str(handle), settings.social_platform) if handle else None
    referrer = props.get(settings.referred_by_property) if settings.referred_by_property else None
    created = _moment(props["createdate"], "createdate") if props.get("createdate") else None
    return ImportRecord(contact.id, Identities(contact.id, email, social),
                        {"created_at": created, "referred_by": str(referrer) if referrer else None})


def deal_record(deal: CrmObject, contact: str | None, settings: HubspotSettings) -> ImportRecord:
    """A won deal as an order of its first associated contact."""
    props = deal.properties
    if str(props.get(settings.won_property)).lower() != "true":
        raise NotApplicable
    if contact is None:
        raise CellError("a won deal without an associated contact cannot be anyone's order")
    amount = props.get("amount")
    return ImportRecord(deal.id, Identities(customer_id=contact), {
        "ordered_at": _moment(props.get("closedate"), "closedate"),
        "amount": parse_number(str(amount), "point") if amount not in (None, "") else None})


def ticket_record(ticket: CrmObject, contact: str | None, settings: HubspotSettings) -> ImportRecord:
    """A closed ticket as help given to its first associated contact."""
    closed = ticket.properties.get(settings.ticket_closed_property)
    if not closed:
        raise NotApplicable
    if contact is None:
        raise CellError("a closed ticket without an associated contact cannot be help given to anyone")
    return ImportRecord(ticket.id, Identities(customer_id=contact),
                        {"resolved_at": _moment(closed, settings.ticket_closed_property)})


def _records(session: HttpSession, object_type: str, objects: list[CrmObject], settings: HubspotSettings,
             token: str, result: ImportResult) -> tuple[list[ImportRecord], list[Bad]]:
    contacts = {} if object_type == "contacts" else fetch_contact_ids(session, object_type, [o.id for o in objects],
                                                                      token)
    records, bad = [], []
    for item in objects:
        try:
            if object_type == "contacts":
                records.append(contact_record(item, settings))
            else:
                build = deal_record if object_type == "deals" else ticket_record
                records.append(build(item, contacts.get(item.id), settings))
        except NotApplicable:
            result.not_applicable += 1
        except CellError as error:
            # the ids go in as cells, which quarantine keeps only as keyed hashes; the message names no id
            cells = {ID_CELL[object_type]: item.id,
                     **({"email": str(item.properties["email"])} if item.properties.get("email") else {})}
            bad.append((0, f"a {object_type[:-1]}: {error}", cells))
    return records, bad


def sync_hubspot_objects(engine: Engine, profile: ProfileConfig, session: HttpSession, object_type: str, *,
                         clock: Callable[[], datetime]) -> ImportResult:
    """Fetch one object type's changes since its cursor; each page, its rows and its cursor stored together."""
    settings, kind = hubspot_settings(profile), KIND_OF[object_type]
    token = require_env(settings.token_env, "imports.hubspot.token_env")
    key, source, result = identity_key(profile.imports.key_env), f"hubspot:{profile.name}", ImportResult(kind)
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        cursor = load_cursor(connection, source, object_type)
    for page in iter_search_pages(session, object_type, settings, token, cursor):
        records, bad = _records(session, object_type, page.objects, settings, token, result)
        now = clock()
        with engine.begin() as connection:
            save_records(connection, profile_id, kind, records, key, now, "hubspot", result)
            quarantine_rows(connection, profile_id, kind, f"hubspot:{object_type}", bad, key, now)
            if page.cursor:
                save_cursor(connection, source, object_type, page.cursor, now)
        result.rows += len(page.objects)
        result.quarantined += len(bad)
        result.errors += [(0, error) for _, error, _ in bad]
    with engine.begin() as connection:
        log_import_run(connection, profile_id, f"hubspot:{object_type}", clock(), result)
    return result


def sync_hubspot(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                 clock: Callable[[], datetime]) -> list[ImportResult]:
    """Contacts first (deals and tickets link to them), then deals and tickets, as configured."""
    wanted = hubspot_settings(profile).objects
    return [sync_hubspot_objects(engine, profile, session, t, clock=clock) for t in ("contacts", "deals", "tickets")
            if t in wanted]
