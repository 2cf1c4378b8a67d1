"""Making user text inert: HTML and Markdown escaping, safe links, CSV formula neutralisation."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# Cells starting with these are formulas in spreadsheet programs (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SAFE_SCHEMES = ("http", "https")
URL_FORBIDDEN = set('<>"\'`\\')
# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones that start markup anywhere in a line (links, emphasis, code, HTML, tables, entities).
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~&])")
WHITESPACE_RUN = re.compile(r"\s+")


def escape_html(value: object) -> str:
    """Text safe in HTML element content and quoted attributes."""
    return html.escape(str(value), quote=True)


def escape_markdown(value: object) -> str:
    """Text on one line that renders as itself in CommonMark/GFM, tables included."""
    one_line = WHITESPACE_RUN.sub(" ", str(value)).strip()
    return MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


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
