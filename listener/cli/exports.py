"""CLI commands for the exports feature (registered on the main `ror` app by listener.cli.main)."""

# No `from __future__ import annotations`: Typer reads the command's annotations, and the
# shared options come from listener.cli.main inside register(), where only eager evaluation sees them.

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from listener.cli.app import ConfigOption, config_and_engine, handles_errors, out
from listener.config.errors import ConfigError

if TYPE_CHECKING:  # start-up time: the exports package is imported inside the command that uses it
    from listener.exports import IsoWeek


class FormatChoice(StrEnum):
    """The export formats."""

    csv = "csv"
    json = "json"
    md = "md"
    html = "html"


WeekOption = Annotated[str | None, typer.Option(
    "--week", "-w", help="ISO week such as 2026-W47 (default: the last complete week in the profile's time zone).")]
FormatOption = Annotated[list[FormatChoice] | None, typer.Option(
    "--format", "-f", help="csv, json, md or html; repeat for several (default: the profile's configured formats).")]
ProfilesOption = Annotated[str | None, typer.Option(
    "--profile", "-p", help="Only this profile (default: every profile).")]
OutOption = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Directory to write into (default: the profile's exports.output_dir).")]


def parse_week(text: str | None) -> "IsoWeek | None":
    """The --week value as an IsoWeek (None = per-profile default); a bad label is a usage error."""
    from listener.exports import IsoWeek, WeekError

    if text is None:
        return None
    try:
        return IsoWeek.parse(text)
    except WeekError as error:
        raise typer.BadParameter(str(error), param_hint="--week") from None


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the main app."""

    @app.command("export")
    @handles_errors
    def export(config: ConfigOption = None, week: WeekOption = None, profile: ProfilesOption = None,
               formats: FormatOption = None, out_dir: OutOption = None,
               mail: Annotated[bool, typer.Option("--mail", help="Also mail it to the profile's email_channel.")]
               = False) -> None:
        """Write the weekly engagement summary as CSV, JSON, Markdown and/or a self-contained HTML page."""
        from connectors.clock import utc_now
        from listener.cli.progress import progress
        from listener.config.exports import EXPORT_FORMATS
        from listener.exports import LOAD_STEPS, IsoWeek, build_weekly_summary, write_summary
        from listener.exports.mail import mail_weekly_summary

        chosen_week = parse_week(week)
        loaded, engine = config_and_engine(config)
        profiles = [loaded.profile(profile)] if profile else loaded.profiles
        now = utc_now()
        for chosen in profiles:
            iso_week = chosen_week or IsoWeek.last_complete(now, chosen.zone)
            if iso_week.monday > now.astimezone(chosen.zone).date():
                latest = IsoWeek.last_complete(now, chosen.zone)
                raise typer.BadParameter(f"{iso_week} has not started yet in {chosen.timezone}; "
                                         f"the latest complete week is {latest}", param_hint="--week")
            names = [f.value for f in formats] if formats else list(chosen.exports.formats or EXPORT_FORMATS)
            directory = out_dir or chosen.exports.directory(loaded.path)
            with progress(f"export {chosen.name} {iso_week}", total=LOAD_STEPS + len(names)) as advance:
                summary = build_weekly_summary(engine, chosen, iso_week, now, step=advance)
                paths = write_summary(summary, names, directory, advance)
            note = " (empty week)" if summary.empty else ""
            out.print(f"{chosen.name} {iso_week}{note}: " + ", ".join(str(p) for p in paths), highlight=False)
            if mail:
                if not mail_weekly_summary(loaded, chosen, summary):
                    raise ConfigError(f"{loaded.path}: profile {chosen.name!r} has no exports.email_channel to mail to")
                out.print(f"{chosen.name} {iso_week}: mailed through {chosen.exports.email_channel}", highlight=False)
