"""Every translatable text of a course, with a stable id and the place it was written.

A unit's id is made of its module's id, where it sits in the module, and a key that does not
depend on its words: a front-matter field's path (`intro.summary`, `intro.q.q1.choices.0.text`,
`intro.obj.define-x`), or in the body the section's id, the kind of block and its number among
the blocks of that kind in the section (`intro.b.mitigations.p2`: the second paragraph of the
section "Mitigations"; `li`: a list item, `c`: a table cell, `q`: a quote, `h`: a heading...).
Editing a text changes no id; adding a paragraph renumbers only the paragraphs after it in its
section.

Long because each kind of text (front-matter fields, paragraphs, table cells, callout
titles) finds its place in the file its own way.

Each unit knows where its text is in the file (`Place`), so that a merge can write a
translation in its stead and leave every other byte of the file as it was.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.loading import load_course
from coursec.markdown_rules import parse_callout_info, slugify
from coursec.model import Course, Module
from coursec.quiz_text import question_texts
from coursec.sourcemap import Loc, SourceMap
from coursec.sources import parse_yaml, read_text, split_front_matter
from coursec.translate.inline import Code, Node, Unaligned, codes, segment

EXPLICIT_ID = re.compile(r"[ \t]+\{#([a-z0-9][a-z0-9-]*)\}[ \t]*$")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a unit's text is in its file: characters `start` to `end` of the file's text.

    A body text over several lines has the start of each of its lines after the first in the
    file (`breaks`: list markers, `> ` ...) and what would start any further line (`more`);
    `more` is None where a text must stay on one line (a heading, a table cell). `yaml`: the
    text is a YAML value, written back as one. `section`: a heading's section id (its slug),
    kept when the words change.
    """

    start: int
    end: int
    breaks: tuple[str, ...] = ()
    more: str | None = None
    yaml: bool = False
    loc: Loc = ()
    section: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """One translatable text: `nodes` is its source, cut into text and inline codes."""

    id: str
    path: Path
    line: int
    what: str  # what the text is, for translators ("module title", "paragraph" ...)
    nodes: tuple[Node, ...]
    place: Place | None  # None: an image's title, written within the image (`parent`)
    parent: tuple[str, str] = ("", "")  # an image title's unit and image code ids


@dataclass(slots=True)
class SourceFile:
    """A file of the course with its translatable units."""

    path: Path  # absolute
    name: str  # relative to the course folder, with / (the XLIFF file's `original`)
    file_id: str
    text: str
    units: list[Unit] = field(default_factory=list)


@dataclass(slots=True)
class Extraction:
    course: Course | None
    files: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def units(self) -> Iterator[tuple[SourceFile, Unit]]:
        for source in self.files:
            for unit in source.units:
                yield source, unit


@cache
def _parser(allow_html: bool) -> MarkdownIt:
    """The body's block syntax (`coursec.markdown`) with its text runs kept as written:
    escapes and entities stay tokens of their own, so they can become codes."""
    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(deflist_plugin).use(footnote_plugin)
    md.use(container_plugin, name="callout", validate=lambda _p, _m: True)
    md.disable("text_join")
    return md


def extract(root: Path) -> Extraction:
    """The course's units, file by file (course.yml first, then the modules in order)."""
    root = root.resolve()
    loaded = load_course(root)
    result = Extraction(loaded.course, diagnostics=list(loaded.diagnostics))
    if loaded.course is None or any(d.severity is Severity.ERROR for d in loaded.diagnostics):
        return result
    course = loaded.course
    course_file = root / "course.yml"
    text = read_text(course_file)
    source = SourceFile(course_file, "course.yml", "course", text)
    _course_units(source, parse_yaml(text, course_file).sourcemap, course)
    result.files.append(source)
    for module in course.modules:
        text = read_text(module.path)
        name = module.path.relative_to(root).as_posix()
        source = SourceFile(module.path, name, f"m.{module.id}", text)
        extractor = _ModuleUnits(source, module, course.spec.allow_raw_html, result.diagnostics)
        extractor.front_matter()
        extractor.body()
        result.files.append(source)
    return result


