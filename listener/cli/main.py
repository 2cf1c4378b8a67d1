"""The `ror` command line: thin wrappers over library functions, with documented exit codes."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from listener.cli.app import (
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_SIGNAL_BASE,
    EXIT_SYNC_DEFERRED,
    EXIT_SYNC_FAILED,
    EXIT_USAGE,
    ConfigOption,
    JsonOption,
    ProfileOption,
    app,
    commands,
    config_and_engine,
    config_and_reader,
    config_app,
    err,
    handles_errors,
    log,
    out,
    when,
)
from listener.config.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from listener.storage.reader import Reader

# Start-up time: each command imports what it uses (the connectors, the store, the aggregator, SQLAlchemy)
# in its body, so `ror --help` and the read commands load only their own share; tests/test_startup.py checks it.

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.example.toml"


@commands.command()
@handles_errors
def init(path: Annotated[Path, typer.Option("--path", help="Where to write the config.")] = Path("ror.toml"),
         force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False) -> None:
    """Write a starter config (a copy of config.example.toml) and create its database."""
    from listener.config.settings import load_config
    from listener.storage.engine import open_database

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
    from connectors.instagram.hashtags import hashtag_budget_notes, hashtag_budget_problems
    from listener.alerts import channel_problems
    from listener.config.settings import check_secrets, default_config_path, load_config
    from listener.exports import exports_problems

    loaded = load_config(config or default_config_path())
    sources = [s for _, s in loaded.sources()]
    problems = (check_secrets(loaded) + channel_problems(loaded) + exports_problems(loaded)
                + hashtag_budget_problems(sources))
    for problem in problems:
        err.print(f"[red]config error:[/red] {problem}", highlight=False)
    if problems:
        raise typer.Exit(EXIT_CONFIG)
    out.print(f"{loaded.path}: ok, {len(loaded.profiles)} profile(s), {len(loaded.sources())} source(s)")
    for note in hashtag_budget_notes(sources):
        out.print(f"  {note}", highlight=False)


@commands.command()
@handles_errors
def sync(config: ConfigOption = None,
         source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None) -> None:
    """Collect new items from every enabled source (or one) into the database."""
    from connectors.clock import utc_now
    from connectors.registry import build_connector
    from listener.cli.progress import progress
    from listener.collect.runs import close_orphaned_runs
    from listener.collect.sync import BACKFILL_PAGES_PER_TRANSACTION, sync_source
    from listener.config.settings import source_secrets
    from listener.daemon.health import record_failed_run

    loaded, engine = config_and_engine(config)
    pairs = [(p, s) for p, s in loaded.sources() if (source is None and s.enabled) or s.name == source]
    if source and not pairs:
        raise ConfigError(f"{loaded.path}: no source named {source!r}")
    closed = close_orphaned_runs(engine, utc_now())
    if closed:
        log.info("closed %d sync run(s) a killed process left running (now 'interrupted')", closed)
    outcomes: list[str] = []
    with stop_on_sigterm():
        for profile, settings in pairs:
            try:
                connector = build_connector(settings, secrets=source_secrets(settings))
            except ConfigError as error:
                err.print(f"[red]{settings.name}: skipped:[/red] {error}", highlight=False)
                record_failed_run(engine, settings.name, f"skipped: {error}", utc_now())
                outcomes.append("failed")
                continue
            with progress(f"sync {settings.name}") as advance:
                result = sync_source(engine, profile.name, profile.timezone, settings, connector,
                                     on_page=lambda _stream, page: advance(len(page.items)),
                                     limits=loaded.sync.limits(),
                                     pages_per_transaction=BACKFILL_PAGES_PER_TRANSACTION)
            outcomes.append(result.status)
            line = (f"{settings.name}: {result.status}, {result.items} items, {result.events} events, "
                    f"{result.quarantined} quarantined")
            out.print(line + (f" ({result.error})" if result.error else ""), highlight=False)
    code = sync_exit_code(outcomes)
    if code:
        raise typer.Exit(code)


def sync_exit_code(outcomes: list[str]) -> int:
    """4 if a source failed or partly failed, else 7 if one was deferred, else 0."""
    if any(o in ("failed", "partial") for o in outcomes):
        return EXIT_SYNC_FAILED
    return EXIT_SYNC_DEFERRED if "deferred" in outcomes else EXIT_OK


class SyncStopped(BaseException):
    """SIGTERM arrived during `ror sync`: the running sync closes its run as interrupted and the command exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SyncStopped (the page being stored rolls back, the run is closed), exit 128 + 15."""

    def stop(signum: int, _frame: Any) -> None:
        raise SyncStopped(signum)

    previous = signal.signal(signal.SIGTERM, stop) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    except SyncStopped as stopped:
        err.print("stopped: the run is closed as interrupted; the next sync resumes from the cursor", highlight=False)
        raise typer.Exit(EXIT_SIGNAL_BASE + stopped.signum) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@commands.command()
@handles_errors
def score(config: ConfigOption = None,
          workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64, help=(
              "Score in this many worker processes (1: in this process). Worth it for a large backfill on a "
              "machine with free cores; the stored scores are the same."))] = 1) -> None:
    """Score new items' sentiment, then recompute every profile's index."""
    loaded, engine = config_and_engine(config)
    scored = run_scoring(engine, loaded, workers)
    out.print(f"scored {scored} item(s); index updated for {len(loaded.profiles)} profile(s)")


def run_scoring(engine: Engine, config: Any, workers: int = 1) -> int:
    """Score what is pending with a progress bar (in `workers` processes if more than 1), then aggregate."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from listener.cli.progress import progress
    from listener.index.aggregate import aggregate_profile
    from listener.sentiment.score import count_unscored, score_pending

    with progress("score", total=count_unscored(engine)) as advance:
        if workers > 1:
            # forkserver: the workers do not fork this process, its progress-bar thread and open database included
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
                scored = score_pending(engine, progress=advance, profiles=config.profiles, pool=pool)
        else:
            scored = score_pending(engine, progress=advance, profiles=config.profiles)
    for profile in config.profiles:
        aggregate_profile(engine, profile)
    return scored


