"""The `ror` command line: thin wrappers over library functions, with documented exit codes."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Engine

from connectors.clock import utc_now
from connectors.registry import CONNECTORS, build_connector
from listener.cli.app import (
    EXIT_CONFIG,
    EXIT_SYNC_FAILED,
    EXIT_USAGE,
    ConfigOption,
    JsonOption,
    ProfileOption,
    app,
    config_and_engine,
    config_app,
    err,
    handles_errors,
    out,
)
from listener.cli.progress import progress
from listener.collect.status import daemon_caption, quota_left, shown_state, source_statuses
from listener.collect.sync import sync_source
from listener.config.settings import ConfigError, check_secrets, default_config_path, load_config, source_secrets
from listener.daemon.health import record_failed_run
from listener.daemon.steps import failing_steps
from listener.index.aggregate import aggregate_profile
from listener.read.reports import load_index_points
from listener.sentiment.score import count_unscored, score_pending
from listener.storage.engine import open_database

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.example.toml"


@app.command()
@handles_errors
def init(path: Annotated[Path, typer.Option("--path", help="Where to write the config.")] = Path("ror.toml"),
         force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False) -> None:
    """Write a starter config (a copy of config.example.toml) and create its database."""
    if path.exists() and not force:
        err.print(f"{path} exists; use --force to overwrite")
        raise typer.Exit(EXIT_USAGE)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE_CONFIG, path)
    except OSError as error:
        err.print(f"[red]cannot write {path}:[/red] {error.strerror}; choose another --path", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    config = load_config(path)
    open_database(config.database_url())
    out.print(f"wrote {path}; database at {config.database_url()}")


@config_app.command("check")
@handles_errors
def config_check(config: ConfigOption = None) -> None:
    """Validate a config file and the environment variables it names."""
    from listener.alerts import channel_problems
    from listener.exports import exports_problems

    loaded = load_config(config or default_config_path())
    problems = check_secrets(loaded) + channel_problems(loaded) + exports_problems(loaded)
    for problem in problems:
        err.print(f"[red]config error:[/red] {problem}", highlight=False)
    if problems:
        raise typer.Exit(EXIT_CONFIG)
    out.print(f"{loaded.path}: ok, {len(loaded.profiles)} profile(s), {len(loaded.sources())} source(s)")


@app.command()
@handles_errors
def sync(config: ConfigOption = None,
         source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None) -> None:
    """Collect new items from every enabled source (or one) into the database."""
    loaded, engine = config_and_engine(config)
    pairs = [(p, s) for p, s in loaded.sources() if (source is None and s.enabled) or s.name == source]
    if source and not pairs:
        raise ConfigError(f"{loaded.path}: no source named {source!r}")
    failed = 0
    for profile, settings in pairs:
        try:
            connector = build_connector(settings, secrets=source_secrets(settings))
        except ConfigError as error:
            err.print(f"[red]{settings.name}: skipped:[/red] {error}", highlight=False)
            record_failed_run(engine, settings.name, f"skipped: {error}", utc_now())
            failed += 1
            continue
        with progress(f"sync {settings.name}") as advance:
            result = sync_source(engine, profile.name, profile.timezone, settings, connector,
                                 on_page=lambda _stream, page: advance(len(page.items)))
        failed += result.status in ("failed", "partial")
        line = f"{settings.name}: {result.status}, {result.items} items, {result.events} events, {result.quarantined} quarantined"
        out.print(line + (f" ({result.error})" if result.error else ""), highlight=False)
    if failed:
        raise typer.Exit(EXIT_SYNC_FAILED)


@app.command()
@handles_errors
def score(config: ConfigOption = None) -> None:
    """Score new items' sentiment, then recompute every profile's index."""
    loaded, engine = config_and_engine(config)
    scored = run_scoring(engine, loaded)
    out.print(f"scored {scored} item(s); index updated for {len(loaded.profiles)} profile(s)")


def run_scoring(engine: Engine, config: Any) -> int:
    """Score what is pending with a progress bar, then aggregate every profile."""
    with progress("score", total=count_unscored(engine)) as advance:
        scored = score_pending(engine, progress=advance)
    for profile in config.profiles:
        aggregate_profile(engine, profile)
    return scored


@app.command()
@handles_errors
def index(config: ConfigOption = None, profile: ProfileOption = None,
          days: Annotated[int, typer.Option("--days", "-d", min=1, help="How many days to show.")] = 28,
          as_json: JsonOption = False,
          wide: Annotated[bool, typer.Option("--wide", help="Every component and its inputs (needs ~160 columns).")]
          = False) -> None:
    """Show the daily and running RoR index with its components."""
    loaded, engine = config_and_engine(config)
    chosen = loaded.profile(profile)
    points = load_index_points(engine, chosen, days)
    if not points:
        aggregate_profile(engine, chosen)
        points = load_index_points(engine, chosen, days)
    if as_json:
        out.print_json(json.dumps({"profile": chosen.name, "points": points}))
        return
    out.print(index_table(chosen.name, points, wide))


def _fmt(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


INDEX_LEGEND = ("scores 0-100; engagement and advocacy are 50 at the profile's own usual level; "
                "* provisional: late data may still change the day")
COMPONENT_HEADERS = (("sentiment", "sentiment"), ("engagement", "engagement"), ("advocacy", "advocacy"),
                     ("loyalty", "loyalty"), ("responsiveness", "responses"), ("nps", "review NPS"),
                     ("return_rate", "return"))
NARROW_COMPONENTS = ("sentiment", "engagement", "responsiveness")


def index_table(profile: str, points: list[dict[str, Any]], wide: bool = False) -> Table:
    """A Rich table of index points: 80 columns by default, every component and input with `wide`."""
    shown = [(name, header) for name, header in COMPONENT_HEADERS if wide or name in NARROW_COMPONENTS]
    legend = INDEX_LEGEND if wide else INDEX_LEGEND + "; --wide shows every component"
    table = Table(title=f"RoR index: {profile}", caption=legend)
    headers = ["day", "running", "daily", *(h for _, h in shown)]
    if wide:
        headers += ["inbound +/-/0", "net sentiment", "engagement rate", "coverage"]
    for header in headers:
        table.add_column(header, justify="right", no_wrap=header == "day")
    for p in points:
        c = p["components"]
        row = [p["day"] + ("*" if p["provisional"] else " "), _fmt(p["running_index"]), _fmt(p["daily_index"]),
               *(_fmt(c.get(name, {}).get("score")) for name, _ in shown)]
        if wide:
            s, e = c["sentiment"], c["engagement"]
            row += [f"{s['positive']}/{s['negative']}/{s['neutral']}", _fmt(s["net"], 2),
                    "-" if e["rate"] is None else f"{100 * e['rate']:.2f}%", _fmt(p["coverage"], 2)]
        table.add_row(*row)
    return table


@app.command()
@handles_errors
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per source: health, last run, last success, next run, quota left, last error, items collected, cursors."""
    loaded, engine = config_and_engine(config)
    statuses = source_statuses(engine, loaded)
    if as_json:
        out.print_json(json.dumps([s.to_json() for s in statuses]))
        return
    table = Table(title="sources", caption=daemon_caption(engine))
    for header in ("source", "profile", "platform", "state", "last run", "last success", "next run", "quota left",
                   "items", "quarantined", "last error"):
        table.add_column(header)
    for s in statuses:
        table.add_row(s.source, s.profile, s.platform, shown_state(s),
                      _when(s.last_run_at), _when(s.last_success_at), _when(s.next_run_at), quota_left(s),
                      str(s.items), str(s.quarantined), (s.last_error or "")[:80])
    out.print(table)
    _print_failing_steps(engine)


