"""CLI start-up: `ror --help`, `ror status` and `ror index` against `python -c "import httpx"`.

    python -m bench.startup [--runs 5] [--floor] [--against OTHER/.venv/bin/ror] [--postgres [SERVER_URL]]

Each command runs as a fresh process on a small migrated database (a config written by
`ror init`, 200 corpus items synced, scored and aggregated before timing), so what is timed
is what a user waits for at the prompt. The children may write bytecode caches (the variable
PYTHONDONTWRITEBYTECODE is dropped from their environment) and each command runs once before
timing, as an installed package's modules are compiled once at install: otherwise every one
of our ~110 modules is compiled from source on every start (0.16 s), while httpx's never are.
Reports the median CPU seconds (user + system, which a shared machine disturbs far less than
the wall clock) and wall seconds of each, and each command's ratio to the httpx import,
measured in the same run. `--floor` also times what the read commands cannot go below with
these libraries: importing typer, Rich and pydantic, and that plus loading the config (on SQLite
the read commands import no SQLAlchemy: they read through the standard library's sqlite3).
`--against` also times another checkout's `ror` (its own venv) on the same database, each run
alternating with ours, so a change is compared with the code before it in the same minutes.
`--postgres` also times `ror status` and `ror index` on PostgreSQL, as agencies run them: a new
database on the server at SERVER_URL (without one: $ROR_TEST_POSTGRES_URL, else a throwaway
cluster as the tests start), filled the same way, its URL read from the environment (`url_env`),
dropped afterwards. At head both read through psycopg alone, as on SQLite through sqlite3.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

BASELINE = ("-c", "import httpx")
COMMANDS = {"help": ("--help",), "status": ("status",), "index": ("index",)}
ON_POSTGRES = {f"pg_{name}": COMMANDS[name] for name in ("status", "index")}  # the read commands on PostgreSQL
DATABASE_URL_ENV = "ROR_BENCH_DATABASE_URL"  # the PostgreSQL config's `url_env`
LIBRARIES = "import typer, rich.table, pydantic"
FLOORS = {  # name -> code run with `python -c`; {config} is the config's path
    "libraries": LIBRARIES,
    "libraries_and_config": LIBRARIES + ", listener.cli.main, typer._adapters\n"
                            "from listener.config.settings import load_config\nload_config({config!r})",
}


def _ror() -> list[str]:
    script = Path(sys.executable).with_name("ror")
    return [str(script)] if script.exists() else [sys.executable, "-m", "listener.cli.main"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one child process."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-300:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def prepare(directory: Path, env: dict[str, str], database_url: str | None = None) -> Path:
    """A config from `ror init` and its database holding 200 scored, aggregated corpus items.

    With `database_url`, the config reads that URL from $ROR_BENCH_DATABASE_URL (set here and in `env`)."""
    from bench.corpus import statuses
    from bench.pipeline import SETTINGS, CorpusConnector
    from listener.collect.sync import sync_source
    from listener.config.settings import load_config
    from listener.index.aggregate import aggregate_profile
    from listener.sentiment.score import score_pending
    from listener.storage.engine import open_database

    config_path = directory / "ror.toml"
    subprocess.run([*_ror(), "init", "--path", str(config_path)], env=env, capture_output=True, check=True)
    if database_url:
        env[DATABASE_URL_ENV] = os.environ[DATABASE_URL_ENV] = database_url
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace('url = "sqlite:///ror.db"', f'url_env = "{DATABASE_URL_ENV}"', 1),
                               encoding="utf-8")
    config = load_config(config_path)
    profile, engine = config.profiles[0], open_database(config.database_url())
    records = [record for record in statuses(200) if record["language"]]
    sync_source(engine, profile.name, profile.timezone, SETTINGS, CorpusConnector(iter(records)))
    score_pending(engine)
    aggregate_profile(engine, profile)
    engine.dispose()
    return config_path


@contextmanager
def postgres_database(server_url: str | None) -> Iterator[str]:
    """A new migrated database on the server at `server_url` (None: the tests' server), dropped afterwards."""
    from bench.scale_out import fresh_database
    from tests.postgres_server import URL_ENV, postgres_url

    with ExitStack() as stack:
        server = server_url or stack.enter_context(postgres_url())
        if server is None:
            raise SystemExit(f"no PostgreSQL server: pass --postgres URL, set ${URL_ENV} or install postgresql")
        yield stack.enter_context(fresh_database(server))


def measure(runs: int, floor: bool = False, against: str | None = None, postgres: str | None = None,
            on_postgres: bool = False) -> dict[str, float]:
    """Median CPU and wall seconds of the baseline and each command, and each command's CPU ratio.

    `on_postgres`: also status and index on a PostgreSQL database on the server at `postgres` (None: the tests')."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "160"
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        config_path = prepare(Path(scratch), env)
        argvs = {"httpx": [sys.executable, *BASELINE]}
        argvs |= {name: [*_ror(), *args, *([] if name == "help" else ["--config", str(config_path)])]
                  for name, args in COMMANDS.items()}
        if on_postgres:
            (Path(scratch) / "postgresql").mkdir()
            pg_config = prepare(Path(scratch) / "postgresql", env, stack.enter_context(postgres_database(postgres)))
            argvs |= {name: [*_ror(), *args, "--config", str(pg_config)] for name, args in ON_POSTGRES.items()}
        if floor:
            argvs |= {name: [sys.executable, "-c", code.format(config=str(config_path))]
                      for name, code in FLOORS.items()}
        if against:
            argvs |= {f"against_{name}": [against, *args, "--config", str(config_path)]
                      for name, args in COMMANDS.items() if name != "help"}
            if on_postgres:
                argvs |= {f"against_{name}": [against, *args, "--config", str(pg_config)]
                          for name, args in ON_POSTGRES.items()}
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
        for argv in argvs.values():  # warm-up: bytecode caches written, files in the page cache
            timed(argv, env)
        for _ in range(runs):
            for name, argv in argvs.items():
                samples[name].append(timed(argv, env))
    figures: dict[str, float] = {"runs": runs}
    for name, values in samples.items():
        figures[f"{name}_cpu_seconds"] = statistics.median(cpu for cpu, _ in values)
        figures[f"{name}_wall_seconds"] = statistics.median(wall for _, wall in values)
    for name in samples:
        if name != "httpx":
            figures[f"{name}_ratio"] = figures[f"{name}_cpu_seconds"] / figures["httpx_cpu_seconds"]
    figures["worst_ratio"] = max(figures[f"{name}_ratio"] for name in [*COMMANDS, *ON_POSTGRES] if name in samples)
    return figures


def describe(f: dict[str, float]) -> str:
    """One line: each command's CPU (wall) seconds and its ratio to the httpx import."""
    parts = [f"import httpx {f['httpx_cpu_seconds']:.3f}s ({f['httpx_wall_seconds']:.3f}s wall)"]
    parts += [f"ror {' '.join(COMMANDS[name])} {f[f'{name}_cpu_seconds']:.3f}s ({f[f'{name}_wall_seconds']:.3f}s "
              f"wall) = {f[f'{name}_ratio']:.2f}x" for name in COMMANDS]
    parts += [f"on PostgreSQL ror {' '.join(args)} {f[f'{name}_cpu_seconds']:.3f}s ({f[f'{name}_wall_seconds']:.3f}s "
              f"wall) = {f[f'{name}_ratio']:.2f}x" for name, args in ON_POSTGRES.items() if f"{name}_ratio" in f]
    parts += [f"floor {name} {f[f'{name}_cpu_seconds']:.3f}s = {f[f'{name}_ratio']:.2f}x" for name in FLOORS
              if f"{name}_ratio" in f]
    parts += [f"other ror {name} {f[f'against_{name}_cpu_seconds']:.3f}s = {f[f'against_{name}_ratio']:.2f}x"
              for name in [*COMMANDS, *ON_POSTGRES] if f"against_{name}_ratio" in f]
    return "start-up CPU: " + "; ".join(parts)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--floor", action="store_true", help="also time the libraries alone, and with the config")
    parser.add_argument("--against", help="another checkout's `ror` script to time alongside (status and index)")
    parser.add_argument("--postgres", nargs="?", const="", metavar="SERVER_URL",
                        help="also time status and index on a new database on this PostgreSQL server "
                             "(no URL: the tests' server)")
    arguments = parser.parse_args()
    print(describe(measure(arguments.runs, arguments.floor, arguments.against, arguments.postgres or None,
                           arguments.postgres is not None)))


if __name__ == "__main__":
    main()
