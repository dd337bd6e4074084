"""Inline Markdown as XLIFF inline content: runs of text, and codes for the markup around them.

Each code keeps the exact Markdown it stands for (`Code.start`, and `Code.end` for a code that
wraps text), so writing unchanged content back gives the source byte for byte. Text runs are
the source as written; escapes (`\\*`) and entities (`&amp;`) are codes too, shown to
translators as the character they stand for.

| Markdown | XLIFF | translators may |
| --- | --- | --- |
| `*em*`, `**strong**`, `~~strike~~` | `<pc type="fmt">` | move, copy or drop it |
| `[words](url "title")` | `<pc type="link">` (the title: a unit of its own) | move it |
| `![alt](src "title")` | `<pc type="image">` around the alt (the title: a unit) | move it |
| `` `code` ``, `<https://...>` | `<ph>` | move or copy it, not drop it |
| footnote `[^1]`, raw HTML | `<ph>` | move it only |
| hard line break, `\\*`, `&amp;` | `<ph>` | anything |
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin


@cache
def parser(allow_html: bool) -> MarkdownIt:
    """The body's block syntax (`coursec.markdown`) with its text runs kept as written:
    escapes and entities stay tokens of their own, so they can become codes."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(deflist_plugin).use(footnote_plugin)
    md.use(container_plugin, name="callout", validate=lambda _p, _m: True)
    md.disable("text_join")
    return md


class Unaligned(Exception):
    """The tokens of a text do not match its source: the text cannot be cut into codes."""


@dataclass(frozen=True, slots=True)
class Code:
    """An inline code: `ph` (a placeholder) or `pc` (wraps translatable content)."""

    id: str
    kind: str  # "ph" or "pc"
    type: str  # XLIFF's type: fmt, link, image, other
    sub_type: str
    start: str  # the Markdown it stands for (a pc's opening)
    end: str = ""  # a pc's closing Markdown
    can_copy: bool = True
    can_delete: bool = True
    disp: str = ""  # what a placeholder shows translators
    title: tuple[int, int] | None = None  # where in `end` a link's or image's title is (a unit)


@dataclass(frozen=True, slots=True)
class Paired:
    """A `pc` code and the content it wraps."""

    code: Code
    content: tuple[Node, ...]


Node = str | Code | Paired


@dataclass(frozen=True, slots=True)
class Ref:
    """A code in a translation: the source code `id` (or a copy of it, `copy_of`), where it is
    in the XLIFF file, and for a `pc` the content it wraps."""

    id: str
    kind: str
    line: int
    col: int
    copy_of: str = ""
    content: tuple[TargetNode, ...] | None = None


TargetNode = str | Ref

_FORMATS = {
    "em_open": "xlf:i",
    "strong_open": "xlf:b",
    "s_open": "coursec:strikethrough",
}
_SOFTBREAK = re.compile(r"[ \t]*\n[ \t]*")
_HARDBREAK = re.compile(r"(?:[ \t]*\\|[ \t]{2,})\n[ \t]*")


@dataclass(slots=True)
class _Frame:
    token: Token
    start: str
    content: list[Node] = field(default_factory=list)


