"""XRPC for Bluesky: public reads from the AppView, authenticated ones through the PDS with one app-password session."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.errors import AuthError, ConnectorError, MalformedResponseError, PermanentError
from connectors.http import HttpSession, parse_json

CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"
# Refresh this long before the access token's `exp`, so a page never starts with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)


def xrpc_params(params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset ones (httpx would send `cursor=` for None)."""
    return {k: v for k, v in params.items() if v is not None}


def body_object(body: Any, nsid: str) -> dict[str, Any]:
    """An XRPC output must be a JSON object."""
    if not isinstance(body, dict):
        raise MalformedResponseError(f"{nsid}: expected a JSON object, got {type(body).__name__}")
    return body


def list_of(body: dict[str, Any], key: str, nsid: str) -> list[Any]:
    """The documented list in an XRPC output (feed, posts, likes...), or MalformedResponseError."""
    entries = body.get(key)
    if not isinstance(entries, list):
        raise MalformedResponseError(f"{nsid}: no list {key!r} in the output")
    return entries


def jwt_lifetime(token: str) -> timedelta | None:
    """How long a JWT is valid, `exp` - `iat` (read, not verified: the server verifies), or None.

    The lifetime, not `exp` itself, is compared with our own clock, so a local clock that
    is off from the server's does not make every call look expired (or none).
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return timedelta(seconds=int(claims["exp"]) - int(claims["iat"]))
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def is_expired_token(error: ConnectorError) -> bool:
    """The PDS answers an expired access token with 400 `{"error": "ExpiredToken"}`."""
    return "ExpiredToken" in str(error)


@dataclass
class Tokens:
    """What createSession / refreshSession return that we keep (in memory only)."""

    access: str
    refresh: str
    access_expires: datetime | None  # on our clock: when it arrived + its lifetime


@dataclass
class SessionState:
    """One account's session, shared by every connector in this process that logs in as it."""

    tokens: Tokens | None = None
    refused: AuthError | None = None
    created: int = 0
    refreshed: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)


_SESSIONS: dict[tuple[str, str, str], SessionState] = {}
_SESSIONS_LOCK = threading.Lock()


def shared_state(pds_url: str, identifier: str, password: str) -> SessionState:
    """The process-wide session of (PDS, account, password); a changed password is a new session."""
    key = (pds_url, identifier.lower(), hashlib.sha256(password.encode()).hexdigest())
    with _SESSIONS_LOCK:
        return _SESSIONS.setdefault(key, SessionState())


def forget_sessions() -> None:
    """Drop every kept session (tests; a process that wants to log in afresh)."""
    with _SESSIONS_LOCK:
        _SESSIONS.clear()


class AppPasswordSession:
    """The PDS session of one account: created once, then refreshed, never created per call.

    createSession has a low daily limit per account (tens a day), so the session is kept
    and refreshed with refreshSession when the access token nears the end of its lifetime
    or the PDS says ExpiredToken. It is kept per process, not per connector, because the
    daemon builds a connector for every run; tokens live in memory only. A createSession
    refused for bad credentials is not tried again with the same password.
    """

    def __init__(self, http: HttpSession, pds_url: str, identifier: str, password: str) -> None:
        self.http = http
        self.pds_url = pds_url.rstrip("/")
        self.identifier = identifier
        self._password = password
        self.state = shared_state(self.pds_url, identifier, password)

    def get(self, nsid: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET a PDS XRPC query with the session; refresh once if the token expired."""
        try:
            return self._get(nsid, params)
        except (AuthError, PermanentError) as error:
            if not is_expired_token(error):
                raise
        with self.state.lock:
            self._refresh()
        return self._get(nsid, params)

    def _get(self, nsid: str, params: dict[str, Any]) -> dict[str, Any]:
        body, _ = self.http.get_json(f"{self.pds_url}/xrpc/{nsid}", params=xrpc_params(params),
                                     headers=self._authorization())
        return body_object(body, nsid)

    def _authorization(self) -> dict[str, str]:
        with self.state.lock:
            tokens = self.state.tokens
            if tokens is None:
                self._create()
            elif tokens.access_expires and self.http.clock() >= tokens.access_expires - REFRESH_MARGIN:
                self._refresh()
            assert self.state.tokens is not None
            return {"Authorization": f"Bearer {self.state.tokens.access}"}

    def _create(self) -> None:
        if self.state.refused is not None:
            raise self.state.refused
        try:
            self.state.tokens = self._post(CREATE_SESSION, json={"identifier": self.identifier,
                                                                 "password": self._password})
        except AuthError as error:
            self.state.refused = error
            raise
        self.state.created += 1

    def _refresh(self) -> None:
        """refreshSession; a refresh token that is itself expired or revoked means a new session."""
        if self.state.tokens is None:
            self._create()
            return
        try:
            self.state.tokens = self._post(REFRESH_SESSION,
                                           headers={"Authorization": f"Bearer {self.state.tokens.refresh}"})
            self.state.refreshed += 1
        except (AuthError, PermanentError):
            self.state.tokens = None
            self._create()

    def _post(self, nsid: str, **kwargs: Any) -> Tokens:
        response = self.http.send("POST", f"{self.pds_url}/xrpc/{nsid}", **kwargs)
        body = body_object(parse_json(response), nsid)
        try:
            access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        except KeyError as error:
            raise MalformedResponseError(f"{nsid}: no {error.args[0]} in the session") from error
        lifetime = jwt_lifetime(access)
        return Tokens(access, refresh, self.http.clock() + lifetime if lifetime else None)
