"""Plain text from the HTML fragments platforms send (Mastodon `content`, Discourse `cooked`)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Runs of blanks other than a lone space (which stays as it is): each becomes one space, lines untouched.
_BLANKS = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")
_BLOCK_TAGS = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
# A start or end tag in its plainest form: a letters-and-digits name, attributes with a plain name and a
# quoted (no < or > inside) or bare value. HTMLParser reads every such tag as a tag of that name.
_PLAIN_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*"""
                        r"""(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+))?)*)\s*(/?)>""")
# Elements whose content HTMLParser reads as raw text (script, style; textarea and title in newer Pythons), and
# their kin: the parser decides.
_RAW_TEXT_TAGS = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
                  "plaintext"}


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, a line break per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS and self.parts:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, entities decoded; links keep their full text."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    parts = _plain_parts(fragment)
    return tidy_text("".join(parser_parts(fragment) if parts is None else parts))


def parser_parts(fragment: str) -> list[str]:
    """The text pieces and block line breaks of any fragment, as html.parser reads it."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return parser.parts


def _plain_parts(fragment: str) -> list[str] | None:
    """`parser_parts` for a fragment whose every `<` opens a plain tag, in one regex pass (5x faster); else None.

    What lies between the tags is decoded as html.parser decodes it (entities, one piece at a time);
    anything else (comments, a stray `<`, script or style, an end tag with attributes) goes to the parser.
    """
    parts: list[str] = []
    at = 0
    for tag in _PLAIN_TAG.finditer(fragment):
        if tag.start() > at:
            text = fragment[at : tag.start()]
            if "<" in text:
                return None
            parts.append(unescape(text))
        closing, name, attributes, slash = tag.groups()
        name = name.lower()
        if name in _RAW_TEXT_TAGS or (closing and (attributes or slash)):
            return None
        if not closing and name in _BLOCK_TAGS and parts:
            parts.append("\n")
        at = tag.end()
    if at < len(fragment):
        text = fragment[at:]
        if "<" in text:
            return None
        parts.append(unescape(text))
    return parts


def tidy_text(text: str) -> str:
    """Runs of spaces made one, each line trimmed, blank ends dropped."""
    # _BLANKS matches only where one of these is: five scans for a substring cost a sixth of the regex's one
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = _BLANKS.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    return "\n".join(line.strip() for line in text.split("\n")).strip()
