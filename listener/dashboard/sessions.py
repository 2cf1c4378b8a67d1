"""Login sessions: a random cookie token (only its SHA-256 is stored) with its own CSRF token and expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from listener.storage.dashboard_models import DashboardSessionRow, DashboardUserRow
from listener.storage.upsert import table_of

SESSION_LIFETIME = timedelta(days=14)


@dataclass(frozen=True)
class User:
    """Who is making a request: a logged-in user, or the local operator when no login is required."""

    name: str
    role: str
    csrf_token: str
    session_token: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def start_session(engine: Engine, user_id: int, now: datetime) -> str:
    """Store a new session for the user; returns the cookie token (never stored as such)."""
    token, sessions = new_token(), table_of(DashboardSessionRow)
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at <= now))
        connection.execute(sessions.insert().values(token_hash=_digest(token), user_id=user_id,
                                                    csrf_token=new_token(), created_at=now,
                                                    expires_at=now + SESSION_LIFETIME))
    return token


def session_user(engine: Engine, token: str | None, now: datetime) -> User | None:
    """The user of a live session token, or None."""
    if not token:
        return None
    sessions, users = table_of(DashboardSessionRow), table_of(DashboardUserRow)
    with engine.connect() as connection:
        row = connection.execute(
            select(users.c.name, users.c.role, sessions.c.csrf_token)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == _digest(token), sessions.c.expires_at > now)).first()
    return User(row.name, row.role, row.csrf_token, token) if row else None


def end_session(engine: Engine, token: str) -> None:
    """Forget a session (logout)."""
    sessions = table_of(DashboardSessionRow)
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))
