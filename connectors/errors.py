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


class ExpiredTokenError(AuthError):
    """The platform says the access token expired (some say so in a 200 body): renew it, then retry once."""


class PermanentError(ConnectorError):
    """A 4xx the request itself caused (404, 410, 422): not retried."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def gone(self) -> bool:
        """Whether the platform answered that the thing is not there (404 Not Found, 410 Gone)."""
        return self.status in (404, 410)


class MalformedResponseError(ConnectorError):
    """The body is not the JSON the platform documents (an HTML error page, say)."""


class MalformedItemError(ConnectorError):
    """One record of a page cannot be parsed; the record goes to quarantine."""


class PaginationLoopError(ConnectorError):
    """The platform handed back a page token we have already followed."""


class DeadlineExceededError(ConnectorError):
    """The sync ran out of time (its deadline, or a response that took too long): the next run resumes."""


class PageCapError(ConnectorError):
    """A stream reached its page cap for one run: the next run resumes from the cursor."""


class CursorRefusedError(PaginationLoopError):
    """The server handed a cursor outside what its page contained, or one that steps backwards."""
