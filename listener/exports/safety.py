"""Making user text inert: HTML and Markdown escaping, safe links, CSV formula neutralisation."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# Cells starting with these are formulas in spreadsheet programs (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SAFE_SCHEMES = ("http", "https")
URL_FORBIDDEN = set('<>"\'`\\')
# These start markup anywhere in a line (links and images need "[", emphasis, code, HTML,
# tables, strikethrough, entities); escaping only them keeps "Pre-orders" and "Great job!"
# readable in the Markdown source.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# These start a block only at the beginning of a line: headings, lists, quotes.
MARKDOWN_LINE_START = re.compile(r"^(?:([#+\-])|(\d+)([.)]))")
WHITESPACE_RUN = re.compile(r"\s+")


def escape_html(value: object) -> str:
    """Text safe in HTML element content and quoted attributes."""
    return html.escape(str(value), quote=True)


def escape_markdown(value: object) -> str:
    """Text on one line that renders as itself in CommonMark/GFM, tables included."""
    one_line = MARKDOWN_SPECIAL.sub(r"\\\1", WHITESPACE_RUN.sub(" ", str(value)).strip())
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
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
