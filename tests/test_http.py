"""One send(): retries, rate limits, auth errors and bad payloads, with an injected clock and sleep."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx

from connectors.errors import (
    AuthError,
    MalformedResponseError,
    PaginationLoopError,
    PermanentError,
    TransientError,
    UnreachableError,
    WaitTooLongError,
)
from connectors.http import HttpSession, RetryPolicy, build_client, parse_retry_after, tls_context
from connectors.pagination import LoopGuard, link_url

BASE = "https://api.example"
POLICY = RetryPolicy(max_attempts=4, backoff_initial=1, backoff_max=30, max_wait_seconds=120, slow_down_below=5)


def session(clock: Any, sleep: Any, credential: str | None = "EXAMPLE_TOKEN") -> HttpSession:
    return HttpSession(build_client(BASE), policy=POLICY, credential_env=credential, clock=clock, sleep=sleep)


@respx.mock
def test_429_waits_for_retry_after_then_succeeds(clock: Any, sleep: Any) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "17"}), httpx.Response(200, json={"ok": True}),
    ])
    body, _ = session(clock, sleep).get_json("/x")
    assert body == {"ok": True}
    assert sleep.calls == [17.0]


@respx.mock
def test_429_without_retry_after_waits_until_the_reset_header(clock: Any, sleep: Any) -> None:
    reset = (clock.now + timedelta(seconds=42)).isoformat().replace("+00:00", "Z")
    respx.get(f"{BASE}/x").mock(side_effect=[
        httpx.Response(429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}),
        httpx.Response(200, json=[]),
    ])
    session(clock, sleep).get_json("/x")
    assert sleep.calls[0] == pytest.approx(42.0)


@respx.mock
def test_a_wait_longer_than_the_cap_ends_the_run_instead_of_sleeping(clock: Any, sleep: Any) -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(WaitTooLongError) as caught:
        session(clock, sleep).get_json("/x")
    assert caught.value.wait_seconds == 3600 and sleep.calls == []


@respx.mock
def test_503_is_retried_with_backoff_then_succeeds(clock: Any, sleep: Any) -> None:
    route = respx.get(f"{BASE}/x").mock(side_effect=[
        httpx.Response(503), httpx.Response(503), httpx.Response(200, json=[1]),
    ])
    body, _ = session(clock, sleep).get_json("/x")
    assert body == [1] and route.call_count == 3
    assert len(sleep.calls) == 2 and all(0 < s <= 30 for s in sleep.calls)


@respx.mock
def test_5xx_gives_up_after_max_attempts(clock: Any, sleep: Any) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(502))
    with pytest.raises(TransientError, match="502"):
        session(clock, sleep).get_json("/x")
    assert route.call_count == POLICY.max_attempts


@respx.mock
def test_timeout_is_retried(clock: Any, sleep: Any) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={})])
    body, _ = session(clock, sleep).get_json("/x")
    assert body == {} and len(sleep.calls) == 1


@respx.mock
def test_401_stops_at_once_naming_the_credential_variable(clock: Any, sleep: Any) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401, json={"error": "The access token is invalid"}))
    with pytest.raises(AuthError, match=r"\$EXAMPLE_TOKEN"):
        session(clock, sleep).get_json("/x")
    assert route.call_count == 1 and sleep.calls == []


@respx.mock
def test_404_is_permanent_and_not_retried(clock: Any, sleep: Any) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(404, json={"error": "Record not found"}))
    with pytest.raises(PermanentError):
        session(clock, sleep).get_json("/x")
    assert route.call_count == 1


@respx.mock
def test_html_where_json_was_expected_is_a_clear_error(clock: Any, sleep: Any) -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(
        200, headers={"Content-Type": "text/html"}, text="<html><body>Maintenance</body></html>"))
    with pytest.raises(MalformedResponseError, match="expected JSON, got text/html"):
        session(clock, sleep).get_json("/x")


@respx.mock
def test_slows_down_before_the_quota_runs_out(clock: Any, sleep: Any) -> None:
    reset = (clock.now + timedelta(seconds=60)).isoformat()
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(
        200, json=[], headers={"X-RateLimit-Remaining": "2", "X-RateLimit-Reset": reset}))
    s = session(clock, sleep)
    s.get_json("/x")
    assert sleep.calls == [pytest.approx(20.0)]  # 60 s spread over the 2 calls left + this one
    assert s.quota.remaining == 2


@respx.mock
def test_plenty_of_quota_means_no_pause(clock: Any, sleep: Any) -> None:
    reset = (clock.now + timedelta(seconds=60)).isoformat()
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(
        200, json=[], headers={"X-RateLimit-Remaining": "250", "X-RateLimit-Reset": reset}))
    session(clock, sleep).get_json("/x")
    assert sleep.calls == []


def test_retry_after_accepts_an_http_date(clock: Any) -> None:
    date = "Wed, 18 Nov 2026 13:01:30 GMT"
    assert parse_retry_after(date, clock.now) == pytest.approx(90.0)
    assert parse_retry_after("garbage", clock.now) is None


def test_link_header_urls_by_rel() -> None:
    header = ('<https://m.example/api/v1/x?limit=40&max_id=10>; rel="next", '
              '<https://m.example/api/v1/x?limit=40&min_id=20>; rel="prev"')
    response = httpx.Response(200, headers={"Link": header})
    assert link_url(response, "next") == "https://m.example/api/v1/x?limit=40&max_id=10"
    assert link_url(response, "prev") == "https://m.example/api/v1/x?limit=40&min_id=20"
    assert link_url(httpx.Response(200), "next") is None


def test_loop_guard_refuses_a_repeated_token() -> None:
    guard = LoopGuard("statuses")
    guard.check("a")
    guard.check("b")
    with pytest.raises(PaginationLoopError, match="'a'"):
        guard.check("a")


def _dns_failure(request: httpx.Request) -> httpx.Response:
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as cause:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from cause


def test_a_host_that_does_not_resolve_fails_at_once_naming_the_host(clock: Any, sleep: Any) -> None:
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: calls.append(request) or _dns_failure(request))
    unresolved = HttpSession(build_client(BASE, transport=transport), policy=POLICY, clock=clock, sleep=sleep)
    with pytest.raises(UnreachableError, match="'api.example' does not resolve") as raised:
        unresolved.get_json("/x")
    assert len(calls) == 1 and sleep.calls == []
    assert "https://api.example/x" in str(raised.value)


@respx.mock
def test_a_refused_connection_is_retried_and_its_message_names_the_full_url(clock: Any, sleep: Any) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(TransientError, match="GET https://api.example/x: ConnectError"):
        session(clock, sleep).get_json("/x")
    assert len(sleep.calls) == POLICY.max_attempts - 1


def test_clients_share_one_tls_context_made_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    tls_context.cache_clear()
    try:
        for _ in range(3):  # a daemon builds a connector, so a client, per poll of each source
            build_client(BASE).close()
    finally:
        tls_context.cache_clear()
    assert len(made) == 1
    assert made[0].verify_mode == ssl.CERT_REQUIRED and made[0].check_hostname
