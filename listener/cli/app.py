"""The `ror` app and what every command shares: consoles, common options, exit codes, error handling."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from listener.config.settings import ConfigError, default_config_path, load_config
from listener.storage.engine import open_database

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG, EXIT_SYNC_FAILED, EXIT_DATABASE = 0, 1, 2, 3, 4, 5

app = typer.Typer(help="ror-listener: listen to a brand's social and review platforms and keep its RoR index.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
config_app = typer.Typer(help="Work with the configuration file.", no_args_is_help=True)
app.add_typer(config_app, name="config")
# Off a terminal Rich would assume 80 columns and squeeze tables; pipes and CI get 160.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("ror")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (default: $ROR_CONFIG or ./ror.toml).")]
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
        except SQLAlchemyError as error:
            err.print(f"[red]database error:[/red] {type(error).__name__}: {str(error).splitlines()[0]}", highlight=False)
            raise typer.Exit(EXIT_DATABASE) from None

    return wrapper  # type: ignore[return-value]


def config_and_engine(config_path: Path | None) -> tuple[Any, Engine]:
    config = load_config(config_path or default_config_path())
    return config, open_database(config.database_url())


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False) -> None:
    """Set up logging for every command."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
