"""Module bodies: Markdown → tokens (with source lines) → HTML.

CommonMark + tables, strikethrough, definition lists, footnotes, fenced code highlighted by
Pygments, `::: kind [title]` callouts and captioned figures. The body is cut into `<section>`s
at its top heading level; those sections are what SCORM bookmarks and objective coverage refer
to.

A body may share its page with other modules (the single-SCO page, the PDF handout), so every
id it makes is scoped by its module: sections are `<module-id>-<slug>`, and what coursec numbers
(footnotes, callouts, tables, code blocks) is `<module-id>--<name>`: a slug never holds `--`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from html import unescape
from typing import Literal
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from coursec.markdown_rules import (
    figures,
    highlight_code,
    inline_text,
    parse_callout_info,
    render_callout,
    render_code,
    render_footnote_anchor,
    render_footnote_open,
    render_footnote_ref,
    render_table,
    scope_ids,
    wrap_sections,
)

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
_RAW_IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_ATTRIBUTE = r"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
_SRC = re.compile(_ATTRIBUTE.format(name="src"), re.IGNORECASE)
_ALT = re.compile(_ATTRIBUTE.format(name="alt"), re.IGNORECASE)

_ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd",
    "li", "mark", "ol", "p", "pre", "s", "section", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_STYLES = {"text-align"}  # what table cells' alignment (`:---:`) needs
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir"},
    "a": {"href", "aria-label"},
    "aside": {"aria-labelledby"},
    "div": {"aria-label", "aria-labelledby"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
}
# the roles coursec gives callouts and scrolling regions, and nothing else
_ALLOWED_VALUES = {"aside": {"role": {"note"}}, "div": {"role": {"region"}, "tabindex": {"0"}}}


@dataclass(frozen=True, slots=True)
class Section:
    """One `<section>` of a module body: an id unique in the course, its heading, its text."""

    id: str
    title: str
    line: int  # 1-based line in the body text
    text: str
    repeated: bool = False  # an earlier heading had the same title: this id got a -2 suffix


@dataclass(frozen=True, slots=True)
class Reference:
    """A link or image URL as written, with the body line and column (1-based) of its URL."""

    kind: Literal["link", "image"]
    url: str
    line: int
    alt: str = ""
    col: int = 1


@dataclass(frozen=True, slots=True)
class Callout:
    kind: str
    line: int
    closed: bool = True  # False: no closing `:::`, so it swallowed the rest of the body


@dataclass(frozen=True, slots=True)
class ParsedBody:
    tokens: Sequence[Token]
    sections: tuple[Section, ...]
    references: tuple[Reference, ...]
    callouts: tuple[Callout, ...]
    raw_html_lines: tuple[int, ...]


@cache
def _parser(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": allow_html, "highlight": highlight_code, "typographer": False}
    )
    md.enable(["table", "strikethrough"])
    md.use(deflist_plugin).use(footnote_plugin)
    # the container plugin names its tokens after `name`; our `::: kind` syntax has any kind
    md.use(container_plugin, name="callout", validate=lambda _p, _m: True, render=render_callout)
    md.core.ruler.push("coursec_figures", figures)
    md.core.ruler.push("coursec_sections", wrap_sections)
    md.core.ruler.push("coursec_ids", scope_ids)
    for rule, render in (
        ("table_open", render_table),
        ("table_close", render_table),
        ("fence", render_code),
        ("code_block", render_code),
        ("footnote_ref", render_footnote_ref),
        ("footnote_open", render_footnote_open),
        ("footnote_anchor", render_footnote_anchor),
    ):
        md.add_render_rule(rule, render)
    return md


def _plain_text(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(inline_text(token))
            parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join("".join(parts).split())  # = re.sub(r"\s+", " ", ...).strip(), faster


def parse_body(text: str, section_prefix: str, allow_html: bool) -> ParsedBody:
    md = _parser(allow_html)
    tokens = md.parse(text, {"section_prefix": section_prefix})
    lines = text.split("\n")
    finder = _UrlFinder(lines)
    open_callouts: list[tuple[int, int]] = []  # (index in callouts, closing line)
    sections: list[Section] = []
    references: list[Reference] = []
    callouts: list[Callout] = []
    raw_html: list[int] = []
    current: list[Token] = []
    heads: list[Token] = []
    block_line = 1
    for token in tokens:
        if token.map:
            block_line = token.map[0] + 1
        if token.type == "section_open":
            heads.append(token)
            current = []
            continue
        if token.type == "section_close":
            head = heads[-1]
            sections.append(
                Section(
                    str(head.attrs["id"]),
                    head.meta["title"],
                    head.meta["line"],
                    _plain_text(current),
                    head.meta["repeated"],
                )
            )
            continue
        current.append(token)
        last_line = token.map[1] if token.map else len(lines)
        found: list[Reference] = []
        if token.type == "container_callout_open":
            end = (token.map or [0, 0])[1]
            closed = end < len(lines) and lines[end].strip().startswith(":::")
            if open_callouts and open_callouts[-1][1] == end:
                # the enclosing callout ends on this one's closing line: it was never closed
                # itself (a real nested callout has a longer fence and a closing line of its own)
                outer = open_callouts[-1][0]
                callouts[outer] = replace(callouts[outer], closed=False)
            open_callouts.append((len(callouts), end))
            callouts.append(Callout(parse_callout_info(token.info)[0], block_line, closed))
        elif token.type == "container_callout_close":
            open_callouts.pop()
        if token.type == "html_block":
            raw_html.append(block_line)
            if allow_html:
                found += _raw_images(token.content, block_line)
        line = block_line  # the line of each inline token: a line break moves it on
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                found.append(Reference("link", str(child.attrs.get("href", "")), line))
            elif child.type == "image":
                alt = "".join(c.content for c in child.children or [])
                found.append(Reference("image", str(child.attrs.get("src", "")), line, alt))
            elif child.type == "html_inline" or (
                child.type == "text" and not allow_html and _HTML_TAG.search(child.content)
            ):
                raw_html.append(line)
                if allow_html and child.type == "html_inline":
                    found += _raw_images(child.content, line)
        references += (finder.place(reference, last_line) for reference in found)
    return ParsedBody(tokens, tuple(sections), tuple(references), tuple(callouts), tuple(raw_html))


class _UrlFinder:
    """Where each reference's URL is written: diagnostics about a link point at its URL.

    Tokens know their block's first line; a URL is looked for from the line its link starts
    on to the end of the block, past URLs already found (the same URL twice on one line).
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.taken: dict[int, int] = {}  # line → column just after the last URL found on it

    def place(self, reference: Reference, last_line: int) -> Reference:
        for written in dict.fromkeys((reference.url, unquote(reference.url))):
            if not written:
                continue
            for number in range(reference.line, min(last_line, len(self.lines)) + 1):
                at = _url_at(self.lines[number - 1], written, self.taken.get(number, 0))
                if at >= 0:
                    self.taken[number] = at + len(written)
                    return replace(reference, line=number, col=at + 1)
        return reference


