"""Inline Markdown for short texts outside a module's body: knowledge-check prompts, choices,
items and feedback.

Only inline syntax is read (code spans, emphasis, strong, strikethrough, links, backslash
escapes, entities; raw HTML when the course allows it): a leading `#`, `-` or `1.` stays text,
since these texts sit inside a legend, a label or a list item. The HTML is sanitized by the
body's sanitizer (`coursec.markdown.sanitize`). Links keep only what works wherever the text
is shown (a module page, a SCO, the single-SCO page, the PDF):

* a link with a scheme (`https:`, `mailto:` ...) is kept as written (the sanitizer drops any
  other scheme, e.g. `javascript:`);
* `#slug` or `#<section-id>` names a heading or another anchor of the module's own page, as in
  the body: it is pointed at the real id;
* anything else (a file, another module, an anchor that is not on the page) cannot be followed
  from every output, so it is shown as its text; an image is shown as its alt text.

`coursec.quiz_text` reports each of those cases to the author. `InlineMarkdown.plain` gives
the text a reader sees (no Markdown syntax), for places that hold no markup: `<option>`s and
SCORM interaction descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from html.parser import HTMLParser
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from coursec.anchors import PageAnchors
from coursec.markdown import is_remote, sanitize

__all__ = ["InlineMarkdown", "InlineReference", "PageAnchors", "inline_references"]


@dataclass(frozen=True, slots=True)
class InlineReference:
    """A link or image of an inline text, as written."""

    kind: Literal["link", "image"]
    url: str


@dataclass(frozen=True, slots=True)
class InlineMarkdown:
    """Renders inline texts for one page: whether raw HTML is allowed, and its anchors."""

    allow_html: bool = False
    anchors: PageAnchors = field(default_factory=PageAnchors)

    def html(self, text: str) -> Markup:
        """`text` as sanitized HTML, safe to print in a template as it is."""
        return Markup(_render(text, self.allow_html, self.anchors))

    def plain(self, text: str) -> str:
        """`text` as a reader sees it, without markup: one line, spaces collapsed."""
        return _text_of(_render(text, self.allow_html, self.anchors))


def inline_references(text: str, allow_html: bool) -> tuple[list[InlineReference], bool]:
    """The links and images of `text`, and whether it holds raw HTML (parsed as if allowed)."""
    references = [
        InlineReference("image" if t.type == "image" else "link", _url(t))
        for t in _children(text, allow_html)
        if t.type in ("link_open", "image")
    ]
    raw_html = any(t.type == "html_inline" for t in _children(text, True))
    return references, raw_html


@cache
def _parser(allow_html: bool) -> MarkdownIt:
    """The body's options (`coursec.markdown`), without block syntax, footnotes or callouts."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["strikethrough"])
    return md


def _children(text: str, allow_html: bool) -> list[Token]:
    tokens = _parser(allow_html).parseInline(text, {})
    return [child for token in tokens for child in token.children or []]


def _url(token: Token) -> str:
    value = token.attrs.get("src" if token.type == "image" else "href", "")
    return str(value)


def _target(url: str, anchors: PageAnchors) -> str | None:
    """Where a link leads in every output, or None when it is shown as its text."""
    if url.startswith("#"):
        found = anchors.resolve(url[1:])
        return f"#{found}" if found is not None else None
    return url if is_remote(url) else None


@lru_cache(maxsize=4096)
def _render(text: str, allow_html: bool, anchors: PageAnchors) -> str:
    md = _parser(allow_html)
    kept: list[Token] = []
    unlinked = False  # inside a link shown as text (links do not nest)
    for token in _children(text, allow_html):
        if token.type == "link_open":
            target = _target(_url(token), anchors)
            unlinked = target is None
            if unlinked:
                continue
            token = token.copy(attrs={**token.attrs, "href": target})
        elif token.type == "link_close" and unlinked:
            unlinked = False
            continue
        elif token.type == "image":
            alt = "".join(c.content for c in token.children or [])
            token = Token("text", "", 0, content=alt)
        kept.append(token)
    line = Token("inline", "", 0, children=kept)
    return sanitize(md.renderer.render([line], md.options, {})).strip()


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, _attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append(" ")


def _text_of(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return re.sub(r"\s+", " ", "".join(collector.parts)).strip()
