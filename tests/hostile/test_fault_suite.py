"""The fault suite as one test: every connector case and probe survives; lost, duplicated and leaked are 0."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.cases import CONNECTOR_CASES
from tests.hostile.ledger import describe
from tests.hostile.probes import PROBES
from tests.hostile.suite import run_everything


def test_fault_suite_survives_every_case_and_loses_leaks_and_duplicates_nothing(tmp_path: Path) -> None:
    summary = run_everything(tmp_path)
    print(summary.line())
    broken = [describe(o) for o in summary.outcomes if not o.survived]
    assert not broken, broken
    cases = len(CONNECTOR_CASES) + len(PROBES)
    assert summary.line() == f"cases {cases}, survived {cases}, lost 0, duplicated 0, leaked 0"
    assert len({c.contract.platform for c in CONNECTOR_CASES}) >= 4  # Mastodon, Hacker News and two more
