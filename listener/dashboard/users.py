"""Dashboard users: add, list, remove, check a password (argon2id hashes from argon2-cffi)."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select

from connectors.clock import Clock, utc_now
from listener.storage.dashboard_models import DashboardSessionRow, DashboardUserRow
from listener.storage.upsert import table_of

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
RANK = {role: rank for rank, role in enumerate(ROLES)}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verifying an unknown name against this hash takes as long as a real check, so timing does not tell names apart.
_DUMMY_HASH = _hasher.hash("not a real password")


class UserError(ValueError):
    """A user name, role or password that cannot be used."""


def may(role: str, needed: str) -> bool:
    """True if `role` is at least `needed` (viewer < editor < admin)."""
    return RANK.get(role, -1) >= RANK[needed]


def add_user(engine: Engine, name: str, role: str, password: str, clock: Clock = utc_now) -> None:
    """Store a new user with an argon2id hash of the password; UserError if the name is taken or invalid."""
    if not NAME_PATTERN.match(name):
        raise UserError(f"user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password too short: at least {MIN_PASSWORD} characters")
    users = table_of(DashboardUserRow)
    with engine.begin() as connection:
        if connection.execute(select(users.c.id).where(users.c.name == name)).first():
            raise UserError(f"user {name!r} exists already (remove it first to change it)")
        connection.execute(users.insert().values(name=name, role=role, password_hash=_hasher.hash(password),
                                                 created_at=clock()))


def remove_user(engine: Engine, name: str) -> bool:
    """Delete a user and their sessions; False if there was no such user."""
    users, sessions = table_of(DashboardUserRow), table_of(DashboardSessionRow)
    with engine.begin() as connection:
        found = connection.execute(select(users.c.id).where(users.c.name == name)).scalar_one_or_none()
        if found is None:
            return False
        connection.execute(delete(sessions).where(sessions.c.user_id == found))
        connection.execute(delete(users).where(users.c.id == found))
    return True


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user's name, role and creation time, by name."""
    users = table_of(DashboardUserRow)
    with engine.connect() as connection:
        rows = connection.execute(select(users.c.name, users.c.role, users.c.created_at).order_by(users.c.name))
        return [{"name": r.name, "role": r.role, "created_at": r.created_at.isoformat()} for r in rows]


def count_users(engine: Engine, role: str | None = None) -> int:
    """How many users there are (with that role, if given)."""
    users = table_of(DashboardUserRow)
    query = select(func.count()).select_from(users)
    with engine.connect() as connection:
        return int(connection.execute(query.where(users.c.role == role) if role else query).scalar_one())


def check_password(engine: Engine, name: str, password: str) -> tuple[int, str] | None:
    """(user id, role) if the name and password match, else None (in constant-ish time)."""
    users = table_of(DashboardUserRow)
    with engine.connect() as connection:
        row = connection.execute(select(users.c.id, users.c.role, users.c.password_hash)
                                 .where(users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return (int(row.id), str(row.role)) if row else None

