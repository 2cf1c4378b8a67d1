"""CLI commands for the alerts feature: `ror alerts list|test|run` (registered on `ror` by listener.cli.main)."""

# No `from __future__ import annotations`: Typer evaluates the commands' annotations when it registers them.

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from listener.cli.app import ConfigOption, JsonOption, config_and_engine, err, handles_errors, out

EXIT_NOT_SENT = 1
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="How many alerts to show, newest first.")]
ChannelOption = Annotated[str, typer.Option("--channel", help="Name of a [[channels]] entry of the config.")]
AllProfilesOption = Annotated[str | None, typer.Option(
    "--profile", "-p", help="Only this profile (default: every profile).")]


def _deliveries(alert: dict[str, Any]) -> str:
    parts = []
    for d in alert["deliveries"]:
        tries = f", {d['attempts']} tries" if d["attempts"] > 1 or d["status"] != "delivered" else ""
        parts.append(f"{d['channel']}: {d['status']}{tries}")
    return "; ".join(parts) or "no channel"


def alerts_table(alerts: list[dict[str, Any]]) -> Table:
    """A Rich table of alerts and their deliveries."""
    table = Table(title="alerts")
    for header in ("id", "created (UTC)", "profile", "detector", "title", "deliveries"):
        table.add_column(header)
    for a in alerts:
        cells = (str(a["id"]), a["created_at"][:16].replace("T", " "), a["profile"], a["detector"],
                 a["title"], _deliveries(a))
        table.add_row(*(escape(c) for c in cells))
    return table


def register(app: typer.Typer) -> None:
    """Add `ror alerts ...` to the main app."""

    alerts_app = typer.Typer(help="Alerts: list what fired and how it was delivered, test a channel.",
                             no_args_is_help=True)
    app.add_typer(alerts_app, name="alerts")

    @alerts_app.command("list")
    @handles_errors
    def list_command(config: ConfigOption = None, profile: AllProfilesOption = None, limit: LimitOption = 20,
                     as_json: JsonOption = False) -> None:
        """List the latest alerts, newest first, with each channel's delivery state."""
        from listener.alerts import list_alerts

        _, engine = config_and_engine(config)
        alerts = list_alerts(engine, profile, limit)
        if as_json:
            out.print_json(json.dumps(alerts))
        elif not alerts:
            out.print("no alerts yet")
        else:
            out.print(alerts_table(alerts))

    @alerts_app.command("test")
    @handles_errors
    def test_command(channel: ChannelOption, config: ConfigOption = None) -> None:
        """Send a sample alert to one channel now (not through the outbox); exit 1 if it fails."""
        from listener.alerts import DeliveryError, send_sample
        from listener.config.settings import default_config_path, load_config

        loaded = load_config(config or default_config_path())
        try:
            sent, message = send_sample(loaded, channel)
        except DeliveryError as error:
            err.print(f"[red]not sent:[/red] {escape(channel)}: {escape(str(error))}", highlight=False)
            raise typer.Exit(EXIT_NOT_SENT) from None
        out.print(f"sent {message.title!r} to {channel} ({sent.describe()})", markup=False, highlight=False)

    @alerts_app.command("run")
    @handles_errors
    def run_command(config: ConfigOption = None) -> None:
        """Run one alert cycle now: evaluate every profile's detectors and deliver what is due."""
        from listener.alerts import run_alert_cycle

        loaded, engine = config_and_engine(config)
        report = run_alert_cycle(engine, loaded)
        new = sum(len(ids) for ids in report.new_alerts.values())
        d = report.deliveries
        out.print(f"{new} new alert(s); deliveries: {len(d.delivered)} delivered, {len(d.retrying)} to retry, "
                  f"{len(d.expired)} expired", highlight=False)
        for name in report.failed_profiles:
            err.print(f"[red]profile {escape(name)}: detectors failed (see the log)[/red]", highlight=False)
