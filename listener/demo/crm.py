"""The demo brand's CRM, NPS, newsletter and website exports, tied to the demo world.

Pure and deterministic: the same world, `now` and seed give the same files. Some of the people the
brand answered on Mastodon are customers whose CRM row names their handle (that is how they are
linked); some of them order again after the answer, some refer a friend, some never come back.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from listener.demo.dataset import BAD_STRETCH_DAYS, DAY_SECONDS, DemoAccount, DemoWorld

CRM_SEED = 29
LINKED_SHARE = 0.6  # of the people the brand answered, the share whose CRM row names their handle
CAME_BACK_SHARE = 0.45  # of those, the share who order again after the answer
OFFLINE_CUSTOMERS = 30  # customers who never appear on social (tickets, orders, surveys only)
DOMAIN = "customers.example"
MIN_GAP_SECONDS = 600.0  # nothing in the exports is newer than this before `now`
CAMPAIGN_WEEKS = 26  # a weekly newsletter, long enough for the e-mail baseline
WEB_DAYS = 70  # website days, long enough for the website baseline


@dataclass(frozen=True)
class DemoCrm:
    """The four CSV files the demo imports, as text, and the people behind them."""

    customers: str
    orders: str
    tickets: str
    nps: str
    email_campaigns: str
    web_days: str
    linked_answered: int
    came_back: int


def answered_people(world: DemoWorld) -> dict[str, float]:
    """Account id -> offset of the brand's first answer to them (seconds before now)."""
    by_seq = {s.seq: s for s in world.statuses}
    first: dict[str, float] = {}
    for status in world.statuses:
        if status.kind == "brand_reply" and status.in_reply_to is not None:
            asker = by_seq[status.in_reply_to].account_id
            first[asker] = max(first.get(asker, 0.0), status.offset)  # larger offset = earlier
    return first


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class _CrmBuilder:
    """Draws every row from one rng, in a fixed order."""

    def __init__(self, world: DemoWorld, now: datetime, rng: random.Random) -> None:
        self.world, self.now, self.rng = world, now, rng
        self.customers: list[tuple[object, ...]] = []
        self.orders: list[tuple[object, ...]] = []
        self.tickets: list[tuple[object, ...]] = []
        self.nps: list[tuple[object, ...]] = []

    def at(self, offset: float) -> str:
        """The moment `offset` seconds before now, as ISO 8601 UTC."""
        return (self.now - timedelta(seconds=max(offset, MIN_GAP_SECONDS))).isoformat(timespec="seconds")

    def email(self, number: int) -> str:
        return f"customer{number:03d}@{DOMAIN}"

    def add_customer(self, number: int, handle: str, signup_offset: float, referred_by: str = "") -> str:
        customer_id = f"C{number:03d}"
        self.customers.append((customer_id, self.email(number), handle, self.at(signup_offset), referred_by))
        return customer_id

    def add_order(self, customer_id: str, offset: float) -> None:
        amount = f"{self.rng.choice((19.95, 34.5, 89.0, 149.0, 249.0)):.2f}".replace(".", ",")
        self.orders.append((f"O{len(self.orders) + 1:04d}", customer_id, self.at(offset), amount))

    def add_answer(self, number: int, offset: float, happy: bool) -> None:
        score = self.rng.choice((9, 10, 10, 8)) if happy else self.rng.choice((2, 5, 6, 7, 8))
        self.nps.append((f"R{len(self.nps) + 1:04d}", score, self.at(offset), self.email(number), ""))


def _campaigns(builder: _CrmBuilder) -> str:
    """A weekly newsletter's reports; clicks sag in the weeks of the demo's bad stretch."""
    rows: list[tuple[object, ...]] = []
    for week in range(CAMPAIGN_WEEKS, 0, -1):
        offset = week * 7 * DAY_SECONDS - 9 * 3600
        recipients = 1400 - 8 * week + builder.rng.randrange(30)
        bad = any(week * 7 - 7 <= day <= week * 7 for day in BAD_STRETCH_DAYS)
        opens = int(recipients * builder.rng.uniform(0.36, 0.44))
        clicks = int(recipients * builder.rng.uniform(0.015, 0.025) if bad else recipients * builder.rng.uniform(
            0.035, 0.05))
        rows.append((f"news-{CAMPAIGN_WEEKS - week + 1:02d}", builder.at(offset), recipients, opens, clicks,
                     builder.rng.randrange(4)))
    return _table(("campaign_id", "sent_at", "recipients", "opens", "clicks", "unsubscribes"), rows)


