"""Rich renderings of the index's explanations and the relationship ledger (user text escaped)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

INPUT_KEYS = {
    "sentiment": ("positive", "negative", "neutral", "net", "net_shrunk", "prior"),
    "engagement": ("engagement", "followers", "rate", "rate_shrunk", "baseline"),
    "advocacy": ("shares", "quotes", "positive_mentions", "value_shrunk", "baseline"),
    "loyalty": ("engagers", "returning", "new", "share", "shrunk", "prior"),
    "responsiveness": ("closed", "in_time", "late", "unanswered", "pending", "median_reply_minutes", "shrunk"),
    "nps": ("reviews", "promoters", "passives", "detractors", "nps", "nps_shrunk"),
    "return_rate": ("helped", "returned", "share", "shrunk", "prior"),
    "survey_nps": ("answers", "promoters", "passives", "detractors", "nps", "nps_shrunk"),
    "retention": ("customers", "retained", "retention", "churn", "shrunk"),
    "email_engagement": ("campaigns", "recipients", "open_rate", "click_rate", "baseline_click_rate"),
    "web_engagement": ("visits", "rate", "baseline", "mean_visit_seconds"),
}


def fmt(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A number for a table cell; '-' for none."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:+d}" if signed else str(value)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _inputs(name: str, inputs: dict[str, Any]) -> str:
    parts = []
    for key in INPUT_KEYS.get(name, ()):
        value = inputs.get(key)
        fine = key in ("rate", "rate_shrunk", "baseline") and name in ("engagement", "web_engagement")
        digits = 4 if fine or key.endswith("click_rate") else 2
        parts.append(f"{key} {fmt(value, digits)}")
    return ", ".join(parts)


def explain_view(explanation: dict[str, Any]) -> RenderableType:
    """The day's index, its change, a table of components, and the items behind each."""
    e = explanation
    previous = e["previous"]
    head = Text(f"RoR index for {e['profile']} on {e['day']}" + (" (provisional)" if e["provisional"] else ""),
                style="bold")
    change = (f"daily {fmt(e['daily_index'])} ({fmt(e['change']['daily_index'], signed=True)} vs "
              f"{previous['day'] if previous else 'no previous day'}), running {fmt(e['running_index'])} "
              f"({fmt(e['change']['running_index'], signed=True)}); coverage {fmt(e['coverage'], 2)} "
              f"({', '.join(e['used_components']) or 'no components'}); formula {e['formula_version']}")
    from listener.read.ror_percent import describe_ror_percent  # it reads the store: loaded by the command only

    table = Table(title="components (largest effect first)")
    for header in ("component", "score", "previous", "change", "weight", "effect", "inputs"):
        table.add_column(header, justify="left" if header in ("component", "inputs") else "right")
    ordered = sorted(e["components"].items(), key=lambda kv: -abs(kv[1]["effect"]))
    for name, c in ordered:
        table.add_row(name, fmt(c["score"]), fmt(c["previous_score"]), fmt(c["change"], signed=True),
                      fmt(c["weight"], 2), fmt(c["effect"], 2, signed=True), escape(_inputs(name, c["inputs"])))
    return Group(head, Text(change), table, Text(describe_ror_percent(e["ror_percent"])),
                 *(_items_table(n, c["items"]) for n, c in ordered if c["items"]))


