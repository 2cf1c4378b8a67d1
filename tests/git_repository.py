"""A throwaway git repository with given files, for the tests of the tools that read git copies."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(folder: Path, *arguments: str) -> str:
    """Run git in `folder`; its standard output."""
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=test", "-c", "user.email=test@example.org",
                           *arguments], check=True, capture_output=True, text=True).stdout


def commit_files(folder: Path, files: dict[str, bytes]) -> str:
    """Write `files` into a checkout at `folder` (made when absent) and commit them; the commit's id."""
    if not (folder / ".git").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        git(folder, "init", "-q")
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "files")
    return git(folder, "rev-parse", "HEAD").strip()
