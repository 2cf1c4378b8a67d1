"""The five big-network connectors are registered: `ror sources` lists each with its required keys."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from connectors.registry import CONNECTORS
from listener.cli.main import app

REQUIRED = {
    "x": ("username: required", "bearer_token_env"),
    "facebook": ("page_id: required", "page_token_env: required"),
    "instagram": ("ig_user_id: required", "access_token_env: required"),
    "linkedin": ("organization_id: required", "access_token_env: required"),
    "tiktok": ("business_id: required", "access_token_env: required"),
}


@pytest.mark.parametrize("platform", sorted(REQUIRED))
def test_ror_sources_lists_the_platform_its_auth_and_required_keys(platform: str) -> None:
    assert platform in CONNECTORS
    output = CliRunner().invoke(app, ["sources"]).output
    lines = output.split(f"\n{platform}: ", 1)[1].splitlines()
    block = "\n".join([lines[0], *_own_lines(lines[1:])])
    assert "auth: " in block and all(key in block for key in REQUIRED[platform]), block[:400]


def _own_lines(lines: list[str]) -> list[str]:
    """The indented lines right under a platform's header, up to the next platform."""
    own = []
    for line in lines:
        if not line.startswith("  "):
            break
        own.append(line)
    return own
