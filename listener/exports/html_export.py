"""A self-contained HTML page for people: inline CSS and SVG, no script, no external request, phone-friendly."""

from __future__ import annotations

from collections.abc import Sequence

from listener.exports import present
from listener.exports.chart import Line, component_lines, index_lines, render_chart
from listener.exports.columns import show
from listener.exports.model import ListedItem, WeeklySummary
from listener.exports.safety import escape_html, safe_url

h = escape_html
# Defence in depth: even if some text escaped escaping, the page may run no script and load nothing.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
                           " form-action 'none'")
STYLE = """
:root{color-scheme:light;--ink:#1d1d1f;--muted:#5f6368;--line:#e2e4e8;--accent:#0b57d0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f7f9}
main{max-width:900px;margin:0 auto;padding:16px}
h1{font-size:1.35rem;margin:.2em 0}h2{font-size:1.1rem;margin:1.6em 0 .5em}
.span,.note{color:var(--muted);font-size:.9rem}
caption{text-align:left;padding:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{flex:1 1 150px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .value{font-size:1.4rem;font-weight:600}.card .label,.card .delta{color:var(--muted);font-size:.85rem}
.provisional-notes{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;font-size:.9rem}
.empty{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
svg.chart{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;margin:6px 0 0;padding:0;font-size:.85rem}
.swatch{display:inline-block;width:18px;height:0;border-top:3px solid;vertical-align:middle;margin-right:5px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;background:#fff;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:#fff}
tr.group th{background:#f0f2f5;text-align:left}
th.provisional::after{content:" *";color:#b07d00}
ol.items{padding-left:1.4em}
ol.items li{margin:0 0 12px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.facts{color:var(--muted);font-size:.85rem;margin:0 0 4px}.text{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
a{color:var(--accent)}
"""


def _head(summary: WeeklySummary) -> str:
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{h(CONTENT_SECURITY_POLICY)}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f"<title>{h(present.title(summary))}</title>\n<style>{STYLE}</style>\n</head>\n")


def _card(label: str, value: str, delta: str = "") -> str:
    extra = f'<div class="delta">{h(delta)}</div>' if delta else ""
    return f'<div class="card"><div class="label">{h(label)}</div><div class="value">{h(value)}</div>{extra}</div>'


def _cards(summary: WeeklySummary) -> str:
    total, index = summary.total, summary.index
    end = index.end.running_index if index.end else None
    cards = [
        _card("Running index", show(end, "score"), f"{show(index.running_change, 'signed1')} over the week"),
        _card("Net sentiment", show(total.sentiment.net, "signed2"),
              f"{show(total.sentiment.net_change, 'signed2')} vs week before"),
        _card("Engagement rate", show(total.engagement.rate, "percent2"),
              f"{show(total.engagement.total)} interactions"),
        _card("Response rate", show(total.responses.rate, "percent0"),
              f"median {show(total.responses.median_minutes, 'minutes')}"),
        _card("Engagers", show(total.engagers.total),
              f"{show(total.engagers.new)} new, {show(total.engagers.returning)} returning"),
    ]
    return f'<section class="cards">{"".join(cards)}</section>\n'


def _table(headers: Sequence[str], rows: Sequence[present.Row], caption: str) -> str:
    head = "".join(f'<th scope="col">{h(x)}</th>' for x in headers)
    body = []
    for row in rows:
        if row.is_heading:
            body.append(f'<tr class="group"><th colspan="{len(headers)}" scope="rowgroup">{h(row.label)}</th></tr>')
            continue
        mark = ' class="provisional"' if row.provisional else ""
        cells = "".join(f"<td>{h(c)}</td>" for c in row.cells)
        body.append(f'<tr><th scope="row"{mark}>{h(row.label)}</th>{cells}</tr>')
    return (f'<div class="scroll"><table><caption class="note">{h(caption)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>\n')


