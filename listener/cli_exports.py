"""CLI commands for the exports feature (registered on the main `ror` app by listener.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this feature's commands to the main app."""
