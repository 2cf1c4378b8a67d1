"""The one redaction point: every text that leaves the process passes `redact()` first.

Secret values are remembered where they are read from the environment (a source's token,
a channel's webhook URL or password, the database URL); `redact` then replaces each of
them, in its raw form and in the forms it takes once escaped (JSON, Python repr, URL
and HTML encoding), plus secret-looking patterns whose value we never saw (bearer
tokens, `token=` query parameters, passwords in URLs). Used by the CLI's consoles and
logging, the daemon's log formatters, every error column the store writes, the status
JSON and alert payloads.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

REDACTED = "***"
MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words
# Secrets that can show up in text without us knowing their value: bearer tokens, tokens in
# query strings, passwords in URLs.
PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s\"',;\\]+"),
    re.compile(r"(?i)((?:access_token|token|api_key|apikey|password|secret)=)[^&\s\"'\\]+"),
    re.compile(r"(://[^:/@\s]+:)[^@\s/]+(@)"),
)


def escaped_forms(secret: str) -> set[str]:
    """The secret as it reads raw and after JSON, repr, URL and HTML escaping."""
    import html  # here, not at the top: only a command that holds a secret pays for loading it

    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1],
             quote(secret, safe=""), quote_plus(secret), quote(secret), html.escape(secret, quote=True),
             html.escape(secret, quote=False)}
    forms |= {json.dumps(form)[1:-1] for form in list(forms)}  # escaped twice: JSON inside JSON
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Redactor:
    """Replaces known secret values (in every escaped form) and secret-looking patterns with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        """Replace the known secret values."""
        self._set({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH})

    def remember(self, secrets: Iterable[str]) -> None:
        """Add secret values to the known ones."""
        with self._lock:
            known = set(self._raw)
        self._set(known | {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH})

    def _set(self, values: set[str]) -> None:
        forms = {form for value in values for form in escaped_forms(value)}
        with self._lock:
            self._raw = tuple(values)
            self._secrets = tuple(sorted(forms, key=len, reverse=True))  # a secret containing another goes whole

    def __call__(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED + (m.group(2) if m.re.groups > 1 else ""), text)
        return text


SECRETS = Redactor()  # every secret this process has read


def remember_secret(value: str) -> str:
    """Remember a secret value (and the password inside a URL) for redaction; returns the value."""
    SECRETS.remember([value, *url_passwords(value)])
    return value


def url_passwords(value: str) -> list[str]:
    """The password inside a URL as written and decoded, read up to the first `@` (as SQLAlchemy and libpq read
    it) and up to the last; none for a value that is no URL with a password."""
    try:
        netloc = urlsplit(value).netloc if "://" in value else ""
    except ValueError:  # not a URL: the whole value is redacted anyway
        return []
    if "@" not in netloc:  # no user part: what follows a colon is the port
        return []
    passwords = [user_info.partition(":")[2] for user_info in (netloc.partition("@")[0], netloc.rpartition("@")[0])]
    return [form for password in passwords if password for form in (password, unquote(password))]


def redact(text: str) -> str:
    """The text with every secret this process knows replaced by ***."""
    return SECRETS(text)


def redact_optional(text: str | None) -> str | None:
    """`redact` for a value that may be None."""
    return None if text is None else SECRETS(text)


def redact_json(value: Any) -> Any:
    """A JSON-ready value with every string in it redacted."""
    if isinstance(value, str):
        return SECRETS(value)
    if isinstance(value, dict):
        return {key: redact_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_json(item) for item in value]
    return value


class RedactingStream:
    """sys.stdout or sys.stderr (looked up at each write, so captures see it) with everything written redacted."""

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        """Write the redacted text."""
        return int(getattr(sys, self._name).write(SECRETS(text)) or 0)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(getattr(sys, self._name), attribute)