class _Aligner:
    """Walks inline tokens along the text they were parsed from, cutting it into nodes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.count = 0

    def next_id(self) -> str:
        self.count += 1
        return str(self.count)

    def expect(self, text: str) -> None:
        if not text or not self.source.startswith(text, self.pos):
            raise Unaligned(f"expected {text!r} at {self.pos} in {self.source!r}")
        self.pos += len(text)

    def match(self, pattern: re.Pattern[str]) -> str:
        found = pattern.match(self.source, self.pos)
        if found is None:
            raise Unaligned(f"no {pattern.pattern!r} at {self.pos}")
        self.pos = found.end()
        return found.group()

    def ph(self, type_: str, sub_type: str, start: str, **kwargs: object) -> Code:
        return Code(self.next_id(), "ph", type_, sub_type, start, **kwargs)  # type: ignore[arg-type]

    def nodes(self, tokens: Sequence[Token]) -> list[Node]:
        out: list[Node] = []
        stack: list[_Frame] = []
        skip_to_close = False

        def emit(node: Node) -> None:
            (stack[-1].content if stack else out).append(node)

        for token in tokens:
            kind = token.type
            if skip_to_close:
                skip_to_close = kind != "link_close"
                continue
            if kind == "text":
                if token.content:
                    self.expect(token.content)
                    emit(token.content)
            elif kind == "text_special":
                start = self.pos
                self.expect(token.markup)
                sub = "coursec:entity" if token.info == "entity" else "coursec:escape"
                emit(self.ph("other", sub, self.source[start : self.pos], disp=token.content))
            elif kind == "softbreak":
                emit(self.match(_SOFTBREAK))
            elif kind == "hardbreak":
                emit(self.ph("fmt", "xlf:lb", self.match(_HARDBREAK), disp="\u21b5"))
            elif kind == "code_inline":
                emit(self._code_span(token))
            elif kind in _FORMATS:
                self.expect(token.markup)
                stack.append(_Frame(token, token.markup))
            elif kind == "link_open" and token.markup == "autolink":
                start = self.pos
                end = self.source.find(">", start)
                self.expect("<")
                if end < 0:
                    raise Unaligned("autolink never closed")
                self.pos = end + 1
                url = str(token.attrs.get("href", ""))
                emit(self.ph("link", "coursec:autolink", self.source[start : self.pos], disp=url))
                skip_to_close = True
            elif kind == "link_open":
                self.expect("[")
                stack.append(_Frame(token, "["))
            elif kind.endswith("_close") and stack:
                frame = stack.pop()
                code = self._close(frame, token)
                emit(Paired(code, tuple(frame.content)))
            elif kind == "image":
                emit(self._image(token))
            elif kind == "footnote_ref":
                start = self.pos
                self.expect(f"[^{token.meta['label']}]")
                emit(
                    self.ph(
                        "other",
                        "coursec:footnote",
                        self.source[start : self.pos],
                        can_copy=False,
                        can_delete=False,
                        disp=f"[{token.meta['label']}]",
                    )
                )
            elif kind == "html_inline":
                self.expect(token.content)
                emit(
                    self.ph(
                        "other",
                        "coursec:html",
                        token.content,
                        can_copy=False,
                        can_delete=False,
                        disp=token.content,
                    )
                )
            else:
                raise Unaligned(f"unexpected {kind}")
        if stack or skip_to_close:
            raise Unaligned("markup never closed")
        return out

    def _code_span(self, token: Token) -> Code:
        start = self.pos
        self.expect(token.markup)
        closing = re.compile(rf"(?<!`){re.escape(token.markup)}(?!`)")
        found = closing.search(self.source, self.pos)
        if found is None:
            raise Unaligned("code span never closed")
        self.pos = found.end()
        return self.ph(
            "other",
            "coursec:code",
            self.source[start : self.pos],
            can_delete=False,
            disp=token.content,
        )

    def _close(self, frame: _Frame, token: Token) -> Code:
        opening = frame.token.type
        if opening == "link_open":
            if token.type != "link_close":
                raise Unaligned("link closed by something else")
            start = self.pos
            self.expect("]")
            self.pos, title = _link_tail(self.source, self.pos)
            return Code(
                self.next_id(),
                "pc",
                "link",
                "coursec:link",
                "[",
                self.source[start : self.pos],
                can_copy=False,
                can_delete=False,
                title=(title[0] - start, title[1] - start) if title else None,
            )
        self.expect(token.markup)
        return Code(self.next_id(), "pc", "fmt", _FORMATS[opening], frame.start, token.markup)

    def _image(self, token: Token) -> Paired:
        code_id = self.next_id()
        self.expect("![")
        alt = self.nodes(token.children or [])
        start = self.pos
        self.expect("]")
        self.pos, title = _link_tail(self.source, self.pos)
        end = self.source[start : self.pos]
        where = (title[0] - start, title[1] - start) if title else None
        code = Code(
            code_id,
            "pc",
            "image",
            "coursec:image",
            "![",
            end,
            can_copy=False,
            can_delete=False,
            title=where,
        )
        return Paired(code, tuple(alt))


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _link_tail(text: str, pos: int) -> tuple[int, tuple[int, int] | None]:
    """Where a link's `(url "title")`, `[label]` or nothing after its `]` ends, and where its
    title's text is (inside the quotes), if it has one."""
    if text.startswith("(", pos):
        pos = _skip_space(text, pos + 1)
        title = None
        if not text.startswith(")", pos):
            destination = parseLinkDestination(text, pos, len(text))
            if not destination.ok:
                raise Unaligned("link destination")
            pos = _skip_space(text, destination.pos)
            if not text.startswith(")", pos):
                state = parseLinkTitle(text, pos, len(text))
                if not state.ok:
                    raise Unaligned("link title")
                title = (pos + 1, state.pos - 1)
                pos = _skip_space(text, state.pos)
        if not text.startswith(")", pos):
            raise Unaligned("link never closed")
        return pos + 1, title
    if text.startswith("[", pos):
        close = text.find("]", pos)
        if close < 0:
            raise Unaligned("reference never closed")
        return close + 1, None
    return pos, None


def segment(source: str, tokens: Sequence[Token]) -> tuple[Node, ...]:
    """`source` (inline Markdown) cut into text and codes, following its parsed `tokens`
    (parsed without joining text runs: `Unaligned` when they do not fit it)."""
    aligner = _Aligner(source)
    nodes = aligner.nodes(tokens)
    if aligner.pos != len(source):
        raise Unaligned(f"{source[aligner.pos :]!r} left over")
    return tuple(_merge_text(nodes))


def _merge_text(nodes: Sequence[Node]) -> Iterator[Node]:
    text = ""
    for node in nodes:
        if isinstance(node, str):
            text += node
            continue
        if text:
            yield text
            text = ""
        yield (
            Paired(node.code, tuple(_merge_text(node.content)))
            if isinstance(node, Paired)
            else node
        )
    if text:
        yield text


def codes(nodes: Sequence[Node]) -> Iterator[Code]:
    """Every code of `nodes`, in order."""
    for node in nodes:
        if isinstance(node, Code):
            yield node
        elif isinstance(node, Paired):
            yield node.code
            yield from codes(node.content)


def markdown(nodes: Sequence[Node]) -> str:
    """The Markdown that `nodes` came from."""
    return "".join(
        node
        if isinstance(node, str)
        else node.start
        if isinstance(node, Code)
        else node.code.start + markdown(node.content) + node.code.end
        for node in nodes
    )


def as_target(nodes: Sequence[Node]) -> tuple[TargetNode, ...]:
    """A source as a translation of itself (its codes by id)."""
    return tuple(
        node
        if isinstance(node, str)
        else Ref(node.id, "ph", 0, 0)
        if isinstance(node, Code)
        else Ref(node.code.id, "pc", 0, 0, "", as_target(node.content))
        for node in nodes
    )


def plain(nodes: Sequence[Node]) -> str:
    """The text of `nodes` without their markup, for comparing and notes."""
    return "".join(
        node
        if isinstance(node, str)
        else node.disp
        if isinstance(node, Code)
        else plain(node.content)
        for node in nodes
    )
