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
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from html import unescape
from typing import Any, Literal
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

CALLOUT_TITLES: dict[str, str] = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "example": "Example",
    "phrase": "A simplified phrase",
    "takeaway": "Practical takeaway",
    "flow": "Flow",
    "definition": "Definition",
}
# The kind's own word: it leads the accessible name of a callout with a title of its own
# ("Warning: Cascading deletes"); every default title already holds it.
CALLOUT_LABELS: dict[str, str] = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "example": "Example",
    "phrase": "Phrase",
    "takeaway": "Takeaway",
    "flow": "Flow",
    "definition": "Definition",
}
INTRO_TITLE = "Introduction"
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


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


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
def _lexer(lang: str) -> Any:
    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


_SPANS = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return ""  # markdown-it then renders a plain, escaped <pre><code>
    spans = str(highlight(code, lexer, _SPANS))
    return f'<pre class="cs-code"><code class="language-{lang}">{spans}</code></pre>\n'


def _render_callout(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    """A callout: a note named by its title, which starts with the kind's word when the author
    gave a title of their own ("Warning: Cascading deletes")."""
    token = tokens[idx]
    if token.nesting != 1:
        return "</aside>\n"
    kind, title = parse_callout_info(token.info)
    css_kind = kind if kind in CALLOUT_TITLES else "note"
    title_id = token.meta["cs_id"]
    if title == CALLOUT_TITLES.get(kind):
        heading = escapeHtml(title)
    else:
        label = CALLOUT_LABELS.get(kind, CALLOUT_LABELS["note"])
        heading = f'<span class="cs-callout__kind">{label}:</span> {escapeHtml(title)}'
    return (
        f'<aside class="cs-callout cs-callout--{css_kind}" role="note"'
        f' aria-labelledby="{title_id}">\n'
        f'<p class="cs-callout__title" id="{title_id}">{heading}</p>\n'
    )


def parse_callout_info(info: str) -> tuple[str, str]:
    """`example Goal misgeneralization` → ("example", "Goal misgeneralization")."""
    kind, _, title = info.strip().partition(" ")
    kind = kind.lower()
    return kind, title.strip() or CALLOUT_TITLES.get(kind, kind.capitalize())


def _region(token: Token, kind: str) -> str:
    """The opening of the focusable, named region a table or code block scrolls in."""
    rid, label = token.meta["cs_id"], token.meta["cs_label"]
    return (
        f'<div class="cs-scroll cs-scroll--{kind}" id="{rid}" role="region" tabindex="0"'
        f' aria-label="{escapeHtml(label)}">\n'
    )


def on_shared_page(html: str, module_id: str) -> str:
    """A rendered body as shown on a page of several modules (the single-SCO page): the name
    of each table and code region adds its module's title (`<module-id>-title`), so that no
    two regions of the page share a name ("Code 1: SQL" is in nearly every module)."""
    region = re.compile(
        rf'(<div class="cs-scroll [^"]*" id="({re.escape(module_id)}--(?:table|code)-\d+)"[^>]*)>'
    )
    return region.sub(rf'\1 aria-labelledby="\2 {module_id}-title">', html)


def _render_table(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    return _region(token, "table") + "<table>\n" if token.nesting == 1 else "</table>\n</div>\n"


def _render_code(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    plain = RendererHTML.fence if token.type == "fence" else RendererHTML.code_block
    return _region(token, "code") + plain(renderer, tokens, idx, options, env) + "</div>\n"


def _render_footnote_ref(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    scope, number, sub = token.meta["cs_scope"], token.meta["id"] + 1, token.meta.get("subId", -1)
    ref_id = f"{scope}fnref{number}" + (f"-{sub}" if sub > 0 else "")
    caption = renderer.rules["footnote_caption"](tokens, idx, options, env)
    return (
        f'<sup class="footnote-ref"><a href="#{scope}fn{number}" id="{ref_id}">{caption}</a></sup>'
    )


def _render_footnote_open(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    return f'<li id="{token.meta["cs_scope"]}fn{token.meta["id"] + 1}" class="footnote-item">'


def _render_footnote_anchor(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    number, sub = token.meta["id"] + 1, token.meta["subId"]
    ref_id = f"{token.meta['cs_scope']}fnref{number}" + (f"-{sub}" if sub > 0 else "")
    # U+FE0E: the arrow as text, not as an emoji (iOS)
    return (
        f' <a href="#{ref_id}" class="footnote-backref"'
        f' aria-label="Back to reference {number}">\u21a9\ufe0e</a>'
    )


def _scoped(prefix: str, name: str) -> str:
    """`<module-id>--<name>`, from the section prefix `<module-id>-`."""
    return f"{prefix}-{name}" if prefix else name


def _language(lang: str) -> str:
    """The name of a code block's language ("SQL", "Python"), or "" for plain text."""
    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return lang
    return "" if isinstance(lexer, TextLexer) else str(lexer.name)


def _table_label(tokens: Sequence[Token], start: int, number: int) -> str:
    """The table's name: its number and first column headers ("Table 2: Type, Family, …")."""
    heads: list[str] = []
    for token in tokens[start:]:
        if token.type in ("thead_close", "table_close"):
            break
        if token.type == "inline" and (text := " ".join(inline_text(token).split())):
            heads.append(text)
    label = f"Table {number}"
    if len(heads) > 3:
        return f"{label}: {', '.join(heads[:3])} and {len(heads) - 3} more columns"
    return f"{label}: {', '.join(heads)}" if heads else label


def _scope_ids(state: StateCore) -> None:
    """Number the body's tables, code blocks, callouts and footnotes, with module-scoped ids."""
    prefix: str = state.env.get("section_prefix", "")
    counts: Counter[str] = Counter()

    def number(token: Token, kind: str) -> int:
        counts[kind] += 1
        token.meta = {**token.meta, "cs_id": _scoped(prefix, f"{kind}-{counts[kind]}")}
        return counts[kind]

    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            token.meta["cs_label"] = _table_label(tokens, index, number(token, "table"))
        elif token.type in ("fence", "code_block"):
            language = _language(token.info.strip().split(" ")[0]) if token.info.strip() else ""
            label = f"Code {number(token, 'code')}"
            token.meta["cs_label"] = f"{label}: {language}" if language else label
        elif token.type == "container_callout_open":
            number(token, "callout")
        for footnote in (token, *(token.children or ())):
            if footnote.type in ("footnote_ref", "footnote_open", "footnote_anchor"):
                footnote.meta["cs_scope"] = _scoped(prefix, "")


def _figures(state: StateCore) -> None:
    """An image alone in its paragraph, with a title, becomes a figure captioned by the title."""
    tokens = state.tokens
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        opening = tokens[index]
        image = _lone_image(tokens, index)
        if image is None:
            out.append(opening)
            index += 1
            continue
        caption = str(image.attrs.pop("title"))
        inline = tokens[index + 1]
        inline.children = [image]
        opening.type, opening.tag, opening.attrs = "figure_open", "figure", {"class": "cs-figure"}
        level = opening.level + 1
        text = Token("text", "", 0, content=caption)
        out += [
            opening,
            inline,
            Token("figcaption_open", "figcaption", 1, level=level, block=True),
            Token("inline", "", 0, content=caption, children=[text], level=level + 1),
            Token("figcaption_close", "figcaption", -1, level=level, block=True),
            Token("figure_close", "figure", -1, level=opening.level, block=True),
        ]
        index += 3
    state.tokens = out


def _lone_image(tokens: Sequence[Token], index: int) -> Token | None:
    """The titled image that is all of the paragraph opened at `index`, if it is one."""
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open" or tokens[index].hidden:
        return None
    if tokens[index + 2].type != "paragraph_close":
        return None
    content = [
        c
        for c in tokens[index + 1].children or []
        if c.type != "softbreak" and not (c.type == "text" and not c.content.strip())
    ]
    if len(content) != 1 or content[0].type != "image" or not content[0].attrs.get("title"):
        return None
    return content[0]


def _wrap_sections(state: StateCore) -> None:
    """Cut the body into <section>s at its top heading level, demoting headings so it is h2."""
    tokens = state.tokens
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open" and t.level == 0]
    top = min(levels) if levels else 2
    shift = 2 - top
    prefix: str = state.env.get("section_prefix", "")
    used: set[str] = set()
    out: list[Token] = []
    open_section = False

    def open_(slug: str, title: str, line: int) -> None:
        nonlocal open_section
        if open_section:
            out.append(Token("section_close", "section", -1))
        sid = f"{prefix}{slug}"
        base, n = sid, 2
        while sid in used:
            sid, n = f"{base}-{n}", n + 1
        used.add(sid)
        opening = Token("section_open", "section", 1, attrs={"id": sid, "class": "cs-section"})
        opening.meta = {"title": title, "line": line, "repeated": sid != base}
        out.append(opening)
        open_section = True

    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift)}"
        if token.type == "heading_open" and token.level == 0 and int(token.tag[1]) == 2:
            title = inline_text(tokens[index + 1]).strip()
            open_(slugify(title), title, (token.map or [0])[0] + 1)
        elif not open_section and token.level == 0 and token.type != "footnote_block_open":
            open_("intro", INTRO_TITLE, (token.map or [0])[0] + 1)
        out.append(token)
    if open_section:
        out.append(Token("section_close", "section", -1))
    state.tokens = out


@cache
def _parser(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": allow_html, "highlight": _highlight, "typographer": False}
    )
    md.enable(["table", "strikethrough"])
    md.use(deflist_plugin).use(footnote_plugin)
    # the container plugin names its tokens after `name`; our `::: kind` syntax has any kind
    md.use(container_plugin, name="callout", validate=lambda _p, _m: True, render=_render_callout)
    md.core.ruler.push("coursec_figures", _figures)
    md.core.ruler.push("coursec_sections", _wrap_sections)
    md.core.ruler.push("coursec_ids", _scope_ids)
    for rule, render in (
        ("table_open", _render_table),
        ("table_close", _render_table),
        ("fence", _render_code),
        ("code_block", _render_code),
        ("footnote_ref", _render_footnote_ref),
        ("footnote_open", _render_footnote_open),
        ("footnote_anchor", _render_footnote_anchor),
    ):
        md.add_render_rule(rule, render)
    return md


def inline_text(token: Token) -> str:
    """The text of an inline token as a reader sees it (markup dropped, line breaks as spaces)."""
    return "".join(
        " " if c.type in ("softbreak", "hardbreak") else c.content
        for c in token.children or []
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def _plain_text(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(inline_text(token))
            parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


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
            # after `(`, `<`, a quote, `=`, `:` or a space: not the same text in the link's words
            pattern = re.compile(r"(?:^|(?<=[(<\"'=:\s]))" + re.escape(written))
            for number in range(reference.line, min(last_line, len(self.lines)) + 1):
                found = pattern.search(self.lines[number - 1], self.taken.get(number, 0))
                if found is not None:
                    self.taken[number] = found.end()
                    return replace(reference, line=number, col=found.start() + 1)
        return reference


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


# Pygments styles whose every colour has a contrast of at least 4.5:1 on the theme's code
# background, light (#f3f6fa) and dark (#1b222b): no colour-contrast failure, whatever the language
_CODE_STYLES = {False: "xcode", True: "lightbulb"}


def highlight_css(dark: bool = False) -> str:
    """The code colours: the light style (pages and the PDF), or the dark one, which pages load
    only in dark mode (`media="(prefers-color-scheme: dark)"`; the PDF renderer reads no media
    queries). The dark rules are the more specific, whichever stylesheet comes first."""
    scope = ":root .cs-code" if dark else ".cs-code"
    formatter: Any = HtmlFormatter(style=_CODE_STYLES[dark])
    rules = str(formatter.get_style_defs(scope)).splitlines()
    # the background is the theme's (course.css); only the colours of the code come from here
    rules = [r for r in rules if not r.startswith(f"{scope} {{")]
    if dark:  # first undo the light style's colours: the dark one leaves some tokens plain
        rules.insert(0, f"{scope} [class] {_PLAIN_TOKEN}")
    return "\n".join(rules) + "\n"


_PLAIN_TOKEN = (
    "{ color: inherit; background-color: transparent; font-style: inherit; font-weight: inherit;"
    " border: 0; }"
)
