"""Rebuild the real recordings that tests/real_recordings_manifest.toml lists (run by a maintainer).

`python -m tests.real_recordings_build --checkouts DIR --out DIR` reads every source repository from a git copy
under `--checkouts` (`<owner>+<name>`, see bench/git_snapshots.py; nothing is downloaded) and writes
`<out>/<platform>/<file>`: the response body taken from the named file at the named commit, pretty-printed JSON.
A path may name a body inside a larger file: `<file> (interaction #N, response.body)` for a cassette (JSON, or
YAML read with PyYAML, which only this tool needs) or `<file> (array element [N], .reply)`.
Prints one line per repository or commit that is missing and then exits 1; the other files are still written.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from bench.git_snapshots import MissingSource, Snapshot, open_snapshot

MANIFEST = Path(__file__).with_name("real_recordings_manifest.toml")
INTERACTION = re.compile(r"^(?P<file>.+?) \(interaction #(?P<n>\d+), response\.body\)$")
ELEMENT = re.compile(r"^(?P<file>.+?) \(array element \[(?P<n>\d+)\], \.reply\)$")


class NoYamlReader(Exception):
    """A YAML cassette is to be read and PyYAML is not installed."""


def load_cassette(name: str, data: bytes) -> Any:
    """A cassette file parsed: JSON (betamax) or YAML (vcr)."""
    if name.endswith(".json"):
        return json.loads(data)
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise NoYamlReader(f"{name} is a YAML cassette: install PyYAML to read it (pip install pyyaml)") from None
    return yaml.safe_load(data)


def body_text(body: Any) -> str:
    """The text of a cassette's response body: a string, {'string': ...} (vcr, betamax) or {'base64_string': ...},
    gzip-compressed or not."""
    if isinstance(body, dict):
        if body.get("string") not in (None, "") or "base64_string" not in body:
            raw = body.get("string", "")
        else:
            raw = base64.b64decode(body["base64_string"])
    else:
        raw = body
    if isinstance(raw, bytes):
        raw = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
    return str(raw)


def recorded_body(snapshot: Snapshot, path: str) -> Any:
    """The body a manifest path names, parsed."""
    if match := INTERACTION.match(path):
        cassette = load_cassette(match["file"], snapshot.read(match["file"]))
        interactions = cassette.get("interactions") or cassette.get("http_interactions")
        return json.loads(body_text(interactions[int(match["n"])]["response"]["body"]))
    if match := ELEMENT.match(path):
        return json.loads(snapshot.read(match["file"]))[int(match["n"])]["reply"]
    return json.loads(snapshot.read(path))


def build_recordings(manifest: dict[str, Any], checkouts: Path, out: Path) -> tuple[int, list[str]]:
    """Write every recording the manifest lists; the number written and one line per missing repository/commit."""
    written, missing = 0, dict[tuple[str, str], str]()
    for platform, files in manifest.items():
        for name, source in files.items():
            key = (source["repository"], source["commit"])
            if key in missing:
                continue
            try:
                body = recorded_body(open_snapshot(checkouts, *key), source["path"])
            except MissingSource as error:
                missing[key] = str(error)
                continue
            target = out / platform / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written += 1
    return written, list(missing.values())


def main(argv: list[str] | None = None) -> int:
    """Rebuild the recordings into --out; 1 when a source is missing, 2 when a YAML cassette cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m tests.real_recordings_build", description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=Path, required=True, help="folder of <owner>+<name> git copies")
    parser.add_argument("--out", type=Path, required=True, help="the recordings folder to write into")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        written, missing = build_recordings(tomllib.loads(args.manifest.read_text(encoding="utf-8")),
                                            args.checkouts, args.out)
    except NoYamlReader as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in missing:
        print(line, file=sys.stderr)
    print(f"{written} recordings written under {args.out}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
