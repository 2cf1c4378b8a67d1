"""CLI commands for the daemon feature (registered on the main `ror` app by listener.cli.main)."""

# No `from __future__ import annotations`: Typer reads the command's annotations, and the
# shared options come from listener.cli.main inside register(), where only eager evaluation sees them.

from pathlib import Path
from typing import Annotated, Literal

import typer

from listener.cli.app import ConfigOption, err, handles_errors

EXIT_ALREADY_RUNNING = 6


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the main app."""

    @app.command(help="Run the daemon: poll every enabled source on its interval, score, aggregate, alert, "
                      "export weekly.\n\nStops cleanly on SIGTERM or Ctrl-C (exit 0), reloads the config on "
                      "SIGHUP, serves /status and /metrics on a loopback port. Exit 6 if another `ror run` "
                      "uses the database.")
    @handles_errors
    def run(config: ConfigOption = None,
            log_format: Annotated[Literal["text", "json"] | None, typer.Option(
                "--log-format", help="Log lines as readable text or one JSON object per line "
                                     "(default: the config's daemon.log_format, else text).")] = None,
            json_logs: Annotated[bool, typer.Option("--json-logs", help="Same as --log-format json.")] = False) -> None:
        """`ror run`: the daemon, until SIGTERM or SIGINT."""
        from listener.config.settings import default_config_path
        from listener.daemon.lock import AlreadyRunningError
        from listener.daemon.service import run_daemon

        try:
            code = run_daemon(Path(config or default_config_path()), "json" if json_logs else log_format)
        except AlreadyRunningError as error:
            err.print(f"[red]already running:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_ALREADY_RUNNING) from None
        raise typer.Exit(code)