def _print_failing_steps(engine: Engine) -> None:
    """The daemon's score, aggregate, alerts or export steps whose last run failed, if any."""
    failing = failing_steps(engine)
    if not failing:
        return
    table = Table(title="pipeline steps failing in the daemon")
    for header in ("profile", "step", "failed runs in a row", "last failure", "error"):
        table.add_column(header)
    for step in failing:
        table.add_row(step.profile, step.step, str(step.consecutive_failures), _when(step.last_failed_at),
                      (step.last_error or "")[:80])
    out.print(table)


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@app.command()
def sources() -> None:
    """List every connector: platform, what it collects, its config keys and auth."""
    for platform, connector in sorted(CONNECTORS.items()):
        out.print(f"[bold]{platform}[/bold]: {connector.description}", highlight=False)
        out.print(f"  auth: {connector.auth}", highlight=False)
        for name, field in connector.settings_model.model_fields.items():
            required = "required" if field.is_required() else f"default {field.get_default(call_default_factory=True)!r}"
            out.print(f"  {name}: {required}", highlight=False)


@app.command()
@handles_errors
def demo(directory: Annotated[Path, typer.Option("--dir", help="Where to put the demo config and database.")] = Path("ror-demo")) -> None:
    """Replay a demo Mastodon brand on loopback, run the whole pipeline, show the index."""
    from listener.demo.run import run_demo

    result = run_demo(directory)
    sync = result.sync
    out.print(f"collected {result.stored_items} items ({sync.items} reads, refreshes included) and {sync.events} "
              f"engagement events in {sync.pages} pages ({sync.status}) from the loopback replay server, now stopped",
              highlight=False)
    out.print(index_table(result.profile, result.points))
    out.print(f"\ndatabase: {result.database}\nconfig:   {result.config_path}", highlight=False)
    out.print("next, try:", highlight=False)
    for command in demo_next_commands(result.config_path, result.points):
        out.print(f"  {command}", highlight=False)


def demo_next_commands(config_path: Path, points: list[dict[str, Any]]) -> list[str]:
    """The commands to try after the demo, spelled so they run from where the user is."""
    ror, config = invoked_as(), f"--config {config_path}"
    worst = min((p for p in points if p["daily_index"] is not None), key=lambda p: p["daily_index"], default=None)
    commands = [f"{ror} index {config}"]
    if worst is not None:
        commands.append(f"{ror} explain --date {worst['day']} {config}   # the worst day: why the index fell")
    return commands + [f"{ror} people {config}", f"{ror} status {config}"]


def invoked_as() -> str:
    """`ror` if it is on PATH, else the path this program was started by (e.g. .venv/bin/ror)."""
    if shutil.which("ror"):
        return "ror"
    started = Path(sys.argv[0])
    if started.name == "ror":
        return str(started)
    return f"{sys.executable} -m listener.cli.main"


def _register_feature_commands() -> None:
    from listener.cli import alerts, daemon, exports, index

    for module in (index, daemon, alerts, exports):
        module.register(app)


_register_feature_commands()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
