"""The whole fault suite: every connector case and every probe, booked into one summary."""

from __future__ import annotations

import traceback
from pathlib import Path

from tests.hostile.cases import CONNECTOR_CASES
from tests.hostile.ledger import Outcome, Summary, run_case
from tests.hostile.probes import PROBES


def run_everything(tmp: Path, verbose: bool = False) -> Summary:
    """Run each case and probe in its own directory; one that raises is booked as not survived."""
    summary = Summary()
    jobs = [(case.name, lambda d, c=case: run_case(c, d)) for case in CONNECTOR_CASES]
    jobs += [(probe.__name__, probe) for probe in PROBES]
    for number, (name, job) in enumerate(jobs):
        directory = tmp / f"{number:02d}"
        directory.mkdir()
        try:
            outcome = job(directory)
        except Exception as error:  # noqa: BLE001 - a probe that breaks is a finding, not a crash of the suite
            outcome = Outcome(name, "raised", 0, problems=[f"{type(error).__name__}: {error}"])
            if verbose:
                traceback.print_exc()
        summary.outcomes.append(outcome)
        if verbose:
            findings = outcome.lost + outcome.duplicated + outcome.leaked + outcome.problems
            print(f"{'ok  ' if outcome.survived else 'FAIL'} {outcome.case}" + (f": {findings}" if findings else ""))
    return summary