@commands.command()
@handles_errors
def index(config: ConfigOption = None, profile: ProfileOption = None,
          days: Annotated[int, typer.Option("--days", "-d", min=1, help="How many days to show.")] = 28,
          as_json: JsonOption = False,
          wide: Annotated[bool, typer.Option("--wide", help="Every component and its inputs (needs ~160 columns).")]
          = False) -> None:
    """Show the daily and running RoR index with its components."""
    from listener.read.reports import load_index_points
    from listener.read.ror_percent import beside_social_proxy, describe_ror_percent, ror_percent_summary

    loaded, reader = config_and_reader(config)
    chosen = loaded.profile(profile)
    points = load_index_points(reader, chosen, days)
    if not points:
        from listener.index.aggregate import aggregate_profile  # the first time only: reading needs no aggregator

        aggregate_profile(reader.engine(), chosen)
        points = load_index_points(reader, chosen, days)
    founders = beside_social_proxy(ror_percent_summary(reader, chosen), points)
    if as_json:
        out.print_json(json.dumps({"profile": chosen.name, "points": points, "ror_percent": founders}))
        return
    out.print(index_table(chosen.name, points, wide))
    out.print(describe_ror_percent(founders), highlight=False)


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


@commands.command()
@handles_errors
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Per source: health, last run, last success, next run, quota left, last error, items collected, cursors."""
    from connectors.clock import utc_now
    from listener.cli.imports import print_import_status
    from listener.cli.workers import print_queue_status
    from listener.collect.runs import close_orphaned_runs
    from listener.collect.status import daemon_caption, quota_left, run_losses, shown_state, source_statuses
    from listener.redaction import redact_json

    loaded, reader = config_and_reader(config)
    close_orphaned_runs(reader, utc_now())
    statuses = source_statuses(reader, loaded)
    if as_json:
        out.print_json(json.dumps(redact_json([s.to_json() for s in statuses])))
        return
    table = Table(title="sources", caption=daemon_caption(reader))
    for header in ("source", "profile", "platform", "state", "last run", "last success", "next run", "quota left",
                   "items", "quarantined", "skipped / not read", "last error", "last quarantine error"):
        table.add_column(header)
    for s in statuses:
        table.add_row(s.source, s.profile, s.platform, shown_state(s),
                      when(s.last_run_at), when(s.last_success_at), when(s.next_run_at), quota_left(s),
                      str(s.items), str(s.quarantined), run_losses(s), (s.last_error or "")[:80],
                      (s.last_quarantine_error or "")[:80])
    out.print(table)
    _print_failing_steps(reader)
    print_queue_status(reader, out)
    print_import_status(reader)


def _print_failing_steps(reader: Reader) -> None:
    """The daemon's score, aggregate, alerts or export steps whose last run failed, if any."""
    from listener.daemon.steps import failing_steps

    failing = failing_steps(reader)
    if not failing:
        return
    table = Table(title="pipeline steps failing in the daemon")
    for header in ("profile", "step", "failed runs in a row", "last failure", "error"):
        table.add_column(header)
    for step in failing:
        table.add_row(step.profile, step.step, str(step.consecutive_failures), when(step.last_failed_at),
                      (step.last_error or "")[:80])
    out.print(table)


