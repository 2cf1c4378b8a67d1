"""Keyed hashes of personal identifiers (e-mails, customer and order ids): matchable, not readable."""

from __future__ import annotations

import hmac
import os

from listener.config.settings import ConfigError

MIN_KEY_LENGTH = 16


def identity_key(env_name: str) -> bytes:
    """The hashing key from its environment variable; unset or short is a ConfigError saying what to do."""
    value = os.environ.get(env_name, "")
    if len(value) < MIN_KEY_LENGTH:
        state = "is not set" if not value else f"is shorter than {MIN_KEY_LENGTH} characters"
        raise ConfigError(f"environment variable {env_name} (named by imports.key_env) {state}: it keys the hashes "
                          "of e-mails and customer ids; set it to a long random secret and keep it, a new key "
                          "cannot match what was stored under the old one")
    return value.encode()


def hash_identity(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of kind:value, hex; the kind keeps an e-mail and an id with the same text apart."""
    return hmac.digest(key, f"{kind}:{value}".encode(), "sha256").hex()
