"""Markdown for people to paste into chat or a wiki; user text (posts, handles, links) is escaped."""

from __future__ import annotations

from collections.abc import Sequence

from listener.exports import present
from listener.exports.model import ListedItem, WeeklySummary
from listener.exports.safety import escape_markdown, safe_url

md = escape_markdown


def _table(headers: Sequence[str], rows: Sequence[present.Row]) -> list[str]:
    """A GFM table of our own labels and figures (no user text reaches a table)."""
    lines = ["| " + " | ".join(headers) + " |", "|---" + "|--:" * (len(headers) - 1) + "|"]
    for row in rows:
        if row.is_heading:
            lines.append(f"| **{row.label}** |" + " |" * (len(headers) - 1))
            continue
        label = row.label + (r" \*" if row.provisional else "")
        lines.append("| " + " | ".join([label, *row.cells]) + " |")
    return lines


def _link(url: str | None) -> str:
    checked = safe_url(url)
    return f" [link](<{checked}>)" if checked else ""


def _items(heading: str, items: Sequence[ListedItem], facts: str, summary: WeeklySummary) -> list[str]:
    lines = [f"## {heading}", ""]
    if not items:
        return [*lines, "None this week.", ""]
    for rank, item in enumerate(items, start=1):
        if facts == "owned":
            described = present.owned_facts(item, summary)
        else:
            described = f"{present.inbound_facts(item, summary)} · {md(present.author(item))}"
        lines.append(f"{rank}. {described}: {md(present.item_text(item))}{_link(item.url)}")
    return [*lines, ""]


def _provisional(summary: WeeklySummary) -> list[str]:
    notes = summary.provisional.notes
    if not notes:
        return []
    return ["> **Provisional** (marked \\*): " + " ".join(notes), ""]


def _founders(summary: WeeklySummary) -> list[str]:
    """The founders' RoR % section, when the profile has imported CRM or survey data."""
    if summary.ror_percent is None:
        return []
    sentences = present.founders_sentences(summary.ror_percent, summary)
    return [f"## {present.FOUNDERS_HEADING}", "", *(f"- {line}" for line in sentences), "",
            present.FOUNDERS_NOTE, ""]


def render_markdown(summary: WeeklySummary) -> str:
    """The whole summary as CommonMark with GFM tables."""
    lines = [f"# {present.title(summary)}", "",
             f"**Week:** {present.week_span(summary)} · generated {present.generated(summary)}", ""]
    if summary.empty:
        return "\n".join([*lines, present.EMPTY_MESSAGE, "", *_founders(summary)]).rstrip("\n") + "\n"
    lines += _provisional(summary)
    lines += ["## RoR index", "", *_table(present.index_headers(summary), present.index_rows(summary)), "",
              present.INDEX_NOTE, ""]
    lines += _founders(summary)
    lines += ["## Figures by platform", "",
              *_table(["", *present.platform_headers(summary)], present.figure_rows(summary)), "",
              present.windows_note(summary), ""]
    lines += _items("Top owned posts", summary.top_owned_posts, "owned", summary)
    lines += _items("Most positive inbound items", summary.most_positive, "inbound", summary)
    lines += _items("Most negative inbound items", summary.most_negative, "inbound", summary)
    return "\n".join(lines).rstrip("\n") + "\n"


def render(summary: WeeklySummary) -> dict[str, str]:
    """File suffix -> content."""
    return {".md": render_markdown(summary)}
