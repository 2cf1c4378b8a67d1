"""PostgreSQL without SQLAlchemy: a psycopg connection for the read commands when the schema is at head.

SQLAlchemy connects with psycopg too (listener/storage/engine.py turns `postgresql://` into
`postgresql+psycopg://`); here the same URL goes to libpq as it is, so both reach the same
database as the same user. Anything else (another driver, a URL libpq would read differently)
is left to SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from listener.storage.sqlite_file import is_at_head

if TYPE_CHECKING:
    import psycopg

PSYCOPG_SCHEMES = ("postgresql://", "postgresql+psycopg://")  # the URLs SQLAlchemy would open with psycopg
LIBPQ_SCHEME = "postgresql://"


def libpq_url_of(url: str) -> str | None:
    """The URL as libpq reads it, for a URL SQLAlchemy opens with psycopg; None for any other URL.

    A URL with more than one `@` (a user or password that should have been percent-encoded) stays
    with SQLAlchemy: the plain path takes only URLs both read alike."""
    for scheme in PSYCOPG_SCHEMES:
        if url.startswith(scheme):
            rest = url[len(scheme):]
            return None if rest.count("@") > 1 else LIBPQ_SCHEME + rest
    return None


def open_postgres_at_head(libpq_url: str) -> psycopg.Connection[Any] | None:
    """An autocommit connection when the database stores the head revision; None when it must be migrated.

    A server that cannot be reached raises psycopg's OperationalError: the same error, word for word,
    that SQLAlchemy would wrap (it connects with psycopg too)."""
    import psycopg

    connection = psycopg.connect(libpq_url, autocommit=True)
    return connection if is_at_head(connection, psycopg.Error) else None
