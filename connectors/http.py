"""One `send()` for every connector: classify responses, retry with tenacity, pace on quota."""

from __future__ import annotations

import email.utils
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from connectors.clock import Clock, Sleep, utc_now
from connectors.errors import (
    AuthError,
    MalformedResponseError,
    PermanentError,
    RateLimitedError,
    TransientError,
    UnreachableError,
    WaitTooLongError,
)
from connectors.limits import check_deadline, current_deadline

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEFAULT_USER_AGENT = "ror-listener/0.1 (+https://github.com/ror-listener)"


@dataclass(frozen=True)
class RetryPolicy:
    """How one connector retries: attempts, backoff, the longest wait worth sleeping."""

    max_attempts: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    max_wait_seconds: float = 300.0
    slow_down_below: int = 5


@dataclass(frozen=True)
class RateLimitHeaders:
    """Where a platform puts its quota: header names and how the reset is written."""

    remaining: str = "X-RateLimit-Remaining"
    limit: str = "X-RateLimit-Limit"
    reset: str = "X-RateLimit-Reset"
    reset_format: str = "iso"  # "iso" timestamp, "epoch" seconds, or "seconds" from now
    parse: Callable[[httpx.Response, datetime], Quota] | None = None  # for quotas not in three plain headers


@dataclass
class Quota:
    """The last quota the platform reported."""

    remaining: float | None = None
    limit: float | None = None
    reset_at: datetime | None = None


class SharedBudget(Protocol):
    """A quota several sessions on one credential draw from (listener.collect.budget.QuotaBudget is one)."""

    def reserve(self, now: datetime, policy: RetryPolicy) -> float:
        """Seconds to wait before the next request (reserving nothing if over policy.max_wait_seconds)."""

    def record(self, quota: Quota) -> None:
        """Take in the quota headers of a response."""

    def block(self, until: datetime) -> None:
        """Nobody sends before `until` (the platform answered 429)."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_reset(value: str | None, fmt: str, now: datetime) -> datetime | None:
    """When the quota window resets, from the platform's reset header."""
    if not value:
        return None
    try:
        if fmt == "iso":
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = float(value)
    except ValueError:
        return None
    if fmt == "epoch":
        return datetime.fromtimestamp(seconds, UTC)
    return datetime.fromtimestamp(now.timestamp() + seconds, UTC)


def read_quota(response: httpx.Response, names: RateLimitHeaders, now: datetime) -> Quota:
    """The quota headers of one response, parsed."""
    if names.parse is not None:
        return names.parse(response, now)

    def number(header: str) -> float | None:
        try:
            return float(response.headers[header])
        except (KeyError, ValueError):
            return None

    reset = parse_reset(response.headers.get(names.reset), names.reset_format, now)
    return Quota(number(names.remaining), number(names.limit), reset)


def classify_response(
    response: httpx.Response, quota: Quota, now: datetime, credential: str | None
) -> None:
    """Raise the error class a non-success response belongs to; return on success."""
    status = response.status_code
    if 200 <= status < 300:
        return
    where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
    if status == 429:
        wait = parse_retry_after(response.headers.get("Retry-After"), now)
        if wait is None and quota.reset_at is not None:
            wait = max(0.0, (quota.reset_at - now).total_seconds())
        raise RateLimitedError(f"{where}: 429 Too Many Requests", wait if wait is not None else 60.0)
    if status in (401, 403):
        named = f"check the credential in ${credential}" if credential else "this source needs a credential"
        raise AuthError(f"{where}: {status} {response.reason_phrase}: {named}")
    if status >= 500 or status in (408, 425):
        raise TransientError(f"{where}: {status} {response.reason_phrase}")
    raise PermanentError(f"{where}: {status} {response.reason_phrase}: {response.text[:200]}", status)


def parse_json(response: httpx.Response) -> Any:
    """The JSON body, or MalformedResponseError naming what came instead."""
    try:
        return response.json()
    except ValueError as error:
        kind = response.headers.get("Content-Type", "unknown content type")
        raise MalformedResponseError(
            f"{response.request.url.copy_with(query=None)}: expected JSON, got {kind}: "
            f"{response.text[:80]!r}"
        ) from error


def _name_not_resolved(error: BaseException) -> bool:
    """True if a transport error comes from a failed DNS look-up (socket.gaierror somewhere in its chain)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain:  # a chain can loop back on itself
        chain.append(link)
        link = link.__cause__ or link.__context__
    return any(isinstance(link, socket.gaierror) for link in chain)


class _wait_for_server(wait_base):
    """Wait what a 429 asks for, else exponential backoff with jitter."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, RateLimitedError):
            return error.wait_seconds
        return self.fallback(retry_state)


