"""Run a fault case against a loopback server through the contract kit, and keep the books.

Each case is a row: which connector, the rules that make its server hostile, and what must
come out (stored, quarantined, reported). A run is compared with a clean run of the same
cassette: a record the clean run stores and the hostile one does not (other than the ones
the case breaks on purpose) is *lost*; a row the clean run does not have (`host/None`, a
forged cursor's items) is *duplicated*; a secret in the database, the logs or the printed
result is *leaked*. A case *survived* when it ended within its request budget, closed its
run with an allowed status, quarantined what it had to and lost, duplicated and leaked
nothing. The summary line counts them.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

try:
    from connectors.limits import SyncLimits
except ImportError:  # measuring a tree from before the limits existed: the cases still run, unlimited
    @dataclass(frozen=True)
    class SyncLimits:  # type: ignore[no-redef]
        """Stand-in with the same fields."""

        max_pages_per_stream: int = 500
        deadline_seconds: float = 1800
        response_deadline_seconds: float = 120
from connectors.registry import CONNECTORS, build_connector
from listener.collect.sync import SyncResult, sync_source
from listener.config.settings import source_secrets
from listener.daemon.logs import JsonFormatter, Redactor, TextFormatter

try:
    from listener.redaction import redact
except ImportError:  # a tree from before the redaction point: `ror sync` printed errors as they came
    def redact(text: str) -> str:
        """No redaction."""
        return text
from listener.storage.engine import make_engine, open_database
from listener.storage.models import ItemRow, QuarantineRow, SyncRunRow
from listener.storage.upsert import table_of
from tests.cassette import CassetteServer, load_cassette
from tests.contract import CONTRACT_POLICY, ContractCase
from tests.hostile.faults import Rule, TrickleTransport, hostile_cassette

FIXED_NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
HOSTILE_LIMITS = SyncLimits(max_pages_per_stream=25, deadline_seconds=600, response_deadline_seconds=30)


@dataclass(frozen=True)
class FaultCase:
    """One hostile answer and what must come of it."""

    name: str
    contract: ContractCase
    rules: tuple[Rule, ...] = ()
    statuses: tuple[str, ...] = ("ok",)  # the run must end in one of these
    quarantined_fields: tuple[str, ...] = ()  # each must be named in some quarantine error
    refused: tuple[str, ...] = ()  # suffixes of ids the case breaks on purpose (not counted as lost)
    report: str = ""  # must appear in the run's error
    max_requests: int = 200
    secrets: dict[str, str] | None = None  # instead of the contract case's
    trickle: tuple[str, ...] = ()  # paths whose bodies arrive one byte at a time
    ticking: bool = False  # a clock that moves a second per read (for deadlines) instead of a fixed one
    limits: SyncLimits = HOSTILE_LIMITS


class TickingClock:
    """A clock that moves one second each time it is read: time passes with every step, no one sleeps."""

    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class FixedClock:
    """A clock that stands still (the recorded queries carry times derived from it)."""

    def __call__(self) -> datetime:
        return FIXED_NOW


def no_sleep(_seconds: float) -> None:
    """Retries and pacing waits return at once."""


@dataclass
class Outcome:
    """What one case did, by the ledger's measures."""

    case: str
    status: str
    requests: int
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        """Ended as the case requires, nothing lost, duplicated or leaked."""
        return not (self.lost or self.duplicated or self.leaked or self.problems)


@dataclass
class Summary:
    """The fault suite's books."""

    outcomes: list[Outcome] = field(default_factory=list)

    def clean(self) -> bool:
        """Every case survived; nothing lost, duplicated or leaked."""
        return all(o.survived for o in self.outcomes)

    def line(self) -> str:
        """`cases N, survived N, lost 0, duplicated 0, leaked 0`."""
        o = self.outcomes
        return (f"cases {len(o)}, survived {sum(x.survived for x in o)}, lost {sum(len(x.lost) for x in o)}, "
                f"duplicated {sum(len(x.duplicated) for x in o)}, leaked {sum(len(x.leaked) for x in o)}")


def _stored_ids(engine: Engine, host: str) -> list[str]:
    with engine.connect() as connection:
        ids = connection.execute(select(table_of(ItemRow).c.platform, table_of(ItemRow).c.external_id)).all()
    return [f"{p}:{e.replace(host, 'HOST')}" for p, e in ids]


_baselines: dict[str, set[str]] = {}
_template: dict[str, bytes] = {}


def fresh_database(path: Path) -> Engine:
    """A migrated SQLite database at `path` (migrated once per process, then copied: migrations take a while)."""
    if "bytes" not in _template:
        template = path.with_name(f"{path.name}.template")
        open_database(f"sqlite:///{template}").dispose()
        _template["bytes"] = template.read_bytes()
    path.write_bytes(_template["bytes"])
    return make_engine(f"sqlite:///{path}")


def baseline(contract: ContractCase, tmp: Path) -> set[str]:
    """Item ids a clean sync of the cassette stores (hosts replaced by HOST), computed once per platform."""
    if contract.platform not in _baselines:
        case = FaultCase("clean", contract)
        engine, _, _, host, _ = _sync(case, tmp / f"clean-{contract.platform}.db")
        _baselines[contract.platform] = set(_stored_ids(engine, host))
        engine.dispose()
    return _baselines[contract.platform]