def _url_at(line: str, url: str, start: int) -> int:
    """Where `url` is first written in `line` from `start` as a URL: at the line's start or after
    `(`, `<`, a quote, `=`, `:` or a space (not the same text in the link's words); else -1."""
    at = line.find(url, start)
    while at > 0 and not (line[at - 1] in "(<\"'=:" or line[at - 1].isspace()):
        at = line.find(url, at + 1)
    return at


def _attribute(pattern: re.Pattern[str], tag: str) -> str | None:
    found = pattern.search(tag)
    if found is None:
        return None
    return unescape(next(g for g in found.groups() if g is not None))


def _raw_images(html: str, line: int) -> list[Reference]:
    """The images of a raw HTML fragment, as references (so they are checked and copied)."""
    found: list[Reference] = []
    for tag in _RAW_IMG.findall(html):
        src = _attribute(_SRC, tag)
        if src:
            found.append(Reference("image", src, line, _attribute(_ALT, tag) or ""))
    return found


def _rewrite_raw_images(html: str, urls: Mapping[str, str]) -> str:
    """Raw `<img>`s pointed at their output files, or made links when they are remote."""

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = _attribute(_SRC, tag)
        if src is None:
            return tag
        if is_remote(src):
            label = escapeHtml((_attribute(_ALT, tag) or src) + " (external image)")
            return f'<a href="{escapeHtml(src)}">{label}</a>'
        if src in urls:
            return _SRC.sub(lambda _m: f' src="{escapeHtml(urls[src])}"', tag, count=1)
        return tag

    return _RAW_IMG.sub(rewrite, html)


def render_body(body: ParsedBody, urls: Mapping[str, str], allow_html: bool) -> str:
    """Render parsed tokens to safe HTML, rewriting local link/image URLs through `urls`."""
    md = _parser(allow_html)

    def rewrite(token: Token) -> None:
        token.attrs = dict(token.attrs)  # Token.copy() is shallow
        for attr in ("href", "src"):
            value = token.attrs.get(attr)
            if isinstance(value, str) and value in urls:
                token.attrs[attr] = urls[value]

    tokens = list(body.tokens)
    for index, token in enumerate(tokens):
        if token.type == "html_block" and _RAW_IMG.search(token.content):
            tokens[index] = token.copy(content=_rewrite_raw_images(token.content, urls))
            continue
        if not any(_needs_rewrite(c, urls) for c in token.children or []):
            continue  # the parsed tokens are shared: copy only what changes
        token = tokens[index] = token.copy()
        children = [c.copy() if _needs_rewrite(c, urls) else c for c in token.children or []]
        for child in children:
            if child.type == "html_inline":
                child.content = _rewrite_raw_images(child.content, urls)
            else:
                rewrite(child)
        token.children = [t for c in children for t in _unembed_remote_image(c)]
    html = md.renderer.render(tokens, md.options, {})
    return sanitize(html)


def _needs_rewrite(token: Token, urls: Mapping[str, str]) -> bool:
    if token.type == "html_inline":
        return bool(_RAW_IMG.search(token.content))
    if token.type not in ("link_open", "image"):
        return False
    url = token.attrs.get("href", token.attrs.get("src"))
    return isinstance(url, str) and (url in urls or (token.type == "image" and is_remote(url)))


def is_remote(url: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", url))


def _unembed_remote_image(token: Token) -> list[Token]:
    """An image on another server becomes a plain link to it: outputs make no outside requests."""
    src = token.attrs.get("src")
    if token.type != "image" or not isinstance(src, str) or not is_remote(src):
        return [token]
    label = "".join(c.content for c in token.children or []) or src
    return [
        Token("link_open", "a", 1, attrs={"href": src}),
        Token("text", "", 0, content=f"{label} (external image)"),
        Token("link_close", "a", -1),
    ]


def sanitize(html: str) -> str:
    """Defence in depth: no script, event handler or javascript: URL survives, whatever came in."""
    import nh3  # only rendering needs it, not loading (`coursec check`)

    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties=_ALLOWED_STYLES,  # no url(), expression() ... in a style
        tag_attribute_values=_ALLOWED_VALUES,
    )