@commands.command()
def sources() -> None:
    """List every connector: platform, what it collects, its config keys and auth."""
    from connectors.registry import CONNECTORS

    for platform, connector in sorted(CONNECTORS.items()):
        out.print(f"[bold]{platform}[/bold]: {connector.description}", highlight=False)
        out.print(f"  auth: {connector.auth}", highlight=False)
        for name, field in connector.settings_model.model_fields.items():
            required = ("required" if field.is_required()
                        else f"default {field.get_default(call_default_factory=True)!r}")
            out.print(f"  {name}: {required}", highlight=False)


@commands.command()
@handles_errors
def demo(directory: Annotated[Path, typer.Option("--dir", help="Where to put the demo config and database.")]
         = Path("ror-demo")) -> None:
    """Replay a demo Mastodon brand on loopback, run the whole pipeline, show the index."""
    from listener.demo.run import run_demo
    from listener.read.ror_percent import describe_ror_percent

    result = run_demo(directory)
    sync = result.sync
    out.print(f"collected {result.stored_items} items ({sync.items} reads, refreshes included) and {sync.events} "
              f"engagement events in {sync.pages} pages ({sync.status}) from the loopback replay server, now stopped",
              highlight=False)
    for imported in result.imports:
        out.print(f"imported the demo brand's {imported.summary()}", highlight=False)
    for name, points in result.indexes:
        out.print(index_table(name, points))
        if name == result.profile:
            out.print(describe_ror_percent(result.ror_percent), highlight=False)
    if result.alerts:
        out.print("alerts the daemon would have raised while this happened (stored; `ror alerts list` shows them):",
                  highlight=False)
        for title in result.alerts:
            out.print(f"  {title}", highlight=False, markup=False)
    out.print(f"\ndatabase: {result.database}\nconfig:   {result.config_path}", highlight=False)
    out.print("next, try:", highlight=False)
    for command in demo_next_commands(result.config_path, result.points, result.profile):
        out.print(f"  {command}", highlight=False)


def demo_next_commands(config_path: Path, points: list[dict[str, Any]], profile: str | None = None) -> list[str]:
    """The commands to try after the demo, spelled so they run from where the user is."""
    ror, config = invoked_as(), f"--config {config_path}"
    one = config + (f" --profile {profile}" if profile else "")  # for the commands that read one profile
    worst = min((p for p in points if p["daily_index"] is not None), key=lambda p: p["daily_index"], default=None)
    commands = [f"{ror} index {one}"]
    if worst is not None:
        commands.append(f"{ror} explain --date {worst['day']} {one}   # the worst day: why the index fell")
    return commands + [f"{ror} alerts list {config}", f"{ror} people {one}", f"{ror} status {config}",
                       f"{ror} serve {config}   # the dashboard at http://127.0.0.1:8321/"]


def invoked_as() -> str:
    """`ror` if it is on PATH, else the path this program was started by (e.g. .venv/bin/ror)."""
    if shutil.which("ror"):
        return "ror"
    started = Path(sys.argv[0])
    if started.name == "ror":
        return str(started)
    return f"{sys.executable} -m listener.cli.main"


def _register_feature_commands() -> None:
    from listener.cli import alerts, daemon, dashboard, exports, imports, index, quarantine, sentiment, workers

    for module in (index, daemon, alerts, exports, imports, quarantine, sentiment, dashboard, workers):
        module.register(commands)


_register_feature_commands()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
