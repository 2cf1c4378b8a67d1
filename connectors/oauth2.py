"""OAuth 2.0 bearer tokens from the environment, renewed with a refresh token on expiry or on 401."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from connectors.errors import AuthError, ExpiredTokenError
from connectors.http import HttpSession, parse_json

EXPIRY_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class RefreshGrant:
    """How to renew an access token: the token endpoint and the form fields besides the refresh token."""

    token_url: str
    form: Mapping[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None  # some platforms want the client id and secret as Basic auth
    as_json: bool = False  # TikTok's Business API takes a JSON body instead of a form
    unwrap: Callable[[Any], Any] = lambda body: body  # TikTok wraps the token in {"data": ...}


class BearerToken:
    """One source's access token: from its variable, renewed with the refresh grant when it runs out.

    A renewed token (and a rotated refresh token) lives in memory only: the variables keep what
    the user set, so a restart starts again from them.
    """

    def __init__(self, session: HttpSession, *, access_token: str | None, refresh_token: str | None,
                 grant: RefreshGrant | None, env_names: Mapping[str, str], header: str = "Authorization",
                 scheme: str = "Bearer") -> None:
        self.session, self.grant, self.env_names = session, grant, env_names
        self.header, self.scheme = header, scheme
        self._token, self._refresh_token = access_token or None, refresh_token or None
        self._expires_at: datetime | None = None
        self.refreshes = 0

    def can_refresh(self) -> bool:
        """Whether a refresh token and a token endpoint are configured."""
        return self.grant is not None and self._refresh_token is not None

    def headers(self) -> dict[str, str]:
        """The token's header (renewing first when the token is missing or about to expire)."""
        expired = self._expires_at is not None and self.session.clock() >= self._expires_at
        if (self._token is None or expired) and self.can_refresh():
            self.refresh()
        if self._token is None:
            raise AuthError(f"no access token: {self.check()}")
        return {self.header: f"{self.scheme} {self._token}" if self.scheme else self._token}

    def refresh(self) -> None:
        """Exchange the refresh token for a new access token (and maybe a new refresh token)."""
        assert self.grant is not None and self._refresh_token is not None
        form = {**self.grant.form, "grant_type": "refresh_token", "refresh_token": self._refresh_token}
        try:
            body_kind = "json" if self.grant.as_json else "data"
            response = self.session.send("POST", self.grant.token_url, auth=self.grant.basic_auth, **{body_kind: form})
        except AuthError as error:
            raise AuthError(f"POST {self.grant.token_url}: the refresh token was refused: {self.check()}") from error
        body = self.grant.unwrap(parse_json(response))
        if not isinstance(body, dict) or not body.get("access_token"):
            reason = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            what = reason or "empty answer"
            raise AuthError(f"POST {self.grant.token_url}: no access token ({what}): {self.check()}")
        self._token = str(body["access_token"])
        self._refresh_token = str(body.get("refresh_token") or self._refresh_token)
        lifetime = body.get("expires_in")
        self._expires_at = (self.session.clock() + timedelta(seconds=max(0.0, float(lifetime) - EXPIRY_MARGIN_SECONDS))
                            if lifetime else None)
        self.refreshes += 1

    def check(self) -> str:
        """The hint every credential error ends with: which variables to look at."""
        return "check the credentials in " + ", ".join(f"${env}" for env in self.env_names.values())


class TokenClient:
    """GETs with a bearer token; a 401 renews the token once (when it can) and tries again."""

    def __init__(self, session: HttpSession, token: BearerToken) -> None:
        self.session, self.token = session, token
        self.last_status: int | None = None
        session.client.event_hooks["response"].insert(0, self._note_status)

    def _note_status(self, response: httpx.Response) -> None:
        self.last_status = response.status_code

    def get(self, url: str, params: Any = None, headers: Mapping[str, str] | None = None) -> tuple[Any, httpx.Response]:
        """The parsed JSON and the response of one authorised GET."""
        try:
            return self.session.get_json(url, params=params, headers={**(headers or {}), **self.token.headers()})
        except AuthError as error:
            expired = self.last_status == 401 or isinstance(error, ExpiredTokenError)
            if not expired or not self.token.can_refresh():
                raise
            self.token.refresh()
            return self.session.get_json(url, params=params, headers={**(headers or {}), **self.token.headers()})
