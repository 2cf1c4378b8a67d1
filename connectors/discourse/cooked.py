"""What a Discourse post's author wrote, from its cooked HTML: no quoted posts, image captions or link previews."""

from __future__ import annotations

from html.parser import HTMLParser

from connectors.html_text import tidy_text

_BLOCK_TAGS = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "aside", "pre", "tr"}


def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
    return set((dict(attrs).get("class") or "").split())


class _CookedText(HTMLParser):
    """Text of cooked HTML, leaving out what Discourse adds around the author's words.

    Left out: `<aside class="quote">` (someone else's post), the `<div class="meta">` caption of
    a lightbox image (file name, pixel size, bytes) and `<aside class="onebox">` previews (another
    page's title and summary), which become the link the author pasted.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: tuple[str, int] | None = None  # the tag being left out and how deeply it nests

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is not None:
            if tag == self.skipping[0]:
                self.skipping = (tag, self.skipping[1] + 1)
            return
        classes = _classes(attrs)
        if tag in _BLOCK_TAGS and self.parts:
            self.parts.append("\n")
        if tag == "aside" and "onebox" in classes:
            self.parts.extend([dict(attrs).get("data-onebox-src") or "", "\n"])
            self.skipping = (tag, 1)
        elif tag == "div" and "lazy-video-container" in classes:  # a pasted video link, shown as a player
            video = dict(attrs)
            if video.get("data-provider-name") == "youtube" and video.get("data-video-id"):
                self.parts.extend([f"https://www.youtube.com/watch?v={video['data-video-id']}", "\n"])
            self.skipping = (tag, 1)
        elif (tag == "aside" and "quote" in classes) or (tag == "div" and "meta" in classes):
            self.skipping = (tag, 1)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping is not None and tag == self.skipping[0]:
            depth = self.skipping[1] - 1
            self.skipping = (tag, depth) if depth else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping is None and tag in _BLOCK_TAGS and self.parts:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping is None:
            self.parts.append(data)


def cooked_text(cooked: str) -> str:
    """Plain text of a post's cooked HTML: the author's words and links, not what Discourse added."""
    parser = _CookedText()
    parser.feed(cooked)
    parser.close()
    return "\n".join(line for line in tidy_text("".join(parser.parts)).split("\n") if line)
