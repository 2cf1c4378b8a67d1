"""Read files of other projects' repositories at a named commit, from git copies in one folder (maintainer tools).

The folder holds one entry per repository, `<owner>+<name>`: a bare git directory, a checkout, or either of
these in a `repo` subfolder. Nothing is downloaded: a repository or commit that is not there is reported.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class MissingSource(Exception):
    """A repository or a commit the tool needs is not among the checkouts."""


def find_git_dir(checkouts: Path, repository: str) -> Path | None:
    """The git directory of `owner/name` under `checkouts`, or None when there is none."""
    base = checkouts / repository.replace("/", "+")
    for folder in (base / "repo", base):
        if (folder / ".git").is_dir():
            return folder / ".git"
        if (folder / "HEAD").is_file() and (folder / "objects").is_dir():
            return folder
    return None


@dataclass(frozen=True)
class Snapshot:
    """One repository at one commit."""

    git_dir: Path
    commit: str

    def read(self, path: str) -> bytes:
        """The bytes of one file."""
        return self._git("show", f"{self.commit}:{path}").stdout

    def list(self, folder: str) -> list[str]:
        """The paths of the files directly in `folder`, sorted."""
        return sorted(self._git("ls-tree", "--name-only", self.commit, folder.rstrip("/") + "/").stdout
                      .decode("utf-8").split())

    def _git(self, *arguments: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "--git-dir", str(self.git_dir), *arguments], check=True, capture_output=True)


def open_snapshot(checkouts: Path, repository: str, commit: str) -> Snapshot:
    """`repository` at `commit`; MissingSource (its message one line) when either is not there."""
    git_dir = find_git_dir(checkouts, repository)
    if git_dir is None:
        raise MissingSource(f"missing repository {repository} (no {repository.replace('/', '+')} in {checkouts})")
    present = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
                             capture_output=True)
    if present.returncode != 0:
        raise MissingSource(f"missing commit {commit} of {repository} (in {git_dir})")
    return Snapshot(git_dir, commit)
