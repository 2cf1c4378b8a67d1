"""The house keeps its shape: ARCHITECTURE.md names files that exist, and imports flow one way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = (ROOT / "ARCHITECTURE.md").read_text()


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module of a package and the top-level packages it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_every_path_the_architecture_map_names_exists() -> None:
    paths = set(re.findall(r"`((?:connectors|listener|scoring)/[\w/<>.]*)`", MAP))
    assert len(paths) > 20
    missing = [p for p in paths if "<" not in p and not (ROOT / p).exists()]
    assert missing == []


def test_the_functions_of_the_mastodon_walkthrough_are_where_the_map_says() -> None:
    named = re.findall(r"`((?:connectors|listener|scoring)/[\w/.]+\.py)`[^`]*?`(?:\w+\.)?(\w+)\(\)`", MAP)
    assert len(named) >= 5
    for path, name in named:
        assert re.search(rf"def {name}\(", (ROOT / path).read_text()), f"{name} is not in {path}"


def test_connectors_never_import_the_listener_or_the_database() -> None:
    offenders = {m: n & {"listener", "sqlalchemy", "sqlmodel"} for m, n in imported_modules("connectors").items()}
    assert {m: n for m, n in offenders.items() if n} == {}


def test_scoring_is_pure_no_network_no_database_no_listener() -> None:
    banned = {"listener", "connectors", "httpx", "sqlalchemy", "sqlmodel", "requests", "socket"}
    offenders = {m: n & banned for m, n in imported_modules("scoring").items()}
    assert {m: n for m, n in offenders.items() if n} == {}
