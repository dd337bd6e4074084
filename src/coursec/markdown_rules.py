"""coursec's own Markdown rules: how a body becomes sections, callouts, figures, named scroll
regions for tables and code, highlighted code, and footnotes whose ids are scoped to the module.

markdown-it core rules (run on the token stream after parsing) and render rules (turn tokens
into HTML); coursec.markdown installs them in its parser.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from coursec.body_text import CALLOUT_TITLES, mark

INTRO_TITLE = "Introduction"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


@cache
def _lexer(lang: str) -> Any:
    from pygments.lexers import get_lexer_by_name  # Pygments only for a body with code
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


@cache
def _spans() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def highlight_code(code: str, lang: str, _attrs: str) -> str:
    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return ""  # markdown-it then renders a plain, escaped <pre><code>
    from pygments import highlight

    spans = str(highlight(code, lexer, _spans()))
    return f'<pre class="cs-code"><code class="language-{lang}">{spans}</code></pre>\n'


def render_callout(
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
        heading = mark(f"title:{css_kind}")  # worded in the module's language (body_text)
    else:
        label = mark(f"label:{css_kind}")
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


def render_table(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    return _region(token, "table") + "<table>\n" if token.nesting == 1 else "</table>\n</div>\n"


def render_code(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    plain = RendererHTML.fence if token.type == "fence" else RendererHTML.code_block
    return _region(token, "code") + plain(renderer, tokens, idx, options, env) + "</div>\n"


def render_footnote_ref(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    scope, number, sub = token.meta["cs_scope"], token.meta["id"] + 1, token.meta.get("subId", -1)
    ref_id = f"{scope}fnref{number}" + (f"-{sub}" if sub > 0 else "")
    caption = renderer.rules["footnote_caption"](tokens, idx, options, env)
    return (
        f'<sup class="footnote-ref"><a href="#{scope}fn{number}" id="{ref_id}">{caption}</a></sup>'
    )


def render_footnote_open(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    return f'<li id="{token.meta["cs_scope"]}fn{token.meta["id"] + 1}" class="footnote-item">'


def render_footnote_anchor(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    token = tokens[idx]
    number, sub = token.meta["id"] + 1, token.meta["subId"]
    ref_id = f"{token.meta['cs_scope']}fnref{number}" + (f"-{sub}" if sub > 0 else "")
    # U+FE0E: the arrow as text, not as an emoji (iOS)
    return (
        f' <a href="#{ref_id}" class="footnote-backref"'
        f' aria-label="{mark("backref", str(number))}">\u21a9\ufe0e</a>'
    )


def _scoped(prefix: str, name: str) -> str:
    """`<module-id>--<name>`, from the section prefix `<module-id>-`."""
    return f"{prefix}-{name}" if prefix else name


def _language(lang: str) -> str:
    """The name of a code block's language ("SQL", "Python"), or "" for plain text."""
    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return lang
    from pygments.lexers.special import TextLexer

    return "" if isinstance(lexer, TextLexer) else str(lexer.name)


def _table_label(tokens: Sequence[Token], start: int, number: int) -> str:
    """The table's name: its number and first column headers ("Table 2: Type, Family, …")."""
    heads: list[str] = []
    for token in tokens[start:]:
        if token.type in ("thead_close", "table_close"):
            break
        if token.type == "inline" and (text := " ".join(inline_text(token).split())):
            heads.append(text)
    if len(heads) > 3:
        return mark("table", str(number), ", ".join(heads[:3]), str(len(heads) - 3))
    return (
        mark("table", str(number), ", ".join(heads), "0") if heads else mark("table", str(number))
    )


def scope_ids(state: StateCore) -> None:
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
            n = str(number(token, "code"))
            token.meta["cs_label"] = mark("code", n, language) if language else mark("code", n)
        elif token.type == "container_callout_open":
            number(token, "callout")
        for footnote in (token, *(token.children or ())):
            if footnote.type in ("footnote_ref", "footnote_open", "footnote_anchor"):
                footnote.meta["cs_scope"] = _scoped(prefix, "")


def figures(state: StateCore) -> None:
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


def wrap_sections(state: StateCore) -> None:
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
            explicit = _explicit_id(tokens[index + 1])
            title = inline_text(tokens[index + 1]).strip()
            open_(explicit or slugify(title), title, (token.map or [0])[0] + 1)
        elif not open_section and token.level == 0 and token.type != "footnote_block_open":
            open_("intro", INTRO_TITLE, (token.map or [0])[0] + 1)
        out.append(token)
    if open_section:
        out.append(Token("section_close", "section", -1))
    state.tokens = out


_EXPLICIT_ID = re.compile(r"[ \t]+\{#([a-z0-9][a-z0-9-]*)\}[ \t]*$")


def _explicit_id(inline: Token) -> str | None:
    """A heading's own section id, `## Titre {#slug}`, taken off its words (a translated
    course keeps its sections' ids so), or None."""
    children = inline.children or []
    last = children[-1] if children else None
    found = _EXPLICIT_ID.search(last.content) if last and last.type == "text" else None
    if last is None or found is None:
        return None
    last.content = last.content[: found.start()]
    inline.content = _EXPLICIT_ID.sub("", inline.content)
    return found.group(1)


def inline_text(token: Token) -> str:
    """The text of an inline token as a reader sees it (markup dropped, line breaks as spaces)."""
    return "".join(
        " " if c.type in ("softbreak", "hardbreak") else c.content
        for c in token.children or []
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


# Pygments styles whose every colour has a contrast of at least 4.5:1 on the theme's code
# background, light (#f3f6fa) and dark (#1b222b): no colour-contrast failure, whatever the language
_CODE_STYLES = {False: "xcode", True: "lightbulb"}


def highlight_css(dark: bool = False) -> str:
    """The code colours: the light style (pages and the PDF), or the dark one, which pages load
    only in dark mode (`media="(prefers-color-scheme: dark)"`; the PDF renderer reads no media
    queries). The dark rules are the more specific, whichever stylesheet comes first."""
    from pygments.formatters import HtmlFormatter

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