def _sync(case: FaultCase, path: Path) -> tuple[Engine, SyncResult | None, int, str, str]:
    contract = case.contract
    secrets = case.secrets if case.secrets is not None else contract.secrets
    credential = next(iter(secrets.values()), "")
    cassette = hostile_cassette(load_cassette(contract.platform), case.rules, credential)
    engine = fresh_database(path)
    clock = TickingClock() if case.ticking else FixedClock()
    log_text = io.StringIO()
    handlers = [logging.StreamHandler(log_text), logging.StreamHandler(log_text)]
    handlers[0].setFormatter(TextFormatter(Redactor()))
    handlers[1].setFormatter(JsonFormatter(Redactor()))
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    result: SyncResult | None = None
    with CassetteServer(cassette) as server:
        settings = contract.settings(server.url)
        if contract.connector_class is not None and settings.platform not in CONNECTORS:
            CONNECTORS[settings.platform] = contract.connector_class
        transport = TrickleTransport(case.trickle) if case.trickle else None
        connector = build_connector(settings, secrets=read_secrets(settings, secrets), transport=transport,
                                    clock=clock, sleep=no_sleep, policy=CONTRACT_POLICY)
        try:
            limited = {"limits": case.limits} if "limits" in inspect.signature(sync_source).parameters else {}
            result = sync_source(engine, "brand", "Europe/Berlin", settings, connector, clock=clock, **limited)
        except Exception as error:  # noqa: BLE001 - an escaped error is a finding, reported below
            logging.getLogger("hostile").error("sync raised %s: %s", type(error).__name__, error)
        finally:
            for handler in handlers:
                root.removeHandler(handler)
    host = server.url.removeprefix("http://")
    return engine, result, len(cassette.requests), host, log_text.getvalue()


def read_secrets(settings: Any, values: dict[str, str]) -> dict[str, str]:
    """The source's secrets read the way `ror sync` reads them: from the variables its config names."""
    names = settings.secret_env_names()
    saved = {env: os.environ.get(env) for env in names.values()}
    try:
        os.environ.update({env: values[name] for name, env in names.items() if name in values})
        return source_secrets(settings)
    finally:
        for env, value in saved.items():
            if value is None:
                os.environ.pop(env, None)
            else:
                os.environ[env] = value


def _database_text(engine: Engine) -> str:
    with engine.connect() as connection:
        tables = [row[0] for row in connection.execute(text("select name from sqlite_master where type='table'"))]
        return "\n".join(repr(row) for table in tables
                         for row in connection.execute(text(f'select * from "{table}"')))


def run_case(case: FaultCase, tmp: Path) -> Outcome:
    """Run one case and book what happened."""
    clean = baseline(case.contract, tmp)
    engine, result, requests, host, logs = _sync(case, tmp / f"{case.name}.db")
    status = result.status if result else "raised"
    outcome = Outcome(case.name, status, requests)
    stored = _stored_ids(engine, host)
    outcome.lost = sorted(i for i in clean - set(stored) if not i.endswith(case.refused or ("\0",)))
    outcome.duplicated = sorted(i for i in stored if i not in clean)
    secrets = case.secrets if case.secrets is not None else case.contract.secrets
    printed = redact(result.error or "") if result else ""  # what `ror sync` prints for the run
    for where, content in (("database", _database_text(engine)), ("logs", logs), ("printed", printed)):
        outcome.leaked += [f"{where}: {name}" for name, value in secrets.items()
                           if value and any(form in content for form in leak_forms(value))]
    _check_expectations(case, engine, result, requests, outcome)
    engine.dispose()
    return outcome


def leak_forms(secret: str) -> set[str]:
    """The secret raw and as JSON and repr escape it (what a log line or an error message would carry)."""
    return {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}


def _check_expectations(case: FaultCase, engine: Engine, result: SyncResult | None, requests: int,
                        outcome: Outcome) -> None:
    problems = outcome.problems
    if result is None:
        problems.append("the sync raised instead of recording its errors")
        return
    # A run that set records aside is "partial", never "ok": it says so instead of looking clean.
    expected = tuple("partial" if s == "ok" and result.quarantined else s for s in case.statuses)
    if result.status not in expected:
        problems.append(f"status {result.status!r}, expected one of {expected} ({result.error})")
    if requests > case.max_requests:
        problems.append(f"{requests} requests, more than the case's budget of {case.max_requests}")
    if case.report and case.report not in (result.error or ""):
        problems.append(f"the run's error does not say {case.report!r}: {result.error!r}")
    with engine.connect() as connection:
        errors = connection.execute(select(table_of(QuarantineRow).c.error)).scalars().all()
        running = connection.execute(select(table_of(SyncRunRow).c.id)
                                     .where(table_of(SyncRunRow).c.status == "running")).all()
    for name in case.quarantined_fields:
        if not any(f"{name}:" in error for error in errors):
            problems.append(f"nothing quarantined naming {name!r} (quarantine: {errors})")
    if running:
        problems.append("a run was left 'running'")


def run_suite(cases: Sequence[FaultCase], tmp: Path) -> Summary:
    """Every case, booked."""
    return Summary([run_case(case, tmp) for case in cases])


def with_secrets(contract: ContractCase, **secrets: str) -> ContractCase:
    """The contract case with other secret values."""
    return dataclasses.replace(contract, secrets=dict(secrets))


def describe(outcome: Outcome) -> dict[str, Any]:
    """An outcome as a dict, for assertion messages."""
    return dataclasses.asdict(outcome)
