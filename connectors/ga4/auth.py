"""A Google service-account key turned into access tokens: a signed JWT (RS256) exchanged at the key's token_uri.

The private key is held as a key object only (its text is never kept, shown or logged); the access token is
reused until shortly before it expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from connectors.clock import Clock
from connectors.errors import AuthError, MalformedResponseError, PermanentError
from connectors.http import HttpSession, parse_json

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(hours=1)  # the longest Google accepts
RENEW_BEFORE = timedelta(minutes=5)  # a token this close to its expiry is replaced


@dataclass(frozen=True)
class ServiceAccountKey:
    """What a service-account key file says: who signs, with which key (an object, never text), where to ask."""

    client_email: str
    private_key: RSAPrivateKey = field(repr=False)
    token_uri: str
    key_id: str | None = None


def parse_service_account_key(text: str) -> ServiceAccountKey:
    """The key file's fields; ValueError saying what is missing or wrong, never quoting the key."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("is not JSON (a service-account key file is)") from None
    if not isinstance(data, dict):
        raise ValueError("is not a JSON object (a service-account key file is)")
    missing = [name for name in ("client_email", "private_key") if not isinstance(data.get(name), str)
               or not data[name]]
    if missing:
        raise ValueError(f"has no {' and no '.join(missing)} (is it a service-account key?)")
    try:
        key = load_pem_private_key(data["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError("has a private_key that is not an unencrypted PEM key") from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("has a private_key that is not an RSA key")
    token_uri = data.get("token_uri")
    return ServiceAccountKey(data["client_email"], key, token_uri if isinstance(token_uri, str) and token_uri
                             else "https://oauth2.googleapis.com/token", data.get("private_key_id") or None)


def signed_assertion(key: ServiceAccountKey, audience: str, now: datetime) -> str:
    """The JWT a token endpoint takes for a service account: read-only Analytics scope, valid one hour."""
    issued = int(now.timestamp())
    claims = {"iss": key.client_email, "scope": SCOPE, "aud": audience, "iat": issued,
              "exp": issued + int(ASSERTION_LIFETIME.total_seconds())}
    headers = {"kid": key.key_id} if key.key_id else None
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers=headers)


@dataclass
class AccessTokens:
    """Bearer tokens for one service account, fetched on first use and renewed shortly before they expire."""

    session: HttpSession
    key: ServiceAccountKey
    credentials_env: str  # named in errors: the variable that points at the key file
    clock: Clock
    token_uri: str | None = None  # overrides the key's own
    exchanges: int = 0
    _token: str | None = field(default=None, repr=False)
    _expires_at: datetime | None = None

    def bearer(self) -> str:
        """A valid access token: the held one, or a new one when it is about to expire."""
        now = self.clock()
        if self._token is None or self._expires_at is None or now >= self._expires_at - RENEW_BEFORE:
            self._token, self._expires_at = self._exchange(now)
        return self._token

    def _exchange(self, now: datetime) -> tuple[str, datetime]:
        audience = self.token_uri or self.key.token_uri
        form = {"grant_type": GRANT_TYPE, "assertion": signed_assertion(self.key, audience, now)}
        try:
            reply = parse_json(self.session.send("POST", audience, data=form))
        except (AuthError, PermanentError) as error:
            raise AuthError(f"ga4: the token endpoint refused the service-account key in ${self.credentials_env} "
                            f"({_refusal(error)})") from None
        self.exchanges += 1
        token, lifetime = (reply.get("access_token"), reply.get("expires_in")) if isinstance(reply, dict) else (
            None, None)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise MalformedResponseError("ga4 token endpoint: no access_token and expires_in in the reply")
        return token, now + timedelta(seconds=float(lifetime))


def _refusal(error: Exception) -> str:
    """The OAuth error code and description of a refused grant, from the error's message."""
    text = str(error)
    start = text.find("{")
    try:
        body = json.loads(text[start:]) if start >= 0 else {}
    except ValueError:
        return text[:200]
    if isinstance(body, dict) and body.get("error"):
        return ": ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))[:200]
    return text[:200]
