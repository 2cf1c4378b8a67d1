"""CLI commands for quarantined records: `ror quarantine list`, `show` and `retry` (registered by listener.cli.main)."""

# No `from __future__ import annotations`: Typer evaluates the commands' annotations when it registers them.

import json
from typing import Annotated

import typer
from rich.table import Table

from listener.cli.app import EXIT_USAGE, ConfigOption, JsonOption, config_and_engine, handles_errors, out, when

SourceOption = Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")]
AllOption = Annotated[bool, typer.Option("--all", help="Also records already re-parsed.")]


def register(app: typer.Typer) -> None:
    """Add the `quarantine` command group to the main app."""

    group = typer.Typer(help="Look at records that could not be parsed, and re-parse them after an upgrade.",
                        no_args_is_help=True)
    app.add_typer(group, name="quarantine")

    @group.command("list")
    @handles_errors
    def quarantine_list(config: ConfigOption = None, source: SourceOption = None, as_json: JsonOption = False,
                        all_records: AllOption = False) -> None:
        """Quarantined records not yet re-parsed (or all): id, source, stream, record id, error."""
        from listener.collect.quarantine import list_quarantine

        _, engine = config_and_engine(config)
        records = list_quarantine(engine, source, include_resolved=all_records)
        if as_json:
            out.print_json(json.dumps([r.to_json() for r in records]))
            return
        table = Table(title=f"quarantine: {len(records)} record(s)")
        for header in ("id", "source", "stream", "record", "first seen", "resolved", "error"):
            table.add_column(header)
        for r in records:
            table.add_row(str(r.id), r.source, r.stream, r.external_id or "-", when(r.first_seen_at),
                          when(r.resolved_at), r.error[:100])
        out.print(table)

    @group.command("show")
    @handles_errors
    def quarantine_show(record_id: Annotated[int, typer.Argument(help="The id from `ror quarantine list`.")],
                        config: ConfigOption = None) -> None:
        """One quarantined record: its error and the payload as the platform sent it."""
        from listener.collect.quarantine import show_quarantined

        _, engine = config_and_engine(config)
        record = show_quarantined(engine, record_id)
        if record is None:
            out.print(f"no quarantined record {record_id}")
            raise typer.Exit(EXIT_USAGE)
        out.print_json(json.dumps(record.to_json(), default=str))

    @group.command("retry")
    @handles_errors
    def quarantine_retry(config: ConfigOption = None, source: SourceOption = None,
                         record_ids: Annotated[list[int] | None, typer.Option("--id", help="Only this record; repeat "
                                                                              "for several.")] = None) -> None:
        """Re-parse quarantined records with this version's mapping; stored ones are marked resolved, none deleted."""
        from connectors.registry import build_connector
        from listener.collect.quarantine import retry_quarantine
        from listener.config.settings import source_secrets

        loaded, engine = config_and_engine(config)
        outcome = retry_quarantine(engine, loaded, lambda s: build_connector(s, secrets=source_secrets(s)),
                                   source=source, record_ids=record_ids)
        out.print(f"re-parsed {len(outcome.resolved)} record(s) into {outcome.items} item(s); "
                  f"{len(outcome.still_broken)} still broken", highlight=False)
        for record_id, error in outcome.still_broken.items():
            out.print(f"  {record_id}: {error[:150]}", highlight=False)
        for name, why in outcome.unsupported.items():
            out.print(f"  {name}: not retried: {why}", highlight=False)
