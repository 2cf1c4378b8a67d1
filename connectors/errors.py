"""The exception tree of the connector layer, drawn once."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises."""


class TransientError(ConnectorError):
    """Worth retrying: 5xx, timeouts, connection resets."""


class RateLimitedError(TransientError):
    """The platform asked us to wait `wait_seconds` before the next call."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class WaitTooLongError(ConnectorError):
    """A required wait exceeds the cap: end this run, the next resumes from the cursor."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class UnreachableError(ConnectorError):
    """The host name does not resolve (a typo, or no network): retrying within this run cannot help."""


class AuthError(ConnectorError):
    """401/403: the credential is missing, wrong or lacks a scope. Not retried."""


class PermanentError(ConnectorError):
    """A 4xx the request itself caused (404, 410, 422): not retried."""


class MalformedResponseError(ConnectorError):
    """The body is not the JSON the platform documents (an HTML error page, say)."""


class MalformedItemError(ConnectorError):
    """One record of a page cannot be parsed; the record goes to quarantine."""


class PaginationLoopError(ConnectorError):
    """The platform handed back a page token we have already followed."""