class _Lines:
    """Offsets of a text's lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, col: int) -> int:
        """The offset of 1-based `line` and `col`."""
        return self.starts[line - 1] + col - 1


def _yaml_unit(
    source: SourceFile,
    smap: SourceMap,
    lines: _Lines,
    uid: str,
    loc: Loc,
    what: str,
    nodes: tuple[Node, ...] | None = None,
) -> None:
    span = smap.values.get(loc)
    if span is None or span.end_line is None or span.end_col is None:
        return
    start = lines.offset(span.line, span.col)
    end = lines.offset(span.end_line, span.end_col)
    value = yaml_value(source.text[start:end])
    if value is None or not value.strip():
        return
    place = Place(start, end, yaml=True, loc=loc)
    source.units.append(Unit(uid, source.path, span.line, what, nodes or (value,), place))


def yaml_value(written: str) -> str | None:
    """The string a YAML scalar as written stands for (None if it is not a string)."""
    from coursec.sources import load_yaml_data

    raw = written.rstrip("\n") if written[:1] in "|>" else written
    try:
        data = load_yaml_data(f"v: {raw}\n" if raw[:1] not in "|>" else "v: " + _reindent(raw))
    except Exception:  # noqa: BLE001 (a value yaml cannot read alone is not a text unit)
        return None
    value = data.get("v") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _reindent(block: str) -> str:
    return block + "\n"


def _course_units(source: SourceFile, smap: SourceMap, course: Course) -> None:
    lines = _Lines(source.text)
    spec = course.spec
    for key, what in (
        ("title", "course title"),
        ("subject", "subject"),
        ("description", "course description"),
    ):
        _yaml_unit(source, smap, lines, f"course.{key}", (key,), what)
    for i in range(len(spec.keywords)):
        _yaml_unit(source, smap, lines, f"course.keywords.{i}", ("keywords", i), "keyword")
    for i, author in enumerate(spec.authors):
        if author.role:
            _yaml_unit(
                source,
                smap,
                lines,
                f"course.authors.{i}.role",
                ("authors", i, "role"),
                "an author's role",
            )


class _ModuleUnits:
    def __init__(
        self, source: SourceFile, module: Module, allow_html: bool, sink: list[Diagnostic]
    ) -> None:
        self.source, self.module, self.allow_html, self.sink = source, module, allow_html, sink
        self.lines = _Lines(source.text)
        self.split = split_front_matter(source.text, source.path)
        self.counts: Counter[tuple[str, str]] = Counter()

    # --- front matter ---------------------------------------------------------------------

    def _field(self, uid: str, loc: Loc, what: str, inline: bool = False) -> None:
        smap = self.split.front_matter.sourcemap
        nodes = None
        if inline:
            span = smap.values.get(loc)
            if span is None or span.end_line is None or span.end_col is None:
                return
            start = self.lines.offset(span.line, span.col)
            value = yaml_value(
                self.source.text[start : self.lines.offset(span.end_line, span.end_col)]
            )
            if value is None:
                return
            nodes = self._inline(value, span.line)
        _yaml_unit(self.source, smap, self.lines, f"{self.module.id}.{uid}", loc, what, nodes)

    def _inline(self, value: str, line: int) -> tuple[Node, ...]:
        md = _parser(self.allow_html)
        children = [c for t in md.parseInline(value, {}) for c in t.children or []]
        try:
            return segment(value, children)
        except Unaligned:
            self._skipped(line)
            return (value,)

    def front_matter(self) -> None:
        spec = self.module.spec
        self._field("title", ("title",), "module title")
        self._field("summary", ("summary",), "module summary")
        if spec.hero is not None:
            self._field("hero.alt", ("hero", "alt"), "hero image: text alternative (alt)")
            self._field("hero.caption", ("hero", "caption"), "hero image: caption")
        for i, term in enumerate(spec.key_terms):
            for key in ("term", "leads_to", "means", "statement"):
                if getattr(term, key) is not None:
                    what = f"key term ({key.replace('_', ' ')})"
                    self._field(f"terms.{i}.{key}", ("key_terms", i, key), what)
        for i, objective in enumerate(spec.objectives):
            self._field(f"obj.{objective.id}", ("objectives", i, "text"), "learning objective")
        if spec.quiz is None:
            return
        self._field("quiz.title", ("quiz", "title"), "knowledge check title")
        for i, question in enumerate(spec.quiz.questions):
            base: Loc = ("quiz", "questions", i)
            for loc, _text in question_texts(question):
                key = ".".join(map(str, loc))
                what = f"question {question.id}: {' '.join(map(str, loc))}"
                self._field(f"q.{question.id}.{key}", (*base, *loc), what, inline=True)
            for j in range(len(question.accept)):
                self._field(
                    f"q.{question.id}.accept.{j}",
                    (*base, "accept", j),
                    f"question {question.id}: an accepted answer",
                )

    # --- body -----------------------------------------------------------------------------

    def body(self) -> None:
        body_text = self.split.body
        first = self.split.body_line  # the file line of the body's first line
        env: dict[str, Any] = {}
        tokens = _parser(self.allow_html).parse(body_text, env)
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
            pending = "" if pending != "c" else pending

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
        self.sink.append(
            Diagnostic(
                Severity.WARNING,
                "CS720",
                "this text cannot be cut into words and markup for translators: it is left out "
                "of the XLIFF file and stays as written",
                Span(self.source.path, line, 1),
                "simplify its markup (e.g. a tab inside a list, a link split oddly across lines)",
            )
        )

    def _add(self, uid: str, line: int, what: str, nodes: tuple[Node, ...], place: Place) -> None:
        self.source.units.append(Unit(uid, self.source.path, line, what, nodes, place))
        for code in codes(nodes):
            if code.title is not None:
                title = self._image_title(code)
                self.source.units.append(
                    Unit(
                        f"{uid}.t{code.id}",
                        self.source.path,
                        line,
                        "an image's title (a figure's caption)",
                        (title,),
                        None,
                        (uid, code.id),
                    )
                )

    @staticmethod
    def _image_title(code: Code) -> str:
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
            children = _parser(self.allow_html).parseInline(content, env)[0].children or []
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
        children = _parser(self.allow_html).parseInline(content, env)[0].children or []
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
