"""The demo's CRM and NPS exports: deterministic, tied to the people the demo brand answered, never in the future."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from listener.demo.crm import MIN_GAP_SECONDS, answered_people, build_demo_crm
from listener.demo.dataset import build_demo_world
from tests.conftest import FIXED_NOW


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_demo_crm_links_answered_people_by_handle_and_orders_after_the_answer() -> None:
    world = build_demo_world()
    crm = build_demo_crm(world, FIXED_NOW)
    assert crm == build_demo_crm(world, FIXED_NOW)  # deterministic
    answered = answered_people(world)
    by_acct = {f"mastodon:@{a.acct}": a for a in world.accounts}
    customers = rows(crm.customers)
    handles = [c["social_handle"] for c in customers if c["social_handle"]]
    assert len(handles) == crm.linked_answered and 0 < crm.linked_answered < len(answered)
    assert all(by_acct[h].id in answered for h in handles)  # only people the brand answered carry a handle
    orders = rows(crm.orders)
    moments = [datetime.fromisoformat(o["ordered_at"]) for o in orders]
    assert max(moments).timestamp() <= FIXED_NOW.timestamp() - MIN_GAP_SECONDS
    came_back = 0
    for customer in (c for c in customers if c["social_handle"]):
        helped = FIXED_NOW.timestamp() - answered[by_acct[customer["social_handle"]].id]
        after = [o for o in orders if o["customer_id"] == customer["customer_id"]
                 and datetime.fromisoformat(o["ordered_at"]).timestamp() > helped]
        came_back += bool(after)
    assert came_back == crm.came_back and 0 < came_back < crm.linked_answered
    scores = [int(r["score"]) for r in rows(crm.nps)]
    assert scores and all(0 <= s <= 10 for s in scores)
    assert {r["email"] for r in rows(crm.nps)} <= {c["email"] for c in customers}