def _web_days(builder: _CrmBuilder) -> str:
    """The shop's daily visits and conversions, the last complete day first-last; fewer sales in the bad stretch."""
    rows: list[tuple[object, ...]] = []
    for day in range(WEB_DAYS, 0, -1):
        moment = builder.now - timedelta(days=day)
        visits = int(builder.rng.uniform(300, 420) * (0.8 if moment.weekday() >= 5 else 1.0))
        rate = builder.rng.uniform(0.008, 0.014) if day in BAD_STRETCH_DAYS else builder.rng.uniform(0.02, 0.03)
        rows.append((moment.date().isoformat(), visits, int(visits * 0.8), int(visits * 2.6),
                     f"{builder.rng.uniform(0.4, 0.55):.3f}", f"{builder.rng.uniform(60, 140):.0f}",
                     round(visits * rate)))
    return _table(("day", "visits", "visitors", "pageviews", "bounce_rate", "visit_duration_seconds", "conversions"),
                  rows)


def _handle(account: DemoAccount) -> str:
    return f"mastodon:@{account.acct}"


def build_demo_crm(world: DemoWorld, now: datetime, seed: int = CRM_SEED) -> DemoCrm:
    """The demo's CRM export (customers, orders, tickets) and NPS survey export, tied to `world`."""
    builder = _CrmBuilder(world, now, random.Random(seed))
    rng = builder.rng
    history = world.days * DAY_SECONDS
    answered = answered_people(world)
    linked = [a for a in world.accounts[1:] if a.id in answered and not a.bot and rng.random() < LINKED_SHARE]
    came_back = 0
    for number, account in enumerate(linked, start=1):
        helped = answered[account.id]
        signup = history + rng.uniform(30, 700) * DAY_SECONDS
        customer_id = builder.add_customer(number, _handle(account), signup)
        builder.add_order(customer_id, signup - rng.uniform(0, 3) * DAY_SECONDS)
        builder.add_order(customer_id, helped + rng.uniform(2, 60) * DAY_SECONDS)  # a purchase before the help
        returns = rng.random() < CAME_BACK_SHARE
        if returns:
            came_back += 1
            builder.add_order(customer_id, rng.uniform(MIN_GAP_SECONDS, helped - MIN_GAP_SECONDS))
        if rng.random() < 0.5:
            builder.add_answer(number, rng.uniform(MIN_GAP_SECONDS, helped), happy=returns)
    for extra in range(OFFLINE_CUSTOMERS):
        number = len(linked) + extra + 1
        referrer = f"C{rng.randrange(1, len(linked) + 1):03d}" if linked and rng.random() < 0.2 else ""
        signup = rng.uniform(MIN_GAP_SECONDS, history) if referrer else history + rng.uniform(30, 700) * DAY_SECONDS
        customer_id = builder.add_customer(number, "", signup, referrer)
        builder.add_order(customer_id, signup - rng.uniform(0, 3) * DAY_SECONDS)
        if rng.random() < 0.4:
            resolved = rng.uniform(5, world.days) * DAY_SECONDS
            builder.tickets.append((f"T{len(builder.tickets) + 1:04d}", builder.at(resolved), customer_id))
            if rng.random() < 0.5:
                builder.add_order(customer_id, resolved - rng.uniform(1, 4) * DAY_SECONDS)
        if rng.random() < 0.5:
            builder.add_answer(number, rng.uniform(MIN_GAP_SECONDS, history), happy=rng.random() < 0.6)
    return DemoCrm(
        customers=_table(("customer_id", "email", "social_handle", "created_at", "referred_by"), builder.customers),
        orders=_table(("order_id", "customer_id", "ordered_at", "amount"), builder.orders),
        tickets=_table(("ticket_id", "resolved_at", "customer_id"), builder.tickets),
        nps=_table(("response_id", "score", "submitted_at", "email", "comment"), builder.nps),
        email_campaigns=_campaigns(builder), web_days=_web_days(builder),
        linked_answered=len(linked), came_back=came_back)