@dataclass
class HttpSession:
    """An httpx client plus the retry policy, quota pacing, clock and sleep of one source."""

    client: httpx.Client
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rate_headers: RateLimitHeaders = field(default_factory=RateLimitHeaders)
    credential_env: str | None = None
    clock: Clock = utc_now
    sleep: Sleep = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    quota: Quota = field(default_factory=Quota)
    requests: int = 0
    budget: SharedBudget | None = None  # shared by every session on one credential; paces instead of _pace

    def get_json(self, url: str, params: Any = None,
                 headers: dict[str, str] | None = None) -> tuple[Any, httpx.Response]:
        """GET with retries; return the parsed JSON and the response (for its headers)."""
        response = self.send("GET", url, params=params, headers=headers)
        return parse_json(response), response

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request under the retry policy; raise a ConnectorError subclass on failure."""
        retrying = Retrying(
            # tenacity types `|` for stop_base only; at run time stop_any calls any stop callable
            stop=stop_after_attempt(self.policy.max_attempts) | self._wait_too_long,  # type: ignore[operator]
            wait=_wait_for_server(
                wait_exponential_jitter(multiplier=self.policy.backoff_initial, max=self.policy.backoff_max)
            ),
            retry=retry_if_exception_type(TransientError),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, method, url, **kwargs)
        except RateLimitedError as error:
            if error.wait_seconds > self.policy.max_wait_seconds:
                raise WaitTooLongError(str(error), error.wait_seconds) from error
            raise

    def _wait_too_long(self, retry_state: RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return isinstance(error, RateLimitedError) and error.wait_seconds > self.policy.max_wait_seconds

    def _send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        check_deadline(self.clock())
        if self.budget is not None:
            self._wait_for_budget(self.budget)
        try:
            response = self._request(method, url, **kwargs)
        except httpx.TimeoutException as error:
            raise TransientError(f"{method} {self._full(url)}: timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            if _name_not_resolved(error):
                host = httpx.URL(self._full(url)).host
                raise UnreachableError(f"{method} {self._full(url)}: the host name {host!r} does not resolve; "
                                       "check the URL in the config and this machine's network") from error
            raise TransientError(f"{method} {self._full(url)}: {type(error).__name__}: {error}") from error
        self.requests += 1
        now = self.clock()
        quota = read_quota(response, self.rate_headers, now)
        if quota.remaining is not None:
            self.quota = quota
            if self.budget is not None:
                self.budget.record(quota)
        try:
            classify_response(response, quota, now, self.credential_env)
        except RateLimitedError as error:
            if self.budget is not None:
                self.budget.block(now + timedelta(seconds=error.wait_seconds))
            raise
        if self.budget is None:
            self._pace(now)
        return response

    def _full(self, url: str) -> str:
        """The absolute URL of a request, for messages (relative paths hide the host)."""
        return str(self.client.base_url.join(url)) if self.client.base_url else url
    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send and read the whole body before the response deadline (httpx's read timeout is per chunk)."""
        send_options = {k: kwargs.pop(k) for k in ("auth", "follow_redirects") if k in kwargs}
        request = self.client.build_request(method, url, **kwargs)
        response = self.client.send(request, stream=True, **send_options)
        response.stream = _BodyBeforeDeadline(response.stream, current_deadline().for_response(self.clock()),
                                              self.clock, request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def _wait_for_budget(self, budget: SharedBudget) -> None:
        """Wait for this request's slot in the credential's shared budget."""
        wait = budget.reserve(self.clock(), self.policy)
        if wait > self.policy.max_wait_seconds:
            raise WaitTooLongError(f"the shared quota of {self.credential_env or 'this host'} is spent; "
                                   f"next slot in {wait:.0f}s", wait)
        if wait > 0:
            self.sleep(wait)

    def _pace(self, now: datetime) -> None:
        """Slow down before the platform says 429: spread the rest of the quota to its reset."""
        remaining, reset_at = self.quota.remaining, self.quota.reset_at
        if remaining is None or reset_at is None or remaining > self.policy.slow_down_below:
            return
        until_reset = max(0.0, (reset_at - now).total_seconds())
        wait = until_reset if remaining < 1 else until_reset / (remaining + 1)
        if wait > self.policy.max_wait_seconds:
            raise WaitTooLongError(
                f"quota nearly spent ({remaining:g} left), resets in {until_reset:.0f}s", wait
            )
        if wait > 0:
            self.sleep(wait)


class _BodyBeforeDeadline(httpx.SyncByteStream):
    """A response body that raises ReadTimeout once its deadline passes, however steadily bytes trickle in."""

    def __init__(self, stream: Any, deadline: datetime, clock: Clock, request: httpx.Request) -> None:
        self._stream, self._deadline, self._clock, self._request = stream, deadline, clock, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout("the response body did not arrive before its deadline", request=self._request)
            yield chunk

    def close(self) -> None:
        self._stream.close()


@cache
def tls_context() -> ssl.SSLContext:
    """The certificate checks every client shares, made once per process as httpx makes them.

    httpx builds one per client by reading the CA bundle (about 25 ms of CPU), and the daemon
    builds a connector, so a client, for every poll of every source.
    """
    return httpx.create_ssl_context()


def build_client(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client with our timeouts and user agent; the transport is injectable."""
    merged = {"User-Agent": DEFAULT_USER_AGENT, "Accept": "application/json"}
    merged.update(headers or {})
    return httpx.Client(
        base_url=base_url, headers=merged, timeout=DEFAULT_TIMEOUT, transport=transport,
        follow_redirects=True, verify=tls_context() if transport is None else True,
    )
