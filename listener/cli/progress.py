"""Progress for long work: a Rich bar in a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

log = logging.getLogger("ror")
Advance = Callable[[int], None]
LOG_EVERY = 1000


def is_terminal() -> bool:
    """True when stderr is an interactive terminal."""
    return sys.stderr.isatty()


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Advance]:
    """Yield an `advance(n)` callable; draws a bar on a terminal, logs every LOG_EVERY otherwise."""
    if is_terminal():
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n: bar.advance(task, n)
        return
    done = 0
    next_report = LOG_EVERY

    def advance(n: int) -> None:
        nonlocal done, next_report
        done += n
        if done >= next_report:
            log.info("%s: %d%s", description, done, f"/{total}" if total else "")
            next_report = done + LOG_EVERY

    yield advance
    log.info("%s: done, %d", description, done)
