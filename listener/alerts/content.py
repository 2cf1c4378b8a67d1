"""What an alert says: its title and facts, rendered as plain text, HTML (user text escaped) and JSON."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DETECTOR_NAMES = {
    "sentiment_drop": "sentiment drop", "volume_spike": "mention spike",
    "index_drop": "RoR index drop", "connector_down": "source down",
}
PAYLOAD_SCHEMA = "ror-alert/1"


@dataclass(frozen=True)
class AlertMessage:
    """One alert ready for any channel: title, labelled facts, the items behind it, a note."""

    alert_id: int
    profile: str
    detector: str
    condition: str
    title: str
    created_at: datetime
    facts: dict[str, Any]
    lines: list[tuple[str, str]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    @property
    def items_heading(self) -> str:
        """What the item list is."""
        return "Most negative items" if self.detector == "sentiment_drop" else "Items"

    def text(self) -> str:
        """The plain-text body."""
        parts = [self.title, "", *(f"{label}: {value}" for label, value in self.lines)]
        if self.items:
            parts += ["", f"{self.items_heading}:"]
            for item in self.items:
                parts.append(f"- {item_line(item, self.facts.get('timezone'))}")
                if safe_url(item.get("url")):
                    parts.append(f"  {item['url']}")
        if self.note:
            parts += ["", self.note]
        parts += ["", "-- ", f"ror-listener alert #{self.alert_id} for profile {self.profile}"]
        return "\n".join(parts) + "\n"

    def html(self) -> str:
        """A small self-contained HTML body; every value is escaped, links are http(s) only."""
        e = html.escape
        tz = self.facts.get("timezone")
        rows = "".join(f"<tr><th align=\"left\">{e(k)}</th><td>{e(v)}</td></tr>" for k, v in self.lines)
        body = [f"<h2>{e(self.title)}</h2>", f"<table cellpadding=\"4\">{rows}</table>"]
        if self.items:
            body.append(f"<h3>{e(self.items_heading)}</h3><ul>")
            for item in self.items:
                link = safe_url(item.get("url"))
                anchor = f"<br><a href=\"{e(link)}\">{e(link)}</a>" if link else ""
                body.append(f"<li><strong>{e(item_score(item))}</strong> {e(item_byline(item, tz))}"
                            f"<br>{e(item.get('text') or '')}{anchor}</li>")
            body.append("</ul>")
        if self.note:
            body.append(f"<p><em>{e(self.note)}</em></p>")
        body.append(f"<p style=\"color:#666\">ror-listener alert #{self.alert_id} for profile {e(self.profile)}</p>")
        return "<!DOCTYPE html>\n<html><body>" + "".join(body) + "</body></html>\n"

    def payload(self) -> dict[str, Any]:
        """The generic webhook's JSON document."""
        return {
            "schema": PAYLOAD_SCHEMA, "id": self.alert_id, "profile": self.profile, "detector": self.detector,
            "condition": self.condition, "title": self.title, "created_at": self.created_at.isoformat(),
            "observed_at": self.facts.get("observed_at"), "window_start": self.facts.get("window_start"),
            "provisional": bool(self.facts.get("provisional")), "text": self.text(),
            "facts": {k: v for k, v in self.facts.items() if k != "items"}, "items": self.items,
        }


def safe_url(url: Any) -> str | None:
    """The URL if it is http(s), else None (never link a javascript: or data: URL)."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


def local_time(value: str | None, timezone: str | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """An ISO time shown in the profile's time zone."""
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone(ZoneInfo(timezone or "UTC")).strftime(fmt)


def item_score(item: dict[str, Any]) -> str:
    """The sentiment compound as +0.00, or ? when unscored."""
    return f"{item['compound']:+.2f}" if item.get("compound") is not None else "?"


def item_byline(item: dict[str, Any], timezone: str | None) -> str:
    """@author (local time) of an item."""
    author = f"@{item['author']}" if item.get("author") else item.get("platform", "")
    return f"{author} ({local_time(item.get('created_at'), timezone, '%Y-%m-%d %H:%M')})"


def item_line(item: dict[str, Any], timezone: str | None) -> str:
    """One item as a line: score, author, time, text."""
    return f"{item_score(item)} {item_byline(item, timezone)}: {item.get('text') or ''}"


def _window(facts: dict[str, Any]) -> str:
    tz = facts.get("timezone")
    start = local_time(facts.get("window_start"), tz, "%Y-%m-%d %H:%M")
    end = local_time(facts.get("observed_at"), tz)
    held = facts.get("held_buckets") or 1
    span = f"{held} windows of {facts.get('window')} in a row" if held > 1 else f"one {facts.get('window')} window"
    return f"{start} to {end} ({span})"


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _sentiment_lines(f: dict[str, Any]) -> list[tuple[str, str]]:
    net, neg = f["readings"]["net"], f["readings"]["negative"]
    k = f["k"]
    below = net["baseline"] - max(k * net["sd"], net["margin"])
    above = neg["baseline"] + max(k * neg["sd"], neg["margin"])
    return [
        ("Window", _window(f)),
        ("Net sentiment", f"{net['value']:+.2f} (baseline {net['baseline']:+.2f} ± {net['sd']:.2f}; "
                          f"alerts below {below:+.2f})"),
        ("Negative share", f"{_pct(neg['value'])} (baseline {_pct(neg['baseline'])} ± {_pct(neg['sd'])}; "
                           f"alerts above {_pct(above)})"),
        ("Volume", f"{f['volume']} inbound items with a sentiment score in the last window "
                   f"(needs {f['min_volume']})"),
    ]


