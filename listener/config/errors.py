"""The configuration error, apart from the models so a command can catch it without loading them."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file."""
