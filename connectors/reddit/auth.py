"""Reddit OAuth: an application-only or script-app bearer token, renewed when it expires or on 401."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.errors import AuthError
from connectors.http import HttpSession, parse_json

EXPIRY_MARGIN_SECONDS = 60.0
DEFAULT_EXPIRES_IN = 3600.0


class RedditToken:
    """The bearer token of one source: fetched once, again when it expires or after a 401."""

    def __init__(self, token_url: str, session: HttpSession, secrets: Mapping[str, str],
                 env_names: Mapping[str, str]) -> None:
        self.token_url = token_url
        self.session = session
        self.secrets = secrets
        self.env_names = env_names
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self.fetches = 0

    def headers(self) -> dict[str, str]:
        """The Authorization header for an API request (fetching a token when needed)."""
        if self._token is None or self._expires_at is None or self.session.clock() >= self._expires_at:
            self._fetch()
        return {"Authorization": f"bearer {self._token}"}

    def forget(self) -> None:
        """Drop the token: the API said 401, the next request fetches a new one."""
        self._token = None

    def grant(self) -> dict[str, str]:
        """The token request's form: `password` for a script app, else `client_credentials`."""
        if "username" in self.env_names or "password" in self.env_names:
            return {"grant_type": "password", "username": self._secret("username"),
                    "password": self._secret("password")}
        return {"grant_type": "client_credentials"}

    def _fetch(self) -> None:
        basic = (self._secret("client_id"), self._secret("client_secret"))
        response = self.session.send("POST", self.token_url, data=self.grant(), auth=basic)
        body: Any = parse_json(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            # Reddit answers a wrong password with 200 {"error": "invalid_grant"}.
            reason = body.get("error") if isinstance(body, dict) else "no access_token"
            raise AuthError(f"POST {self.token_url}: token refused ({reason}): {self._check()}")
        lifetime = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        self._token = str(body["access_token"])
        self._expires_at = self.session.clock() + timedelta(seconds=max(0.0, lifetime - EXPIRY_MARGIN_SECONDS))
        self.fetches += 1

    def _secret(self, name: str) -> str:
        value = self.secrets.get(name)
        if not value:
            raise AuthError(f"reddit needs {name}: {self._check()}")
        return value

    def _check(self) -> str:
        return "check the credentials in " + ", ".join(f"${env}" for env in self.env_names.values())
