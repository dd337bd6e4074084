"""The translatable texts of a module's body: headings, paragraphs, list items, quotations,
table cells, definition lists, footnotes, callout titles, and images' alt text and titles.

The body is parsed with the body's own block syntax (`coursec.translate.inline.parser`); each
block's text is found in the file's lines (after list markers, `> ` and indentation), so a
translation can be written back in its place, the markers kept.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from markdown_it.token import Token

from coursec.diagnostics import Diagnostic
from coursec.markdown_rules import parse_callout_info, slugify
from coursec.model import Module
from coursec.sources import FrontMatterFile
from coursec.translate.inline import Code, Node, Unaligned, codes, parser, segment
from coursec.translate.units import Lines, Place, SourceFile, Unit, cannot_extract

EXPLICIT_ID = re.compile(r"[ \t]+\{#([a-z0-9][a-z0-9-]*)\}[ \t]*$")


class BodyUnits:
    """The units of a module's body."""

    def __init__(
        self,
        source: SourceFile,
        module: Module,
        split: FrontMatterFile,
        allow_html: bool,
        sink: list[Diagnostic],
    ) -> None:
        self.source, self.module, self.split = source, module, split
        self.allow_html, self.sink = allow_html, sink
        self.lines = Lines(source.text)
        self.counts: Counter[tuple[str, str]] = Counter()

    def units(self) -> None:
        body_text = self.split.body
        first = self.split.body_line  # the file line of the body's first line
        env: dict[str, Any] = {}
        tokens = parser(self.allow_html).parse(body_text, env)
        sections = self.module.sections
        containers: list[str] = []
        footnote = ""
        pending = ""  # the kind of the next inline token
        for index, token in enumerate(tokens):
            kind = token.type
            if kind in ("list_item_open", "blockquote_open", "dd_open", "container_callout_open"):
                containers.append(kind)
            elif kind in (
                "list_item_close",
                "blockquote_close",
                "dd_close",
                "container_callout_close",
            ):
                containers.pop()
            if kind == "footnote_open":
                footnote = slugify(str(token.meta.get("label", token.meta.get("id"))))
            elif kind == "footnote_close":
                footnote = ""
            if kind == "container_callout_open" and token.map:
                self._callout_title(token, first, sections)
            if kind == "heading_open":
                pending = "h"
            elif kind in ("th_open", "td_open"):
                pending = "c"
            elif kind == "dt_open":
                pending = "dt"
            elif kind == "paragraph_open":
                pending = {
                    "list_item_open": "li",
                    "blockquote_open": "q",
                    "dd_open": "dd",
                    "container_callout_open": "co.p",
                }.get(containers[-1] if containers else "", "p")
            if kind != "inline" or not pending or token.map is None:
                continue
            section = f"fn-{footnote}" if footnote else self._section(token.map[0] + 1, sections)
            if pending == "c":
                self._cell(token, tokens, index, first, section, env)
            else:
                self._block(token, first, section, pending, env)
            pending = ""

    def _section(self, body_line: int, sections: Sequence[Any]) -> str:
        current = "intro"
        for section in sections:
            if section.line <= body_line:
                current = section.id.removeprefix(f"{self.module.id}-")
        return current

    def _uid(self, section: str, kind: str) -> str:
        self.counts[(section, kind)] += 1
        return f"{self.module.id}.b.{section}.{kind}{self.counts[(section, kind)]}"

    def _skipped(self, line: int) -> None:
        self.sink.append(cannot_extract(self.source.path, line))

    def _add(self, uid: str, line: int, what: str, nodes: tuple[Node, ...], place: Place) -> None:
        self.source.units.append(Unit(uid, self.source.path, line, what, nodes, place))
        for code in codes(nodes):
            if code.title is not None:
                title = self._title(code)
                self.source.units.append(
                    Unit(
                        f"{uid}.t{code.id}",
                        self.source.path,
                        line,
                        "the title of a link or image (a figure's caption)",
                        (title,),
                        None,
                        (uid, code.id),
                    )
                )

    @staticmethod
    def _title(code: Code) -> str:
        assert code.title is not None
        return code.end[code.title[0] : code.title[1]]

    def _block(self, token: Token, first: int, section: str, kind: str, env: Any) -> None:
        assert token.map is not None
        content = token.content
        file_line = first + token.map[0]  # 1-based
        explicit = ""
        if kind == "h":
            found = EXPLICIT_ID.search(content)
            if found:
                explicit, content = found.group(1), content[: found.start()]
        content_lines = content.split("\n")
        offsets: list[tuple[int, int]] = []  # (start, end) of each content line in the file
        for i, line_text in enumerate(content_lines):
            if file_line + i - 1 >= len(self.lines.lines):
                self._skipped(file_line)
                return
            written = self.lines.lines[file_line + i - 1]
            if kind == "h" and i == 0 and written.lstrip().startswith("#"):
                marker = re.match(r"[ \t]*#{1,6}[ \t]*", written)
                at = marker.end() if marker else 0
            elif i == len(content_lines) - 1:
                at = len(written.rstrip()) - len(line_text.rstrip()) if not explicit else -1
                if explicit:
                    at = written.find(line_text)
            else:
                at = len(written) - len(line_text)
            if at < 0 or written[at : at + len(line_text)] != line_text:
                self._skipped(file_line + i)
                return
            base = self.lines.starts[file_line + i - 1]
            offsets.append((base + at, base + at + len(line_text)))
        text = self.lines.text
        breaks = tuple(
            text[self.lines.starts[file_line + i - 1] : offsets[i][0]]
            for i in range(1, len(offsets))
        )
        lead = text[self.lines.starts[file_line - 1] : offsets[0][0]]
        single = kind in ("h", "dt")
        more = None if single else (breaks[-1] if breaks else re.sub(r"[^>\s]", " ", lead))
        children = token.children or []
        if explicit:
            children = parser(self.allow_html).parseInline(content, env)[0].children or []
        try:
            nodes = segment(content, children)
        except Unaligned:
            self._skipped(file_line)
            return
        starts_section = any(s.line == token.map[0] + 1 for s in self.module.sections)
        slug = section if kind == "h" and not explicit and starts_section else ""
        place = Place(offsets[0][0], offsets[-1][1], breaks, more, section=slug)
        what = {
            "h": "heading",
            "p": "paragraph",
            "li": "list item",
            "q": "quotation",
            "dd": "definition",
            "dt": "defined term",
            "co.p": "callout paragraph",
        }
        self._add(self._uid(section, kind), file_line, what.get(kind, "text"), nodes, place)

    def _cell(
        self,
        token: Token,
        tokens: Sequence[Token],
        index: int,
        first: int,
        section: str,
        env: Any,
    ) -> None:
        assert token.map is not None
        file_line = first + token.map[0]
        row_start = index
        while row_start > 0 and tokens[row_start].type != "tr_open":
            row_start -= 1
        column = sum(1 for t in tokens[row_start:index] if t.type in ("th_open", "td_open")) - 1
        written = self.lines.lines[file_line - 1]
        cells = table_cells(written)
        if column >= len(cells):
            return  # a cell the row does not have: the table fills it in, empty
        start, end = cells[column]
        content = written[start:end]
        if not content.strip():
            return
        children = parser(self.allow_html).parseInline(content, env)[0].children or []
        try:
            nodes = segment(content, children)
        except Unaligned:
            self._skipped(file_line)
            return
        base = self.lines.starts[file_line - 1]
        self._add(
            self._uid(section, "c"), file_line, "table cell", nodes, Place(base + start, base + end)
        )

    def _callout_title(self, token: Token, first: int, sections: Sequence[Any]) -> None:
        assert token.map is not None
        kind, title = parse_callout_info(token.info)
        written_title = token.info.strip().partition(" ")[2].strip()
        if not written_title:
            return  # the kind's own title: the interface's words, not the course's
        file_line = first + token.map[0]
        written = self.lines.lines[file_line - 1]
        at = written.find(written_title, written.find(token.info.strip().split(" ")[0]))
        if at < 0:
            self._skipped(file_line)
            return
        base = self.lines.starts[file_line - 1]
        section = self._section(token.map[0] + 1, sections)
        place = Place(base + at, base + at + len(written_title))
        self._add(self._uid(section, "co"), file_line, f"{kind} callout: title", (title,), place)


def table_cells(row: str) -> list[tuple[int, int]]:
    """Where each cell's text (without its spaces) is in a table row, as the table rule cuts it:
    at each `|` that no backslash escapes."""
    bounds: list[int] = []
    escaped = False
    for at, char in enumerate(row):
        if char == "|" and not escaped:
            bounds.append(at)
        escaped = char == "\\" and not escaped
    stripped = row.strip()
    edges = [-1, *bounds, len(row)]
    cells = []
    for left, right in itertools.pairwise(edges):
        start, end = left + 1, right
        while start < end and row[start] in " \t":
            start += 1
        while end > start and row[end - 1] in " \t":
            end -= 1
        cells.append((start, end))
    if stripped.startswith("|"):
        cells = cells[1:]
    if stripped.endswith("|") and len(stripped) > 1:
        cells = cells[:-1]
    return cells
