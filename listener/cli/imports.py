"""CLI commands `ror import ...` and `ror forget` (registered on the main `ror` app by listener.cli.main)."""

# No `from __future__ import annotations`: Typer evaluates the commands' annotations when it registers them.

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listener.cli.app import (
    EXIT_ERROR,
    EXIT_SYNC_FAILED,
    EXIT_USAGE,
    ConfigOption,
    ProfileOption,
    config_and_engine,
    err,
    handles_errors,
    out,
    when,
)
from listener.imports.api_sources import API_SOURCES, ApiSource

if TYPE_CHECKING:  # start-up time: the import code is loaded by the command that runs it
    from listener.imports.save import ImportResult

SHOWN_ERRORS = 10
PersonArgument = Annotated[str, typer.Argument(
    help="Who: email:ADDRESS, customer:ID or platform:handle (mastodon:@anna@example.social).")]
AllProfilesOption = Annotated[str | None, typer.Option("--profile", "-p", help="Only this profile (default: all).")]
FileArgument = Annotated[Path, typer.Argument(
    help="The CSV file (UTF-8 or Windows-1252; ',' ';' or tab separated) or Excel workbook (.xlsx, first sheet).")]
HELP = {
    "nps": "Import NPS survey answers (response id, score 0-10, date; optional e-mail, customer id, comment).",
    "customers": "Import CRM customers (customer id; optional e-mail, social handle, signup date, referred by).",
    "orders": "Import orders (order id, customer id, date; optional amount, e-mail).",
    "tickets": "Import resolved help-desk tickets (ticket id, resolved date, customer id or e-mail).",
    "links": "Import an explicit mapping: each row names two or more identities of one person.",
    "email_campaigns": "Import e-mail campaign reports (campaign id, sent, recipients, unique opens and clicks).",
    "web_days": "Import website analytics per day (day, visits; optional visitors, pageviews, bounce rate, "
                "visit duration in seconds, goal conversions).",
}


def show_result(result: "ImportResult") -> None:
    """The summary line and the first quarantined rows with their line numbers."""
    out.print(result.summary(), highlight=False)
    for line, error in result.errors[:SHOWN_ERRORS]:
        out.print(f"  quarantined{f' line {line}' if line else ''}: {error}", highlight=False)
    if len(result.errors) > SHOWN_ERRORS:
        out.print(f"  ... and {len(result.errors) - SHOWN_ERRORS} more (table import_quarantine)", highlight=False)


def print_import_status(source: Any) -> None:
    """The latest run of each import and API source beyond social, and their cursors (nothing when none ran).

    `source`: an engine or a Reader."""
    from rich.table import Table

    from listener.imports.status import api_cursors, import_statuses

    statuses = import_statuses(source)
    if statuses:
        table = Table(title="imports and sources beyond social")
        for header in ("profile", "kind", "file or source", "last run", "rows", "new", "quarantined"):
            table.add_column(header)
        for s in statuses:
            table.add_row(s.profile, s.kind, s.source, when(s.last_run_at), str(s.rows), str(s.new),
                          str(s.quarantined))
        out.print(table)
    cursors = api_cursors(source)
    if cursors:
        table = Table(title="their cursors (the next run resumes there)")
        for header in ("source", "stream", "cursor", "moved"):
            table.add_column(header)
        for source, stream, cursor, moved in cursors:
            table.add_row(source, stream, cursor, when(moved))
        out.print(table)


def _command(kind: str) -> Callable[..., None]:
    @handles_errors
    def run(file: FileArgument, config: ConfigOption = None, profile: ProfileOption = None) -> None:
        from connectors.clock import utc_now
        from listener.imports.save import import_file
        from listener.imports.table import ImportFileError

        loaded, engine = config_and_engine(config)
        try:
            result = import_file(engine, loaded.profile(profile), kind, file, clock=utc_now)
        except ImportFileError as error:
            err.print(f"[red]import error:[/red] {file}: {error}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        show_result(result)

    run.__doc__ = HELP[kind]
    return run


def _api_command(source: ApiSource) -> Callable[..., None]:
    @handles_errors
    def run(config: ConfigOption = None, profile: ProfileOption = None) -> None:
        from connectors.clock import utc_now
        from connectors.errors import ConnectorError

        loaded, engine = config_and_engine(config)
        try:
            results = source.run(engine, loaded.profile(profile), utc_now)
        except ConnectorError as error:
            kept = "pages stored so far are kept" if source.stores_pages else "nothing stored from this run"
            err.print(f"[red]{source.name} failed:[/red] {error} ({kept})", highlight=False)
            raise typer.Exit(EXIT_SYNC_FAILED) from None
        for result in results:
            show_result(result)

    run.__doc__ = source.help
    return run


def register(app: typer.Typer) -> None:
    """Add `ror import` and `ror forget` to the main app."""
    imports = typer.Typer(help="Import CSV exports of surveys, CRMs and help desks (idempotent by id).",
                          no_args_is_help=True)
    for kind in HELP:
        imports.command(kind, help=HELP[kind])(_command(kind))

    for source in API_SOURCES.values():
        imports.command(source.name, help=source.help)(_api_command(source))

    app.add_typer(imports, name="import")

    @app.command("forget")
    @handles_errors
    def forget(person: PersonArgument, config: ConfigOption = None, profile: AllProfilesOption = None) -> None:
        """Erase a person from people, identities, customers and quarantine; their orders, answers and tickets stay
        without them. Logged (when and how many rows, never who)."""
        from connectors.clock import utc_now
        from listener.imports.forget import PersonSpecError, forget_person

        loaded, engine = config_and_engine(config)
        profiles = [loaded.profile(profile)] if profile else loaded.profiles
        try:
            done = forget_person(engine, profiles, person, clock=utc_now)
        except PersonSpecError as error:
            err.print(f"[red]usage error:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        if not done:
            err.print("no such person in the imported data (nothing erased)", highlight=False)
            raise typer.Exit(EXIT_ERROR)
        for name, counts in done.items():
            out.print(f"{name}: erased " + ", ".join(f"{n} {what}" for what, n in counts.items()), highlight=False)
