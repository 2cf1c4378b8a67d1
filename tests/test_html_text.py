"""HTML to text: the one-pass reading of plain markup says exactly what html.parser says, for any fragment."""

from __future__ import annotations

import random
import re

import pytest

from connectors.html_text import _plain_parts, html_to_text, parser_parts, tidy_text

TOKENS = (
    "<p>", "</p>", "<P>", "<br>", "<br/>", "<br />", "<BR/>", "</br>", '<div class="x">', "</div>", "<li>", "<h1>",
    '<a href="https://e.x/a?b=1&amp;c=2">', "<a href=x>", "<a href=x/>", "</a>", "<span class='invisible'>",
    "</span>", "<blockquote >", "<p\n>", "<p\tclass=a>", "<p/>", "<x-y>", "<x:y>", "<h7>", "<a/b>", "<a b c>",
    "<a b=>", "<a =b>", "<a href=`x`>", '<a title="x<y">', '<a title="x>y">', '<img src="a.png" alt=""/>',
    "<script>", "</script>", "<style>", "<textarea>", "<title>", "<!-- c -->", "<!--", "-->", "<!DOCTYPE html>",
    "<?pi?>", "<![CDATA[x]]>", "< p>", "</ p>", "</p class=x>", "<3", "<", ">",
    "&amp;", "&lt;", "&#39;", "&#x27;", "&#1;", "&#0;", "&bogus;", "&", "&amp", "&#", "&#x", "&nbsp;", "&copy",
    "hello", " world ", "\n", "\t", "\r\n", "  ", "\xa0", "é", "😀", '"', "'", "=", "/", "x/>",
)
MASTODON = ('<p>Hi <span class="h-card" translate="no"><a href="https://m.example/@acme" class="u-url mention">'
            '@<span>acme</span></a></span> <a href="https://e.x/a" target="_blank" rel="nofollow noopener">'
            '<span class="invisible">https://</span><span class="">e.x/a</span></a> &amp; &lt;3 it&#39;s</p>'
            "<p>two<br />lines</p>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def parsed(fragment: str) -> str:
    """What html_to_text said when html.parser read every fragment and blanks were tidied line by line."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    text = "".join(parser_parts(fragment))
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n")).strip()


def test_any_fragment_reads_as_html_parser_reads_it() -> None:
    rng = random.Random(18)
    fragments = ["".join(rng.choice(TOKENS) for _ in range(rng.randrange(1, 12))) for _ in range(4000)]
    assert [html_to_text(f) for f in fragments] == [parsed(f) for f in fragments]
    assert sum(_plain_parts(f) is not None for f in fragments) > 500, "the one-pass reading is exercised"


def test_mastodon_markup_is_read_in_one_pass_with_the_same_text() -> None:
    assert _plain_parts(MASTODON) is not None
    assert html_to_text(MASTODON) == parsed(MASTODON) == "Hi @acme https://e.x/a & <3 it's\ntwo\nlines"


@pytest.mark.parametrize("fragment", ["a <3 b", "<p>x<!-- hidden --></p>", "<script>if (a<b) x()</script>",
                                      "</p class=x>", '<a title="x<y">z</a>', "<style>p{}</style>t"])
def test_anything_but_plain_tags_goes_to_the_parser(fragment: str) -> None:
    assert _plain_parts(fragment) is None
    assert html_to_text(fragment) == parsed(fragment)


def test_blanks_are_tidied_as_line_by_line() -> None:
    rng = random.Random(7)
    pieces = (" ", "  ", "\t", "\r", "\n", "\f", "\v", "\xa0", "\u2003", "a", "bc", "\r\n", "\x85", "\u2028")
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12))) for _ in range(5000)]
    assert [tidy_text(t) for t in texts] == [
        "\n".join(_SPACE.sub(" ", line).strip() for line in t.split("\n")).strip() for t in texts]
