"""The `ror` app and what every command shares: consoles, common options, exit codes, error handling."""

from __future__ import annotations

import errno
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.exceptions import TyperException

from listener.cli.lazy import lazy_group
from listener.config.errors import ConfigError
from listener.daemon.logs import TextFormatter
from listener.redaction import SECRETS, RedactingStream

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from listener.storage.reader import Reader

# Start-up time: what needs SQLAlchemy, the config models (every connector) or the store is imported
# inside the function that uses it, so `ror --help` loads none of them.

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG, EXIT_SYNC_FAILED, EXIT_DATABASE = 0, 1, 2, 3, 4, 5
EXIT_SYNC_DEFERRED = 7  # a platform asked to wait longer than the retry cap: nothing failed, run again later
EXIT_SIGNAL_BASE = 128  # stopped by a signal: 128 + its number (143 for SIGTERM), as shells report it

# Every command is registered on `commands`; `app`, the root that runs, builds only the one being run.
commands = typer.Typer(pretty_exceptions_enable=False)
app = typer.Typer(help="ror-listener: listen to a brand's social and review platforms and keep its RoR index.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=lazy_group(commands))
config_app = typer.Typer(help="Work with the configuration file.", no_args_is_help=True)
commands.add_typer(config_app, name="config")
# Off a terminal Rich would assume 80 columns and squeeze tables; pipes and CI get 160.
# Everything the CLI prints passes the redaction point (a server may echo a token into an error).
# RedactingStream is duck-typed: it redacts write() and hands every other IO attribute to sys.stdout/stderr.
# emoji=False: a `:name:` in a source's error or a post stays as written (and Rich's emoji table is never loaded).
out = Console(file=RedactingStream("stdout"), soft_wrap=True, width=None if sys.stdout.isatty() else 160,  # type: ignore[arg-type]
              emoji=False)
err = Console(file=RedactingStream("stderr"), soft_wrap=True, emoji=False)  # type: ignore[arg-type]
log = logging.getLogger("ror")

# readable=False: an unreadable file is the config loader's to report (exit 3), not a usage error (exit 2).
ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", readable=False,
                                                   help="Config file (default: $ROR_CONFIG or ./ror.toml).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ProfileOption = Annotated[str | None, typer.Option("--profile", "-p", help="Profile name (default: the only one).")]
F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(command: F) -> F:
    """Turn known failures into a one-line message and a documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            err.print(f"[red]config error:[/red] {error}", markup=True, highlight=False)
            raise typer.Exit(EXIT_CONFIG) from None
        except OSError as error:
            err.print(f"[red]file error:[/red] {os_problem(error)}", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None
        except (typer.Exit, typer.Abort, typer.BadParameter, TyperException):
            raise
        except Exception as error:  # noqa: BLE001 - a bug: one line here, the traceback with --verbose
            if is_database_error(error):
                err.print(f"[red]database error:[/red] {database_problem(error)}", highlight=False)
                raise typer.Exit(EXIT_DATABASE) from None
            log.debug("unexpected error", exc_info=True)
            err.print(f"[red]unexpected error:[/red] {type(error).__name__}: {one_line(str(error))} "
                      "(run with --verbose for the traceback)", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None

    # the wrapper keeps the wrapped signature via functools.wraps, which mypy cannot see
    return wrapper  # type: ignore[return-value]


def one_line(text: str) -> str:
    """The first line of a message, or a placeholder for an empty one."""
    return (text.strip().splitlines() or ["(no message)"])[0]


def os_problem(error: OSError) -> str:
    """`path: what went wrong: what to do` for an OS error."""
    where = error.filename if error.filename is not None else "(unnamed file)"
    hint = OS_HINTS.get(error.errno or 0, "")
    return f"{where}: {error.strerror or one_line(str(error))}" + (f": {hint}" if hint else "")


OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run again (nothing was half-written)",
    errno.EACCES: "permission denied; choose a path you may write to",
    errno.EPERM: "not permitted; choose a path you may write to",
    errno.EROFS: "read-only file system; choose another path",
    errno.EEXIST: "a file is in the way; choose a directory",
    errno.ENOTDIR: "a file is in the way; choose a directory",
    errno.EISDIR: "that is a directory; name a file",
    errno.ENOENT: "no such file or directory",
}


def database_problem(error: Exception) -> str:
    """One line on a database error, naming the database (its password hidden)."""
    message = one_line(str(getattr(error, "orig", None) or error))
    if "disk is full" in message or "disk I/O error" in message:
        message += ": free some space and run again (the last page was rolled back, nothing is lost)"
    if not _database_url:
        return f"{type(error).__name__}: {message}"
    from listener.storage.engine import shown_url  # on an error only: the read commands' plain reads load no SQLAlchemy

    return f"{type(error).__name__}: {message} ({shown_url(_database_url)})"


def is_database_error(error: Exception) -> bool:
    """A SQLAlchemy error, or sqlite3's or psycopg's on a read command's plain reads (an unloaded module raised
    none)."""
    exc, sqlite3, psycopg = (sys.modules.get(name) for name in ("sqlalchemy.exc", "sqlite3", "psycopg"))
    return ((exc is not None and isinstance(error, exc.SQLAlchemyError))
            or (sqlite3 is not None and isinstance(error, sqlite3.Error))
            or (psycopg is not None and isinstance(error, psycopg.Error)))


_database_url = ""  # the URL of the database the running command opened, named (password hidden) in its errors


def config_and_engine(config_path: Path | None, loaded: Any = None) -> tuple[Any, Engine]:
    """The loaded config (`loaded` when given) and its database, migrated; remembers the URL (password hidden)
    for error messages."""
    from listener.config.settings import default_config_path, load_config
    from listener.storage.engine import open_database

    global _database_url
    config = loaded or load_config(config_path or default_config_path())
    _database_url = config.database_url()
    return config, open_database(_database_url)


def config_and_reader(config_path: Path | None) -> tuple[Any, Reader]:
    """The loaded config and a Reader of its database at head: sqlite3 alone on a SQLite file, psycopg alone on
    PostgreSQL (SQLAlchemy is half a read command's start-up); else SQLAlchemy on the migrated database, as
    `config_and_engine` opens it."""
    from listener.config.settings import default_config_path, load_config

    global _database_url
    config = load_config(config_path or default_config_path())
    _database_url = config.database_url()
    reader = plain_reader(_database_url)
    if reader is None:
        from listener.storage.reader import SqlAlchemyReader

        config, engine = config_and_engine(config_path, config)
        return config, SqlAlchemyReader(engine)
    return config, reader


def plain_reader(url: str) -> Reader | None:
    """A Reader without SQLAlchemy for a SQLite file or a PostgreSQL database at head; None for any other."""
    from listener.storage.sqlite_file import open_sqlite_at_head, sqlite_file_of

    path = sqlite_file_of(url)
    if path is not None:
        from listener.storage.reader import SqliteReader

        connection = open_sqlite_at_head(path)
        return None if connection is None else SqliteReader(connection, url)
    from listener.storage.postgres_direct import libpq_url_of, open_postgres_at_head

    address = libpq_url_of(url)
    if address is None:
        return None
    from listener.storage.reader import PsycopgReader

    postgres = open_postgres_at_head(address)
    return None if postgres is None else PsycopgReader(postgres, url)


def when(moment: Any) -> str:
    """A UTC moment as the tables show it, or '-'."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False) -> None:
    """Set up logging for every command."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(TextFormatter(SECRETS))
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
