"""The translatable values of course.yml and of a module's front matter: titles, summaries,
hero alt text and caption, key terms, objectives, and a knowledge check's title, questions,
choices, feedback and accepted answers (inline Markdown where the knowledge check reads it)."""

from __future__ import annotations

from coursec.diagnostics import Diagnostic
from coursec.model import Course, Module
from coursec.quiz_text import question_texts
from coursec.sourcemap import Loc, SourceMap
from coursec.translate.inline import Node, Unaligned, parser, segment
from coursec.translate.units import Lines, Place, SourceFile, Unit, cannot_extract, yaml_value


def _yaml_unit(
    source: SourceFile,
    smap: SourceMap,
    lines: Lines,
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


def course_units(source: SourceFile, smap: SourceMap, course: Course) -> None:
    lines = Lines(source.text)
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


class FrontMatterUnits:
    """The units of a module's front matter."""

    def __init__(
        self,
        source: SourceFile,
        module: Module,
        smap: SourceMap,
        allow_html: bool,
        sink: list[Diagnostic],
    ) -> None:
        self.source, self.module, self.smap = source, module, smap
        self.allow_html, self.sink = allow_html, sink
        self.lines = Lines(source.text)

    def _field(self, uid: str, loc: Loc, what: str, inline: bool = False) -> None:
        smap = self.smap
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
        md = parser(self.allow_html)
        children = [c for t in md.parseInline(value, {}) for c in t.children or []]
        try:
            return segment(value, children)
        except Unaligned:
            self.sink.append(cannot_extract(self.source.path, line))
            return (value,)

    def units(self) -> None:
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