def _items_table(name: str, items: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{name}: what moved it", title_justify="left", show_header=False, box=None)
    for header in ("value", "note", "who", "text / link"):
        table.add_column(header, overflow="fold")
    for item in items:
        text = " ".join(filter(None, [item.get("text"), item.get("url")]))
        table.add_row(fmt(item["value"], 2), escape(item["note"]), escape(f"@{item['author']}" if item.get("author")
                      else item.get("author_external_id") or "?"), escape(text))
    return table


def people_table(profile: str, people: list[dict[str, Any]], sort: str) -> Table:
    """The ledger as a table."""
    table = Table(title=f"people of {profile}, by {sort}")
    headers = ("who", "first seen", "last seen", "days", "interactions", "likes/shares/mentions",
               "replies got", "median reply min", "sentiment +/-/0", "mean", "returning", "back after help",
               "linked to")
    for header in headers:
        table.add_column(header, justify="left" if header in ("who", "linked to") else "right",
                         overflow="fold" if header in ("who", "linked to") else "ellipsis")
    for p in people:
        table.add_row(escape(_who(p)), p["first_seen_at"][:10], p["last_seen_at"][:10], str(p["active_days"]),
                      str(p["interactions"]), f"{p['likes']}/{p['shares']}/{p['mentions']}",
                      str(p["replies_received"]), fmt(p["median_reply_minutes"]),
                      f"{p['positive']}/{p['negative']}/{p['neutral']}", fmt(p["mean_compound"], 2),
                      "yes" if p["returning"] else "no",
                      (p["returned_at"] or "")[:10] or ("no" if p["helped_at"] else "-"), escape(_linked(p)))
    return table


def _linked(person: dict[str, Any]) -> str:
    """The person's other linked identities (hashed ones as kind #short-hash), or '-'."""
    linked = person.get("linked")
    if not linked:
        return "-"
    own = (person["platform"], (person.get("handle") or "").lower())
    shown = [i["shown"] for i in linked["identities"] if (i.get("platform"), i.get("handle")) != own]
    return ", ".join(shown) or "-"


def _who(person: dict[str, Any]) -> str:
    return f"@{person['handle']}" if person.get("handle") else f"{person['platform']}:{person['author_external_id']}"


def person_view(history: dict[str, Any]) -> RenderableType:
    """One person's ledger line, sentiment over time, latest items and likes/shares."""
    p = history["person"]
    head = Text(f"{_who(p)} ({p['platform']}:{p['author_external_id']})", style="bold")
    summary = Text(
        f"first seen {p['first_seen_at'][:16]}, last seen {p['last_seen_at'][:16]}, {p['active_days']} active days, "
        f"{p['interactions']} interactions ({p['items']} items, {p['likes']} likes, {p['shares']} shares, "
        f"{p['mentions']} mentions); {p['replies_received']} replies from the brand, median "
        f"{fmt(p['median_reply_minutes'])} min; mean sentiment {fmt(p['mean_compound'], 2)}; "
        f"returning: {'yes' if p['returning'] else 'no'}; helped {(p['helped_at'] or '-')[:10]}, "
        f"came back {(p['returned_at'] or '-')[:10]}")
    days = Table(title="sentiment over time", title_justify="left")
    for header in ("day", "interactions", "+/-/0", "mean compound", ""):
        days.add_column(header, justify="right")
    for d in history["days"]:
        days.add_row(d["day"], str(d["interactions"]), f"{d['positive']}/{d['negative']}/{d['neutral']}",
                     fmt(d["mean_compound"], 2), "first" if d["first"] else "returning" if d["returning"] else "")
    items = Table(title="latest items", title_justify="left")
    for header in ("when", "kind", "compound", "brand reply (min)", "text / link"):
        items.add_column(header, overflow="fold")
    for i in history["items"]:
        items.add_row(i["created_at"][:16], i["kind"], fmt(i["compound"], 2), fmt(i["brand_reply_minutes"]),
                      escape(" ".join(filter(None, [" ".join(i["text"].split())[:140], i["url"]]))))
    return Group(head, summary, days, items, *_across_channels(history))


def _across_channels(history: dict[str, Any]) -> list[RenderableType]:
    """The linked identities and one timeline across social and CRM channels, when the person is linked."""
    across = history.get("across_channels")
    if not across:
        return [Text("not linked to any CRM, survey or mapping identity")]
    linked = Text("linked to: " + ", ".join(i["shown"] for i in history["person"]["linked"]["identities"]))
    timeline = Table(title="across channels (social and CRM)", title_justify="left")
    for header in ("when", "channel", "what"):
        timeline.add_column(header, overflow="fold")
    for event in across["timeline"]:
        timeline.add_row(event["at"][:16], event["channel"], escape(event["what"]))
    return [linked, timeline]
