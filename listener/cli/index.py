"""CLI commands for the index feature (registered on the main `ror` app by listener.cli.main)."""

# No `from __future__ import annotations`: Typer reads the command's annotations, and the
# shared options come from listener.cli.main inside register(), where only eager evaluation sees them.

# Start-up time: the aggregator and the readers are imported inside the commands that use them.

import json
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from listener.cli.app import (
    EXIT_USAGE,
    ConfigOption,
    JsonOption,
    ProfileOption,
    config_and_engine,
    err,
    handles_errors,
    out,
)
from listener.cli.views import explain_view, people_table, person_view

EXPLAIN_TOP = 5  # items or people `ror explain` lists per component unless --top says otherwise


class SortChoice(StrEnum):
    """How `ror people` orders the ledger."""

    interactions = "interactions"
    last_seen = "last_seen"
    first_seen = "first_seen"
    active_days = "active_days"
    replies = "replies"
    sentiment = "sentiment"
    shares = "shares"
    mentions = "mentions"
    likes = "likes"


DateOption = Annotated[str | None, typer.Option(
    "--date", "-d", help="Local day to explain, YYYY-MM-DD (default: the latest day).")]
TopOption = Annotated[int, typer.Option("--top", "-n", min=0, help="How many items or people to list.")]
SinceOption = Annotated[str | None, typer.Option(
    "--since", help="Only rebuild from this local day on, YYYY-MM-DD (default: all history).")]
AllProfilesOption = Annotated[str | None, typer.Option(
    "--profile", "-p", help="Only this profile (default: every profile).")]
PersonArgument = Annotated[str | None, typer.Argument(
    help="Show this person's history: @handle, author id, or platform:author_id.")]
SortOption = Annotated[SortChoice, typer.Option("--sort", "-s", help="Order of the list.")]
ReverseOption = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option as a date; a bad value is a usage error."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a day as YYYY-MM-DD, got {text!r}", param_hint=option) from None


def ensure_index(engine: Any, profile: Any) -> None:
    """Compute the index once if the current formula has no points yet (as `ror index` does)."""
    from listener.index.aggregate import aggregate_profile
    from listener.read.reports import load_index_points

    if not load_index_points(engine, profile, 1):
        aggregate_profile(engine, profile)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the main app."""

    def shown(render: Any, as_json: bool, payload: Any) -> None:
        if as_json:
            out.print_json(json.dumps(payload))
        else:
            out.print(render(payload))

    @app.command("explain")
    @handles_errors
    def explain(config: ConfigOption = None, profile: ProfileOption = None, day: DateOption = None,
                top: TopOption = EXPLAIN_TOP, as_json: JsonOption = False) -> None:
        """Explain one day's index: each component, its inputs, its change since the day before, what moved it."""
        from listener.read.explain import explain_day
        from listener.read.reports import NoIndexError

        wanted = parse_day(day, "--date")
        loaded, engine = config_and_engine(config)
        chosen = loaded.profile(profile)
        ensure_index(engine, chosen)
        try:
            explanation = explain_day(engine, chosen, wanted, top=top)
        except NoIndexError as error:
            err.print(str(error), highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        shown(explain_view, as_json, explanation)

    @app.command("people")
    @handles_errors
    def people(person: PersonArgument = None, config: ConfigOption = None, profile: ProfileOption = None,
               top: TopOption = 20, sort: SortOption = SortChoice.interactions, reverse: ReverseOption = False,
               as_json: JsonOption = False) -> None:
        """The relationship ledger: people by interactions (or --sort), or one person's history."""
        from listener.read.people import list_people, person_history
        from listener.read.reports import NoIndexError

        loaded, engine = config_and_engine(config)
        chosen = loaded.profile(profile)
        ensure_index(engine, chosen)
        try:
            if person:
                shown(person_view, as_json, person_history(engine, chosen, person, limit=top))
                return
            listed = list_people(engine, chosen, top=top, sort=sort.value, reverse=reverse)
        except NoIndexError as error:
            err.print(str(error), highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        shown(lambda rows: people_table(chosen.name, rows, sort.value), as_json, listed)

    @app.command("recompute")
    @handles_errors
    def recompute(config: ConfigOption = None, profile: AllProfilesOption = None, since: SinceOption = None) -> None:
        """Rebuild the index from the stored items after a formula or config change (all history, or --since)."""
        from listener.index.aggregate import formula_version, recompute_profile
        from scoring.signals import day_bounds

        start = parse_day(since, "--since")
        loaded, engine = config_and_engine(config)
        for chosen in [loaded.profile(profile)] if profile else loaded.profiles:
            moment = day_bounds(start, chosen.zone)[0] if start else None
            count = recompute_profile(engine, chosen, since=moment)
            out.print(f"{chosen.name}: {count} daily point(s) in series {formula_version(chosen.index)}"
                      + (f", rebuilt from {start}" if start else ", rebuilt from all history"), highlight=False)
