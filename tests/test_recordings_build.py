"""tests/real_recordings_build.py: manifest entries to recording files, from throwaway git repositories (named apart
from test_real_*.py, which only run where the recordings are)."""

from __future__ import annotations

import base64
import gzip
import json
import sys
from pathlib import Path

import pytest

from bench.git_snapshots import find_git_dir
from tests.git_repository import commit_files, git
from tests.real_recordings_build import NoYamlReader, body_text, build_recordings, load_cassette, main

BETAMAX = {"http_interactions": [
    {"response": {"body": {"string": '{"first": true}'}}},
    {"response": {"body": {"string": "", "base64_string": base64.b64encode(gzip.compress(
        '{"name": "Zoë"}'.encode())).decode()}}},
]}
REPLIES = [{"reply": {"n": 0}}, {"reply": {"n": 1}}]


def source(repository: str, commit: str, path: str) -> dict[str, str]:
    return {"repository": repository, "commit": commit, "path": path, "licence": "MIT", "request": "GET /"}


@pytest.fixture
def checkouts(tmp_path: Path) -> tuple[Path, str, str]:
    """A checkout `a+cassettes` and a bare copy `b+replies/repo`; their commits."""
    folder = tmp_path / "checkouts"
    first = commit_files(folder / "a+cassettes", {"cassettes/search.json": json.dumps(BETAMAX).encode(),
                                                  "plain.json": b'{"items": [1, 2]}'})
    second = commit_files(tmp_path / "work", {"replies.json": json.dumps(REPLIES).encode()})
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "work"), str(folder / "b+replies" / "repo"))
    return folder, first, second


def test_every_kind_of_path_gives_its_body_pretty_printed(checkouts: tuple[Path, str, str], tmp_path: Path) -> None:
    folder, first, second = checkouts
    manifest = {
        "forum": {"plain.json": source("a/cassettes", first, "plain.json"),
                  "gzipped.json": source("a/cassettes", first,
                                         "cassettes/search.json (interaction #1, response.body)")},
        "news": {"reply.json": source("b/replies", second, "replies.json (array element [1], .reply)")},
    }
    assert build_recordings(manifest, folder, tmp_path / "out") == (3, [])
    assert (tmp_path / "out" / "forum" / "plain.json").read_text(encoding="utf-8") == (
        '{\n  "items": [\n    1,\n    2\n  ]\n}\n')
    assert (tmp_path / "out" / "forum" / "gzipped.json").read_text(encoding="utf-8") == '{\n  "name": "Zoë"\n}\n'
    assert json.loads((tmp_path / "out" / "news" / "reply.json").read_text(encoding="utf-8")) == {"n": 1}


def test_a_missing_repository_or_commit_is_one_line_each_and_the_rest_is_written(
        checkouts: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, first, _ = checkouts
    absent_commit = "0" * 40
    manifest = {"forum": {"one.json": source("a/cassettes", absent_commit, "plain.json"),
                          "two.json": source("a/cassettes", absent_commit, "plain.json"),
                          "three.json": source("c/nowhere", first, "plain.json"),
                          "four.json": source("a/cassettes", first, "plain.json")}}
    manifest_file = tmp_path / "manifest.toml"
    manifest_file.write_text("".join(
        f'[forum."{name}"]\n' + "".join(f'{key} = "{value}"\n' for key, value in entry.items())
        for name, entry in manifest["forum"].items()), encoding="utf-8")
    assert main(["--checkouts", str(folder), "--out", str(tmp_path / "out"), "--manifest", str(manifest_file)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        f"missing commit {absent_commit} of a/cassettes", "missing repository c/nowhere"]
    assert sorted(p.name for p in (tmp_path / "out" / "forum").iterdir()) == ["four.json"]


def test_a_checkout_inside_repo_and_a_bare_copy_are_both_found(tmp_path: Path) -> None:
    commit_files(tmp_path / "x+y" / "repo", {"f": b""})
    git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "x+y" / "repo"), str(tmp_path / "p+q"))
    assert find_git_dir(tmp_path, "x/y") == tmp_path / "x+y" / "repo" / ".git"
    assert find_git_dir(tmp_path, "p/q") == tmp_path / "p+q"
    assert find_git_dir(tmp_path, "p/absent") is None


def test_a_yaml_cassette_without_pyyaml_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(NoYamlReader, match="install PyYAML"):
        load_cassette("tests/_vcr/search.yml", b"interactions: []\n")
    assert load_cassette("search.json", b'{"interactions": []}') == {"interactions": []}


def test_a_body_is_read_from_a_string_a_string_field_or_base64() -> None:
    assert body_text('{"a": 1}') == '{"a": 1}'
    assert body_text({"string": '{"a": 2}', "base64_string": "eyJ9"}) == '{"a": 2}'
    assert body_text({"string": "", "base64_string": base64.b64encode(b'{"a": 3}').decode()}) == '{"a": 3}'
