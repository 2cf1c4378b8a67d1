"""Making user text inert: HTML and Markdown escaping, safe links, CSV formula neutralisation."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

# Cells starting with these are formulas in spreadsheet programs (OWASP "CSV injection"); the
# full-width forms count too, since spreadsheets fold them to ASCII.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212", "\ufe62",
                    "\ufe63", "\ufe66", "\ufe6b")
# Characters that never belong in exported text: NUL and the other C0 controls except tab and
# newlines, and the bidirectional overrides and isolates that make text read in another order
# than it is stored ("Trojan Source").
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
SAFE_SCHEMES = ("http", "https")
URL_FORBIDDEN = set('<>"\'`\\')
# These start markup anywhere in a line (links and images need "[", emphasis, code, HTML,
# tables, strikethrough, entities); escaping only them keeps "Pre-orders" and "Great job!"
# readable in the Markdown source.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# These start a block only at the beginning of a line: headings, lists, quotes.
MARKDOWN_LINE_START = re.compile(r"^(?:([#+\-])|(\d+)([.)]))")
WHITESPACE_RUN = re.compile(r"\s+")


def inert_text(value: str) -> str:
    """The text without NUL, other control characters and bidirectional overrides."""
    return _INVISIBLE.sub("", value)


def inert_json(value: Any) -> Any:
    """A JSON-ready value with `inert_text` applied to every string in it."""
    if isinstance(value, str):
        return inert_text(value)
    if isinstance(value, dict):
        return {inert_text(str(k)): inert_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert_json(v) for v in value]
    return value


def escape_html(value: object) -> str:
    """Text safe in HTML element content and quoted attributes (control and bidi characters removed)."""
    return html.escape(inert_text(str(value)), quote=True)


def escape_markdown(value: object) -> str:
    """Text on one line that renders as itself in CommonMark/GFM, tables included."""
    one_line = MARKDOWN_SPECIAL.sub(r"\\\1", WHITESPACE_RUN.sub(" ", inert_text(str(value))).strip())
    return MARKDOWN_LINE_START.sub(lambda m: "\\" + m[1] if m[1] else f"{m[2]}\\{m[3]}", one_line)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link without spaces, quotes, brackets or control characters, else None."""
    if not url or any(ord(c) < 33 or c == "\x7f" or c in URL_FORBIDDEN for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if not isinstance(value, str):
        return value
    value = inert_text(value)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_PREFIXES) else value