def _legend(lines: Sequence[Line], provisional: bool) -> str:
    entries = []
    for line in lines:
        style = f"border-top-color:{line.color};" + ("border-top-style:dashed;" if line.dash else "")
        entries.append(f'<li><span class="swatch" style="{h(style)}"></span>{h(line.label)}</li>')
    if provisional:
        entries.append('<li>○ provisional day</li>')
    return f'<ul class="legend">{"".join(entries)}</ul>'


def _item(item: ListedItem, facts: str) -> str:
    url = safe_url(item.url)
    link = f' · <a href="{h(url)}" rel="noopener noreferrer">open</a>' if url else ""
    return (f'<li><p class="facts">{h(facts)}{link}</p>'
            f'<p class="text">{h(present.item_text(item))}</p></li>')


def _items(heading: str, items: Sequence[ListedItem], summary: WeeklySummary, owned: bool) -> str:
    if not items:
        return f"<section><h2>{h(heading)}</h2><p class=\"note\">None this week.</p></section>\n"
    lines = [_item(i, present.owned_facts(i, summary) if owned
                   else f"{present.inbound_facts(i, summary)} · {present.author(i)}") for i in items]
    return f'<section><h2>{h(heading)}</h2><ol class="items">{"".join(lines)}</ol></section>\n'


def _founders(summary: WeeklySummary) -> str:
    """The founders' RoR % section, when the profile has imported CRM or survey data."""
    if summary.ror_percent is None:
        return ""
    sentences = "".join(f"<li>{h(line)}</li>" for line in present.founders_sentences(summary.ror_percent, summary))
    return (f"<section><h2>{h(present.FOUNDERS_HEADING)}</h2><ul>{sentences}</ul>"
            f'<p class="note">{h(present.FOUNDERS_NOTE)}</p></section>\n')


def _body(summary: WeeklySummary) -> str:
    notes = "".join(f"<li>{h(n)}</li>" for n in summary.provisional.notes)
    parts = [_cards(summary)]
    if notes:
        parts.append('<section class="provisional-notes"><strong>Provisional</strong> (marked *)'
                     f'<ul>{notes}</ul></section>\n')
    parts.append(f'<section><h2>RoR index</h2><figure>{render_chart(summary)}{_legend(index_lines(summary), True)}'
                 '</figure>\n'
                 f'<figure>{render_chart(summary, components=True)}{_legend(component_lines(summary), False)}'
                 '<figcaption class="note">Each component on its own scale of 0 to 100.</figcaption></figure>\n'
                 + _table(present.index_headers(summary), present.index_rows(summary), "Index and components, 0 to 100")
                 + f'<p class="note">{h(present.INDEX_NOTE)}</p></section>\n')
    parts.append(_founders(summary))
    parts.append("<section><h2>Figures by platform</h2>\n"
                 + _table(["", *present.platform_headers(summary)], present.figure_rows(summary),
                          "Per platform and in total")
                 + f'<p class="note">{h(present.windows_note(summary))}</p></section>\n')
    parts.append(_items("Top owned posts", summary.top_owned_posts, summary, owned=True))
    parts.append(_items("Most positive inbound items", summary.most_positive, summary, owned=False))
    parts.append(_items("Most negative inbound items", summary.most_negative, summary, owned=False))
    return "".join(parts)


def render_html(summary: WeeklySummary) -> str:
    """The whole page."""
    header = (f"<header><h1>{h(present.title(summary))}</h1>"
              f'<p class="span">{h(present.week_span(summary))} · generated {h(present.generated(summary))}'
              "</p></header>\n")
    content = (f'<p class="empty">{h(present.EMPTY_MESSAGE)}</p>\n{_founders(summary)}' if summary.empty
               else _body(summary))
    return f"{_head(summary)}<body>\n<main>\n{header}{content}</main>\n</body>\n</html>\n"


def render(summary: WeeklySummary) -> dict[str, str]:
    """File suffix -> content."""
    return {".html": render_html(summary)}
