"""`ror forget`: erase a person from the relationship tables; their orders, answers and tickets stay, de-identified."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from listener.config.settings import ProfileConfig
from listener.imports.identity import hash_identity, identity_key
from listener.imports.values import CellError, normalise_email, normalise_handle
from listener.storage.models import ProfileRow
from listener.storage.relationship_models import (
    CustomerRow,
    ErasureRow,
    ImportQuarantineRow,
    OrderRow,
    PersonIdentityRow,
    PersonRow,
    SurveyResponseRow,
    TicketRow,
)
from listener.storage.upsert import table_of

log = logging.getLogger(__name__)


class PersonSpecError(Exception):
    """The PERSON argument is not email:..., customer:... or platform:handle."""


def identity_of(spec: str, profile: ProfileConfig) -> tuple[str, str, str]:
    """The stored identity a PERSON argument names: e-mail or customer id hashed, a social handle as it is."""
    kind, _, value = spec.partition(":")
    try:
        if kind == "customer" and value.strip():
            return ("customer", "", hash_identity(identity_key(profile.imports.key_env), "customer", value.strip()))
        if kind == "email" or (not value and "@" in spec and not spec.startswith("@")):
            email = normalise_email(value if kind == "email" else spec)
            return ("email", "", hash_identity(identity_key(profile.imports.key_env), "email", email))
        if value:
            return ("social", *normalise_handle(spec, None))
    except CellError as error:
        raise PersonSpecError(str(error)) from None
    raise PersonSpecError(f"{spec!r}: write email:ADDRESS, customer:ID or platform:handle (mastodon:@anna@example)")


def person_of_identity(connection: Connection, profile_id: int, identity: tuple[str, str, str]) -> int | None:
    """The person an identity (in its stored form) belongs to."""
    ids = table_of(PersonIdentityRow)
    return connection.execute(select(ids.c.person_id).where(
        ids.c.profile_id == profile_id, ids.c.kind == identity[0], ids.c.platform == identity[1],
        ids.c.value == identity[2])).scalar()


def _erased() -> str:
    return f"erased:{uuid.uuid4().hex}"


def erase_person(connection: Connection, profile_id: int, person: int) -> dict[str, int]:
    """Delete the person, their identities, customer rows and quarantined rows; unlink the rest. Row counts."""
    ids, customers = table_of(PersonIdentityRow), table_of(CustomerRow)
    values = [v for k, v in connection.execute(select(ids.c.kind, ids.c.value).where(ids.c.person_id == person))]
    keys = list(connection.execute(select(customers.c.customer_key).where(customers.c.person_id == person)).scalars())
    counts = {"identities": len(values), "customers": len(keys)}
    connection.execute(update(customers).where(customers.c.profile_id == profile_id,
                                               customers.c.referred_by_key.in_(keys)).values(referred_by_key=None))
    connection.execute(delete(customers).where(customers.c.person_id == person))
    counts["survey_responses"] = _unlink(connection, SurveyResponseRow, person, comment=None)
    counts["tickets"] = _unlink(connection, TicketRow, person, ticket_key=None)
    counts["orders"] = _unlink(connection, OrderRow, person, order_key=None, customer_key=None)
    counts["quarantined_rows"] = _drop_quarantined(connection, profile_id, values)
    connection.execute(delete(ids).where(ids.c.person_id == person))
    connection.execute(delete(table_of(PersonRow)).where(table_of(PersonRow).c.id == person))
    return counts


def _unlink(connection: Connection, model: type, person: int, **cleared: None) -> int:
    """Rows of `person` kept without the person: person_id and the named columns cleared (keys made random)."""
    table = table_of(model)
    rows = list(connection.execute(select(table.c.id).where(table.c.person_id == person)).scalars())
    for row_id in rows:
        values = {name: _erased() if not table.c[name].nullable else None for name in cleared}
        connection.execute(update(table).where(table.c.id == row_id).values(person_id=None, **values))
    return len(rows)


def _drop_quarantined(connection: Connection, profile_id: int, values: list[str]) -> int:
    table = table_of(ImportQuarantineRow)
    marks = [f"hash:{v}" for v in values] + values
    doomed = [row_id for row_id, cells in connection.execute(select(table.c.id, table.c.cells)
                                                             .where(table.c.profile_id == profile_id))
              if any(str(cell).lower().lstrip("@") in marks for cell in (cells or {}).values())]
    connection.execute(delete(table).where(table.c.id.in_(doomed)))
    return len(doomed)


def forget_person(engine: Engine, profiles: list[ProfileConfig], spec: str, *,
                  clock: Callable[[], datetime]) -> dict[str, dict[str, int]]:
    """Erase the person PERSON names in each profile where they are known; logged, counts by profile."""
    done: dict[str, dict[str, int]] = {}
    with engine.begin() as connection:
        for profile in profiles:
            profile_id = connection.execute(select(table_of(ProfileRow).c.id)
                                            .where(table_of(ProfileRow).c.name == profile.name)).scalar()
            person = person_of_identity(connection, profile_id, identity_of(spec, profile)) if profile_id else None
            if profile_id is None or person is None:
                continue
            counts = erase_person(connection, profile_id, person)
            connection.execute(insert(table_of(ErasureRow)).values(profile_id=profile_id, erased_at=clock(),
                                                                   counts=counts))
            log.info("forgot a person of profile %s: %s", profile.name, counts)
            done[profile.name] = counts
    return done
