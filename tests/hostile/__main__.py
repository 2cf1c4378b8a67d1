"""`python -m tests.hostile`: run the whole fault suite and print its summary line."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.hostile.suite import run_everything


def main() -> int:
    """Run every case and probe in a temporary directory; exit 1 unless all survived with nothing lost."""
    with tempfile.TemporaryDirectory(prefix="ror-hostile-") as directory:
        summary = run_everything(Path(directory), verbose=True)
    print(summary.line())
    return 0 if summary.clean() else 1


if __name__ == "__main__":
    sys.exit(main())