def _volume_lines(f: dict[str, Any]) -> list[tuple[str, str]]:
    return [("Window", _window(f)),
            ("Inbound items", f"{f['volume']} ({f['ratio']:.1f} x the baseline of {f['baseline']:.1f} "
                              f"± {f['sd']:.1f})")]


def _index_lines(f: dict[str, Any]) -> list[tuple[str, str]]:
    return [("Running RoR index",
             f"{f['value']:.1f} on {f['day']}, was {f['earlier_value']:.1f} on {f['earlier_day']}"),
            ("Change", f"down {f['drop']:.1f} points (alerts at {f['drop_points']:g})")]


def _connector_lines(f: dict[str, Any]) -> list[tuple[str, str]]:
    tz = f.get("timezone")
    hours, minutes = divmod(int(f["down_minutes"]), 60)
    return [
        ("Source", f"{f['source']} ({f.get('platform') or '?'})"),
        ("Failing since",
         f"{local_time(f['failing_since'], tz)} ({hours} h {minutes} min, {f['failed_runs']} failed runs)"),
        ("Last success", local_time(f.get("last_success_at"), tz) if f.get("last_success_at") else "never"),
        ("Last error", f.get("last_error") or f"run ended {f.get('last_status')}"),
    ]


LINES = {"sentiment_drop": _sentiment_lines, "volume_spike": _volume_lines,
         "index_drop": _index_lines, "connector_down": _connector_lines}
OUTAGE_NOTE = ("Sentiment and mention alerts for this profile wait until every source has synced again: "
               "an outage is not a quiet day.")
PROVISIONAL_NOTE = "Provisional: items for this window can still arrive, so the numbers may still move."


def title_for(detector: str, facts: dict[str, Any]) -> str:
    """The subject line of an alert."""
    profile = facts.get("profile", "?")
    if detector == "sentiment_drop":
        return f"[ror] {profile}: sentiment drop over the last {facts['window']}"
    if detector == "volume_spike":
        return f"[ror] {profile}: {facts['volume']} mentions in {facts['window']}, {facts['ratio']:.1f} x usual"
    if detector == "index_drop":
        return f"[ror] {profile}: RoR index down {facts['drop']:.1f} points in {facts['lookback_days']} days"
    if detector == "connector_down":
        return f"[ror] {profile}: source {facts['source']} down for {int(facts['down_minutes'])} min"
    return f"[ror] {profile}: {DETECTOR_NAMES.get(detector, detector)}"


def build_message(alert_id: int, detector: str, condition: str, title: str, created_at: datetime,
                  facts: dict[str, Any]) -> AlertMessage:
    """An AlertMessage from a stored alert."""
    note = OUTAGE_NOTE if detector == "connector_down" else PROVISIONAL_NOTE if facts.get("provisional") else None
    lines = LINES[detector](facts) if detector in LINES else []
    return AlertMessage(alert_id, str(facts.get("profile", "?")), detector, condition, title, created_at,
                        facts, lines, list(facts.get("items") or []), note)


def sample_message(profile: str, timezone: str, now: datetime) -> AlertMessage:
    """A made-up sentiment drop for `ror alerts test`, with user text that needs escaping."""
    start = (now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=12)).isoformat()
    facts: dict[str, Any] = {
        "profile": profile, "timezone": timezone, "detector": "sentiment_drop", "window": "6h",
        "window_start": start, "observed_at": now.isoformat(), "held_buckets": 2, "volume": 64,
        "min_volume": 20, "k": 3.0, "provisional": True,
        "readings": {"net": {"value": -0.21, "baseline": 0.55, "sd": 0.09, "worse": 0.76, "margin": 0.2},
                     "negative": {"value": 0.48, "baseline": 0.14, "sd": 0.04, "worse": 0.34, "margin": 0.1}},
        "items": [
            {"platform": "mastodon", "author": "sample@mastodon.example", "compound": -0.93,
             "text": "This is a TEST alert from ror-listener. <b>Tags</b> & [links](https://x.example) stay text.",
             "url": "https://mastodon.example/@sample/1", "created_at": now.isoformat()},
        ],
    }
    title = "[ror] TEST: " + title_for("sentiment_drop", facts).removeprefix("[ror] ")
    return build_message(0, "sentiment_drop", "test", title, now, facts)
