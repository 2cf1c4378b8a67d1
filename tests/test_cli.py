"""The CLI: the README documents every command, and the commands work on a stored database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from listener.cli.main import app

README = Path(__file__).resolve().parent.parent / "README.md"


def command_names() -> list[str]:
    root = typer.main.get_command(app)
    names = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names.extend(f"{name} {s}" for s in sub) if sub else names.append(name)
    return names


def test_readme_documents_every_command() -> None:
    text = README.read_text()
    names = command_names()
    assert {"init", "config check", "sync", "score", "index", "status", "sources", "demo"} <= set(names)
    for name in names:
        assert f"`ror {name}" in text, f"README does not document `ror {name}`"


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    lines = blocks[0].strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("ror demo") and lines[1].endswith("-m pytest")
    ci = (README.parent / ".ci" / "run").read_text()
    assert lines[1] in ci


def test_every_command_has_help() -> None:
    for name in command_names():
        result = CliRunner().invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0 and len(result.output) > 80, name


def test_sources_lists_mastodon_with_its_keys() -> None:
    result = CliRunner().invoke(app, ["sources"])
    assert result.exit_code == 0
    assert "mastodon" in result.output and "token_env" in result.output and "account: required" in result.output


def test_init_writes_a_valid_config_and_database(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    result = CliRunner().invoke(app, ["init", "--path", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ror.db").exists()
    again = CliRunner().invoke(app, ["init", "--path", str(path)])
    assert again.exit_code == 2 and "--force" in again.output


def test_init_creates_missing_folders_and_says_in_one_line_when_it_cannot_write(tmp_path: Path) -> None:
    nested = tmp_path / "brands" / "acme" / "ror.toml"
    result = CliRunner().invoke(app, ["init", "--path", str(nested)])
    assert result.exit_code == 0, result.output
    assert nested.exists() and (nested.parent / "ror.db").exists()
    (tmp_path / "a-file").write_text("")
    blocked = CliRunner().invoke(app, ["init", "--path", str(tmp_path / "a-file" / "ror.toml")])
    assert blocked.exit_code == 2 and "cannot write" in blocked.output and "Traceback" not in blocked.output
    assert len(blocked.output.strip().splitlines()) == 1


def test_status_and_index_on_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "ror.toml"
    CliRunner().invoke(app, ["init", "--path", str(path)])
    status = CliRunner().invoke(app, ["status", "--json", "--config", str(path)])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)[0]["state"] == "never run"
    index = CliRunner().invoke(app, ["index", "--json", "--config", str(path)])
    assert index.exit_code == 0 and json.loads(index.stdout)["points"] == []
