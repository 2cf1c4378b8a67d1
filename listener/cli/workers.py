"""CLI commands for scale-out (registered on the main `ror` app by listener.cli.main): `ror worker`, `ror workers`."""

# No `from __future__ import annotations`: Typer evaluates the commands' annotations when it registers them.

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from listener.cli.app import EXIT_USAGE, ConfigOption, JsonOption, config_and_engine, err, handles_errors, out
from listener.workers.plan import QUEUES, WorkerSetupError, WorkerTimings

EXIT_NOT_POSTGRES = 9


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the main app."""
    @app.command(help="Run a worker: take poll, scoring and export jobs from the shared PostgreSQL queue.\n\n"
                      "Start any number, on any machines, with the same config: every source is polled once per "
                      "period whatever the number of workers. SIGTERM or Ctrl-C drains (running polls finish "
                      f"their page, exit 0). Exit {EXIT_NOT_POSTGRES} on a SQLite database (use `ror run` there).")
    @handles_errors
    def worker(config: ConfigOption = None,
               concurrency: Annotated[int, typer.Option("--concurrency", "-n", min=1, max=256,
                                                        help="Jobs this worker runs at once.")] = 4,
               queues: Annotated[list[str] | None, typer.Option(
                   "--queues", "-q", help=f"Only these queues (repeat or comma-separate; default all: "
                                          f"{', '.join(QUEUES)}).")] = None,
               health_port: Annotated[int | None, typer.Option(
                   "--health-port", min=0, max=65535, help="Serve /metrics and /status on this loopback port.")] = None,
               heartbeat_seconds: Annotated[float, typer.Option(
                   "--heartbeat-seconds", min=0.1, help="How often the worker records that it is alive.")] = 10.0,
               stall_seconds: Annotated[float, typer.Option(
                   "--stall-seconds", min=0.5, help="A worker silent this long is dead: its jobs run again "
                                                    "elsewhere.")] = 60.0) -> None:
        """`ror worker`: one worker process, until SIGTERM or SIGINT."""
        from listener.config.settings import default_config_path
        from listener.workers.runner import WorkerOptions, check_queues, run_worker

        try:
            chosen = check_queues(name for value in (queues or []) for name in value.split(","))
        except ValueError as error:
            err.print(f"[red]usage:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        if stall_seconds <= 2 * heartbeat_seconds:
            err.print("[red]usage:[/red] --stall-seconds must be more than twice --heartbeat-seconds", highlight=False)
            raise typer.Exit(EXIT_USAGE)
        options = WorkerOptions(concurrency=concurrency, queues=chosen, health_port=health_port,
                                timings=WorkerTimings(heartbeat_seconds, stall_seconds))
        try:
            code = run_worker(Path(config or default_config_path()), options)
        except WorkerSetupError as error:
            err.print(f"[red]not a PostgreSQL database:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_NOT_POSTGRES) from None
        raise typer.Exit(code)

    @app.command(help="Show the workers (alive, last heartbeat, running jobs), queue depths and stalled jobs.")
    @handles_errors
    def workers(config: ConfigOption = None, as_json: JsonOption = False) -> None:
        """`ror workers`: the queue as the database sees it (PostgreSQL only)."""
        from listener.workers.status import has_queue, queue_status

        _loaded, engine = config_and_engine(config)
        if not has_queue(engine):
            err.print("no worker queue on this database: workers need PostgreSQL (`ror run` serves SQLite)")
            raise typer.Exit(EXIT_NOT_POSTGRES)
        if as_json:
            out.print_json(json.dumps(queue_status(engine).to_json()))
            return
        print_queue_status(engine, out)


def print_queue_status(source: Any, console: Console) -> None:
    """The workers, queues and stalled jobs tables (nothing on a database without the queue).

    `source`: an engine or a Reader."""
    from listener.storage.reader import reader_of

    reader = reader_of(source)
    if reader.dialect != "postgresql":  # the queue is PostgreSQL's alone: SQLite loads none of its code
        return
    from listener.workers.status import has_queue, queue_status

    if not has_queue(reader):
        return
    status = queue_status(reader)
    workers = Table(title="workers")
    for header in ("worker", "alive", "last heartbeat", "running jobs"):
        workers.add_column(header)
    for w in status.workers:
        workers.add_row(str(w.id), "yes" if w.alive else "no (stalled)", f"{w.last_heartbeat:%Y-%m-%d %H:%M:%S %Z}",
                        str(w.running))
    queues = Table(title="queues")
    for header in ("queue", "waiting", "running", "failed"):
        queues.add_column(header)
    for q in status.queues:
        queues.add_row(q.queue, str(q.waiting), str(q.running), str(q.failed))
    console.print(workers, queues)
    if status.stalled:
        stalled = Table(title="stalled jobs (their worker stopped sending heartbeats; they will run again)")
        for header in ("job", "queue", "task", "arguments", "worker"):
            stalled.add_column(header)
        for s in status.stalled:
            stalled.add_row(str(s.id), s.queue, s.task, s.args[:60], str(s.worker_id or "-"))
        console.print(stalled)
    else:
        console.print("stalled jobs: none", highlight=False)
