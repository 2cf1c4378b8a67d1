"""The HTTP session of an API source beyond social: our retry policy, Retry-After honoured, edges injectable."""

from __future__ import annotations

import time

import httpx

from connectors.clock import Sleep
from connectors.http import HttpSession, RetryPolicy, build_client


def api_session(base_url: str, credential_env: str, *, headers: dict[str, str] | None = None,
                transport: httpx.BaseTransport | None = None, sleep: Sleep = time.sleep) -> HttpSession:
    """A session on `base_url` whose errors and logs keep the credential named by `credential_env` out."""
    return HttpSession(client=build_client(base_url, headers=headers, transport=transport), policy=RetryPolicy(),
                       credential_env=credential_env, sleep=sleep)
