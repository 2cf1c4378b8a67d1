"""Linking identities into people: only identities one row of the user's data names together are linked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from listener.imports.identity import hash_identity
from listener.imports.records import Identities
from listener.storage.relationship_models import (
    CustomerRow,
    OrderRow,
    PersonIdentityRow,
    PersonRow,
    SurveyResponseRow,
    TicketRow,
)
from listener.storage.upsert import table_of

IdentityKey = tuple[str, str, str]  # (kind, platform, value)
PERSON_TABLES = (PersonIdentityRow, SurveyResponseRow, CustomerRow, OrderRow, TicketRow)


def identity_keys(who: Identities, key: bytes | None) -> list[IdentityKey]:
    """The stored form of a row's identities: e-mails and customer ids hashed, social handles as they are."""
    found: list[IdentityKey] = []
    for kind, value in (("customer", who.customer_id), ("email", who.email)):
        if value is not None:
            assert key is not None, "a hashing key is needed for e-mails and customer ids"
            found.append((kind, "", hash_identity(key, kind, value)))
    if who.social is not None:
        found.append(("social", who.social[0], who.social[1]))
    return found


class PersonLinker:
    """Finds or creates the person behind a set of identities, merging people a row shows to be one."""

    def __init__(self, connection: Connection, profile_id: int, source: str, now: datetime) -> None:
        self.connection, self.profile_id, self.source, self.now = connection, profile_id, source, now
        table = table_of(PersonIdentityRow)
        rows = connection.execute(select(table.c.kind, table.c.platform, table.c.value, table.c.person_id)
                                  .where(table.c.profile_id == profile_id))
        self.known: dict[IdentityKey, int] = {(k, p, v): person for k, p, v, person in rows}
        self.created = 0
        self.merged = 0

    def link(self, identities: Sequence[IdentityKey]) -> int | None:
        """The person these identities belong to (None when there are none)."""
        if not identities:
            return None
        found = {self.known[i] for i in identities if i in self.known}
        person = min(found) if found else self._new_person()
        for other in sorted(found - {person}):
            self._merge(other, person)
        new = [i for i in identities if i not in self.known]
        if new:
            self.connection.execute(insert(table_of(PersonIdentityRow)), [
                {"profile_id": self.profile_id, "person_id": person, "kind": k, "platform": p, "value": v,
                 "source": self.source} for k, p, v in new])
            self.known.update(dict.fromkeys(new, person))
        return person

    def _new_person(self) -> int:
        self.created += 1
        result = self.connection.execute(insert(table_of(PersonRow)).values(profile_id=self.profile_id,
                                                                             created_at=self.now))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _merge(self, old: int, into: int) -> None:
        self.merged += 1
        for model in PERSON_TABLES:
            table = table_of(model)
            self.connection.execute(update(table).where(table.c.person_id == old).values(person_id=into))
        self.connection.execute(delete(table_of(PersonRow)).where(table_of(PersonRow).c.id == old))
        self.known = {i: into if p == old else p for i, p in self.known.items()}
