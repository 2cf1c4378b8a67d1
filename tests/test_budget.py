"""Rate-limit budgets per credential: shared by every source on one token, fed by quota headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from connectors.errors import WaitTooLongError
from connectors.http import HttpSession, Quota, RetryPolicy, build_client
from connectors.mastodon.connector import MastodonSettings
from listener.collect.budget import BudgetBook, QuotaBudget, credential_key
from tests.conftest import FakeClock, RecordedSleep

BASE = "https://quota.example"
POLICY = RetryPolicy(max_attempts=2, backoff_initial=1, backoff_max=2, max_wait_seconds=600, slow_down_below=5)
WINDOW = 300
LIMIT = 20


class QuotaServer:
    """A platform that allows LIMIT requests per 5-minute window and answers 429 beyond."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.window_start = clock.now
        self.used = 0
        self.too_many = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.clock.now >= self.window_start + timedelta(seconds=WINDOW):
            self.window_start, self.used = self.clock.now, 0
        reset = (self.window_start + timedelta(seconds=WINDOW)).isoformat().replace("+00:00", "Z")
        if self.used >= LIMIT:
            self.too_many += 1
            return httpx.Response(429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
        self.used += 1
        headers = {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": str(LIMIT - self.used),
                   "X-RateLimit-Reset": reset}
        return httpx.Response(200, json={"ok": True}, headers=headers)


def advancing_sleep(clock: FakeClock) -> Any:
    def sleep(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)
    return sleep


def session(server: QuotaServer, budget: QuotaBudget | None, sleep: Any) -> HttpSession:
    client = build_client(BASE, transport=httpx.MockTransport(server.handle))
    return HttpSession(client, policy=POLICY, clock=server.clock, sleep=sleep, budget=budget)


def drain_concurrently(server: QuotaServer, budget: QuotaBudget | None) -> None:
    """Source A sends one request; source B, in its own thread, spends the window; then A sends again.

    B's waits do not hold A up (they happen in B's thread), so B's sleep does not move the
    clock A sees; A's own waits do.
    """
    first = session(server, budget, advancing_sleep(server.clock))
    second = session(server, budget, RecordedSleep())
    first.get_json("/a")
    for _ in range(LIMIT - 1):
        second.get_json("/b")
    first.get_json("/a")


def test_sources_sharing_a_token_wait_for_the_reset_instead_of_earning_a_429(clock: FakeClock) -> None:
    server = QuotaServer(clock)
    start = clock.now
    drain_concurrently(server, QuotaBudget("mastodon:quota.example:TOKEN"))
    assert server.too_many == 0
    assert clock.now >= start + timedelta(seconds=WINDOW), "the last request waited for the window to reset"


def test_without_a_shared_budget_the_same_traffic_earns_a_429(clock: FakeClock) -> None:
    server = QuotaServer(clock)
    drain_concurrently(server, None)  # the 429 is retried after the reset: it costs a refusal, not data
    assert server.too_many == 1


def test_the_last_requests_of_a_window_are_spread_until_its_reset(clock: FakeClock) -> None:
    budget = QuotaBudget("k")
    reset = clock.now + timedelta(seconds=60)
    budget.record(Quota(remaining=3, limit=300, reset_at=reset))
    waits = [budget.reserve(clock.now, POLICY) for _ in range(4)]
    assert waits[0] == pytest.approx(15.0)  # 60 s shared by 3 requests and the window's end
    assert waits == sorted(waits) and waits[-1] == pytest.approx(60.0)


def test_a_429_blocks_every_session_on_the_credential(clock: FakeClock) -> None:
    budget = QuotaBudget("k")
    budget.block(clock.now + timedelta(seconds=42))
    assert budget.reserve(clock.now, POLICY) == pytest.approx(42.0)


def test_a_wait_longer_than_the_cap_ends_the_run_instead_of_sleeping(clock: FakeClock) -> None:
    server = QuotaServer(clock)
    budget = QuotaBudget("k")
    budget.block(clock.now + timedelta(hours=2))
    with pytest.raises(WaitTooLongError):
        session(server, budget, advancing_sleep(clock)).get_json("/a")
    assert server.used == 0


def test_within_one_window_the_lowest_count_wins_and_a_new_window_starts_over(clock: FakeClock) -> None:
    budget = QuotaBudget("k")
    reset = clock.now + timedelta(seconds=60)
    budget.record(Quota(remaining=100, limit=300, reset_at=reset))
    budget.reserve(clock.now, POLICY)
    budget.reserve(clock.now, POLICY)
    budget.record(Quota(remaining=99, limit=300, reset_at=reset))  # a reply to the first of two in flight
    assert budget.snapshot().remaining == 98
    budget.record(Quota(remaining=299, limit=300, reset_at=reset + timedelta(seconds=300)))
    assert budget.snapshot().remaining == 299


def mastodon(name: str, base_url: str = "https://social.example",
             token_env: str | None = "BRAND_TOKEN") -> MastodonSettings:
    return MastodonSettings(name=name, platform="mastodon", base_url=base_url, account="acme", token_env=token_env)


def test_ten_sources_on_one_token_draw_from_one_budget() -> None:
    book = BudgetBook()
    budgets = {id(book.for_source(mastodon(f"source-{n}"))) for n in range(10)}
    assert len(budgets) == 1
    assert credential_key(mastodon("a")) == "mastodon:social.example:BRAND_TOKEN"


def test_other_tokens_and_other_hosts_have_their_own_budgets() -> None:
    book = BudgetBook()
    keys = {book.for_source(s).credential for s in (
        mastodon("a"), mastodon("b", token_env="OTHER_TOKEN"), mastodon("c", base_url="https://other.example"),
        mastodon("d", token_env=None))}
    assert len(keys) == 4 and "mastodon:social.example:anonymous" in keys
