"""PdfExporter: print handouts for reviewers, laid out by WeasyPrint.

The handout is made from the same rendered module bodies as the HTML site (`plan.modules`),
put through the theme's print template (`print/handout.html.j2`) and stylesheet
(`print/handout.css`); a course overrides either in its own `templates/print/` folder.

The course handout is laid out in parts (cover, contents, each module, each back-matter chapter)
that the build's part store keeps, and joined into one PDF (`_pdf_parts`): a rebuild lays out
only the parts whose HTML changed. Per-module PDFs are laid out as documents of their own.
WeasyPrint reads only the build's own files, through `BuildFetcher` (`_pdf_fetch`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from jinja2 import meta as jinja2_meta
from lxml import html as lxml_html
from lxml.etree import _Element
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from coursec import __version__
from coursec.anchors import page_anchors
from coursec.coverage import addressing_sections
from coursec.diagnostics import Span
from coursec.export import Artifact, ExportContext
from coursec.inline import InlineMarkdown
from coursec.model import Course, Module
from coursec.plan import BuildPlan, RenderedModule
from coursec.questions import QuestionView, question_view
from coursec.quiz import quiz_dom_id
from coursec.schema import KeyTerm, Objective, Quiz

from ._pdf_fetch import ORIGIN, BuildFetcher, build_files
from ._pdf_fetch import RefusedURL as RefusedURL
from ._pdf_layout import Laid, Margins
from ._pdf_parts import Layouts, Part, build_handout
from ._pdf_tables import fit_tables

TEMPLATE = "print/handout.html.j2"
STYLESHEET = "print/handout.css"
_EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})
_SITE_PAGES = {
    "index.html": "contents",
    "glossary.html": "glossary",
    "objectives.html": "objectives",
}
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


# --- the module bodies, adapted to one paged document ---------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class PrintModule:
    """One module as the print template sees it."""

    teaser: ClassVar[bool] = False
    module: Module
    number: int
    body: str  # safe HTML
    headings: tuple[Heading, ...]  # the body's sections that have a heading, for the contents
    next_module: Module | None
    next_in_pdf: bool
    source: str  # module file relative to the course folder
    source_line: int  # the module's first line of front matter
    quiz: PrintQuiz | None


@dataclass(frozen=True, slots=True)
class PrintTeaser:
    """A coming-soon module in the course handout: a page of its own at its place in the
    course, with its title and summary, so the contents and the bookmarks list it like the
    others."""

    teaser: ClassVar[bool] = True
    module: Module
    number: int
    source: str
    source_line: int


@dataclass(slots=True)
class _Links:
    in_pdf: Mapping[str, Module]  # page name -> module, for modules in this PDF
    whole_course: bool
    renamed: dict[str, str] = field(default_factory=dict)


def relative_source(course: Course, path: Path) -> str:
    try:
        return path.resolve().relative_to(course.root.resolve()).as_posix()
    except ValueError:
        return path.name


def prepare_body(
    plan: BuildPlan,
    rendered: RenderedModule,
    in_pdf: Sequence[Module],
    whole_course: bool,
    review: bool,
) -> tuple[str, tuple[Heading, ...]]:
    """Adapt a module's site HTML to the handout.

    Links between site pages become links inside the PDF (or plain text when their target is
    not in it); ids that are not already module-scoped (footnotes) get the module id as a
    prefix, since every module shares one document; tables are marked with the room they need
    (`_pdf_tables`). In review mode each section starts with its source `file:line`, and code
    blocks get their source line numbers.
    """
    module = rendered.module
    if not rendered.html.strip():
        return "", ()
    root = lxml_html.fragment_fromstring(rendered.html, create_parent="div")
    links = _Links({m.page: m for m in in_pdf}, whole_course)
    prefix = f"{module.id}-"
    for element in root.iter():
        old = element.get("id")
        if old and not old.startswith(prefix):
            links.renamed[old] = f"{module.id}--{old}"
            element.set("id", links.renamed[old])
    for anchor in list(root.iter("a")):
        _rewrite_link(anchor, links)
    fit_tables(root, review)

    headings: list[Heading] = []
    lines = {s.id: s.line for s in module.sections}
    source = relative_source(plan.course, module.path)
    for section in root.findall("section"):  # the body's top-level sections
        sid = section.get("id", "")
        first = section[0] if len(section) else None
        if first is not None and first.tag in _HEADINGS:
            headings.append(Heading(sid, " ".join(first.text_content().split())))
        if review and sid in lines:
            ref = lxml_html.Element("span", {"class": "cs-srcref"})
            ref.text = f"{source}:{module.line_of(lines[sid])}"
            section.insert(0, ref)
    if review:
        _number_code_lines(root, module)
    html = (root.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )
    return html, tuple(headings)


def _rewrite_link(anchor: _Element, links: _Links) -> None:
    href = anchor.get("href")
    if href is None:
        return
    parts = urlsplit(href)
    if parts.scheme in _EXTERNAL_SCHEMES:
        anchor.set("class", ((anchor.get("class") or "") + " cs-external").strip())
        return
    target: str | None = None
    if not parts.scheme and not parts.netloc:
        if not parts.path and parts.fragment:
            target = links.renamed.get(parts.fragment, parts.fragment)
        elif parts.path in links.in_pdf:
            linked = links.in_pdf[parts.path]
            target = parts.fragment or f"{linked.id}-title"
        elif parts.path in _SITE_PAGES and links.whole_course:
            target = _SITE_PAGES[parts.path]
    if target is not None:
        anchor.set("href", f"#{target}")
        return
    # a page that is not in this PDF, or a downloadable file: keep the words, name the file
    del anchor.attrib["href"]
    if parts.path.startswith("media/"):
        anchor.set("class", ((anchor.get("class") or "") + " cs-file").strip())
        anchor.set("data-file", unquote(parts.path.removeprefix("media/")))


def _code_start_lines(module: Module) -> list[int]:
    """The module-file line of the first code line of each code block, in body order."""
    starts = []
    for token in module.body.tokens:
        if token.type in ("fence", "code_block") and token.map:
            first = module.line_of(token.map[0] + 1)
            starts.append(first + 1 if token.type == "fence" else first)
    return starts


def _number_code_lines(root: _Element, module: Module) -> None:
    """Wrap each line of every code block in a `.cs-line` span numbered by a CSS counter.

    Numbers are the module file's lines when every `<pre>` comes from a Markdown code block
    (raw HTML may add others); otherwise each block counts from 1.
    """
    blocks = list(root.iter("pre"))
    starts = _code_start_lines(module)
    if len(starts) != len(blocks):
        starts = [1] * len(blocks)
    for pre, start in zip(blocks, starts, strict=True):
        code = pre.find("code")
        holder = code if code is not None else pre
        segments: list[tuple[str, str | None]] = []
        if holder.text:
            segments.append((holder.text, None))
        for child in holder:
            segments += [(str(text), child.get("class")) for text in child.itertext()]
            if child.tail:
                segments.append((child.tail, None))
        lines: list[list[tuple[str, str | None]]] = [[]]
        for text, css in segments:
            for i, piece in enumerate(text.split("\n")):
                if i:
                    lines.append([])
                if piece:
                    lines[-1].append((piece, css))
        if len(lines) > 1 and not lines[-1]:
            lines.pop()
        for child in list(holder):
            holder.remove(child)
        holder.text = None
        for line in lines:
            span = lxml_html.Element("span", {"class": "cs-line"})
            last: _Element | None = None
            for text, css in line:
                if css is None:
                    if last is None:
                        span.text = (span.text or "") + text
                    else:
                        last.tail = (last.tail or "") + text
                else:
                    last = lxml_html.Element("span", {"class": css})
                    last.text = text
                    span.append(last)
            holder.append(span)
        pre.set("class", ((pre.get("class") or "") + " cs-numbered").strip())
        pre.set("style", f"counter-reset: cs-line {start - 1}")


# --- knowledge checks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintQuestion:
    """A question as printed: its options lettered a, b, c ... (laid out by its kind's partial,
    ``print/questions/<type>.html.j2``) and, for reviewers, its answer key.

    Texts are sanitized HTML from the author's inline Markdown (`coursec.inline`)."""

    id: str
    number: int
    type: str
    prompt: Markup
    instruction: str
    options: tuple[tuple[str, Markup], ...]  # (label, text): choices, true/false, items to order
    left: tuple[tuple[str, Markup], ...]  # matching: (number, item)
    answer: tuple[Markup, ...]  # the answer key, one line each
    answer_ordered: bool  # the answer lines are a sequence (ordering questions)
    notes: tuple[Markup, ...]  # feedback a learner would see
    objectives: tuple[str, ...]
    line: int  # where the question starts in the module file


@dataclass(frozen=True, slots=True)
class PrintQuiz:
    title: str
    rules: str
    questions: tuple[PrintQuestion, ...]


def print_question(view: QuestionView, line: int = 0) -> PrintQuestion:
    """Lay a question out for paper, as its kind does, with the feedback learners see."""
    question, html = view.question, view.inline.html
    paper = view.paper()
    notes = list(paper.notes)
    if question.feedback.correct:
        notes.append(Markup("If right: {}").format(html(question.feedback.correct)))
    if question.feedback.incorrect:
        notes.append(Markup("If wrong: {}").format(html(question.feedback.incorrect)))
    return PrintQuestion(
        id=question.id,
        number=view.number,
        type=view.type,
        prompt=view.prompt,
        instruction=view.paper_instruction,
        options=paper.options,
        left=paper.left,
        answer=paper.answer,
        answer_ordered=paper.answer_ordered,
        notes=tuple(notes),
        objectives=tuple(question.objectives),
        line=line,
    )


def print_quiz(module: Module, quiz: Quiz, allow_html: bool) -> PrintQuiz:
    """The module's knowledge check for paper; its texts follow the course's `allow_raw_html`."""
    count = len(quiz.questions)
    rules = [f"{count} question{'s' if count != 1 else ''}"]
    if quiz.draw is not None and quiz.draw < count:
        rules[0] = f"{quiz.draw} of these {count} questions are drawn for each attempt"
    rules.append(f"pass mark {quiz.passing_score}%")
    if quiz.attempts:
        rules.append(f"{quiz.attempts} attempt{'s' if quiz.attempts != 1 else ''}")
    inline = InlineMarkdown(allow_html, page_anchors(module.spec, module.sections))
    questions = tuple(
        print_question(
            question_view(q, quiz_dom_id(module.id), i + 1, inline),
            module.sourcemap.value(("quiz", "questions", i)).line,
        )
        for i, q in enumerate(quiz.questions)
    )
    return PrintQuiz(quiz.title, " · ".join(rules), questions)


# --- the handout document --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveEntry:
    objective: Objective
    sections: tuple[Heading, ...]  # the headed sections that address it
    questions: tuple[PrintQuestion, ...]  # the questions that assess it


def _addressed_by(objective: Objective, pm: PrintModule) -> tuple[Heading, ...]:
    """The headed sections of a module that address an objective, in body order."""
    wanted = {s.id for s in addressing_sections(objective, pm.module.sections, pm.module.id)}
    return tuple(h for h in pm.headings if h.id in wanted)


@dataclass(frozen=True, slots=True)
class Show:
    """The sections of the course handout a document holds: all of them, or one part's."""

    cover: bool = True
    contents: bool = True
    glossary: bool = True
    objectives: bool = True
    answers: bool = True


@dataclass(frozen=True, slots=True)
class PrintCourse:
    """What the print template needs about the modules of one PDF, prepared once."""

    modules: tuple[PrintModule, ...]  # the modules printed in full
    articles: tuple[PrintModule | PrintTeaser, ...]  # and the teasers, in course order
    whole: bool
    review: bool
    answers: bool


def print_course(
    plan: BuildPlan,
    modules: Sequence[RenderedModule],
    *,
    whole: bool,
    review: bool = False,
    answers: bool = True,
) -> PrintCourse:
    course = plan.course
    in_pdf = [r.module for r in modules]
    teasers = {
        m.id: PrintTeaser(
            m, course.number(m), relative_source(course, m.path), m.sourcemap.value(("id",)).line
        )
        for m in course.listed_modules
        if whole and not m.published
    }
    in_pdf_ids = {m.id for m in in_pdf} | set(teasers)
    print_modules: list[PrintModule] = []
    for rendered in modules:
        module = rendered.module
        body, headings = prepare_body(plan, rendered, in_pdf, whole, review)
        nxt = course.next_module(module)
        print_modules.append(
            PrintModule(
                module=module,
                number=course.number(module),
                body=body,
                headings=headings,
                next_module=nxt,
                next_in_pdf=nxt is not None and nxt.id in in_pdf_ids,
                source=relative_source(course, module.path),
                source_line=module.sourcemap.value(("id",)).line,
                quiz=(
                    print_quiz(module, module.spec.quiz, course.spec.allow_raw_html)
                    if module.spec.quiz
                    else None
                ),
            )
        )
    articles: dict[str, PrintModule | PrintTeaser] = {pm.module.id: pm for pm in print_modules}
    articles.update(teasers)
    order = [m.id for m in course.listed_modules if m.id in articles]
    return PrintCourse(
        tuple(print_modules), tuple(articles[i] for i in order), whole, review, answers
    )


def render_handout(
    plan: BuildPlan,
    printed: PrintCourse,
    *,
    part: str | None = None,
    pages: Mapping[str, str] | None = None,
) -> str:
    """The handout's HTML: the whole document (`part` None) or one part of the course handout
    ("cover", "contents", "module:<id>", "glossary", "objectives", "answers"), with `pages` the
    page number of each anchor that lives in another part."""
    course = plan.course
    print_modules = printed.modules
    terms: list[tuple[PrintModule, KeyTerm]] = [
        (pm, t) for pm in print_modules for t in pm.module.key_terms
    ]
    terms.sort(key=lambda mt: (mt[1].label.casefold(), mt[0].number))
    objective_index = [
        (
            pm,
            [
                ObjectiveEntry(
                    objective,
                    _addressed_by(objective, pm),
                    tuple(q for q in pm.quiz.questions if objective.id in q.objectives)
                    if pm.quiz
                    else (),
                )
                for objective in pm.module.objectives
            ],
        )
        for pm in print_modules
    ]
    date = plan.source_date
    if printed.whole:
        title = f"{course.spec.code} · {course.spec.title}"
    else:
        only = print_modules[0]
        title = f"{course.spec.code} · Module {only.number}: {only.module.title}"
    articles = printed.articles
    show = Show()
    if part is not None:
        articles = tuple(a for a in articles if part == f"module:{a.module.id}")
        names = ("cover", "contents", "glossary", "objectives", "answers")
        show = Show(*(part == name for name in names))
    in_pdf = {a.module.id for a in printed.articles}
    return plan.theme.render(
        TEMPLATE,
        course=course,
        spec=course.spec,
        title=title,
        modules=print_modules,
        by_id={pm.module.id: pm for pm in print_modules},
        articles=articles,
        show=show,
        part=part,
        pages=pages or {},
        listed=[(i + 1, m, m.id in in_pdf) for i, m in enumerate(course.listed_modules)],
        terms=terms,
        objective_index=objective_index,
        whole_course=printed.whole,
        review=printed.review,
        answers=printed.answers,
        build_date=date.strftime("%Y-%m-%d"),
        created=date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        generator=f"coursec {__version__}",
        stylesheets=["static/highlight.css", STYLESHEET],
    )


def handout_html(
    plan: BuildPlan,
    modules: Sequence[RenderedModule],
    *,
    whole: bool,
    review: bool = False,
    answers: bool = True,
) -> str:
    """The handout as one HTML document: the whole course (cover, contents, modules, indexes)
    or one module.

    `review` adds the DRAFT watermark and source references; `answers` prints the answer key of
    each knowledge check (left out of learners' copies).
    """
    printed = print_course(plan, modules, whole=whole, review=review, answers=answers)
    return render_handout(plan, printed)


def handout_parts(plan: BuildPlan, printed: PrintCourse) -> list[Part] | None:
    """The parts of the course handout, or None when the print template cannot lay out parts
    (a course's own template written before them: it is laid out as one document)."""
    env = plan.theme.env
    source = env.loader.get_source(env, TEMPLATE)[0] if env.loader is not None else ""
    if "articles" not in jinja2_meta.find_undeclared_variables(env.parse(source)):
        return None
    parts = [Part("cover", numbered=False), Part("contents", numbered=True)]
    parts += [Part(f"module:{a.module.id}", numbered=False) for a in printed.articles]
    parts += [Part("glossary", numbered=True), Part("objectives", numbered=True)]
    if printed.answers and any(pm.quiz for pm in printed.modules):
        parts.append(Part("answers", numbered=False))
    return parts


class PdfOptions(BaseModel):
    """`pdf:` in course.yml, or `--set pdf.OPTION=VALUE` (`--review`, `--learner` and
    `--pdf-per-module` are shortcuts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_module: bool = Field(False, description="Also write one PDF per module.")
    review: bool = Field(
        False, description="A reviewer's copy: DRAFT watermark, source lines in the margin."
    )
    learner: bool = Field(False, description="A learner's copy: no answer key.")


class PdfExporter:
    name: ClassVar[str] = "pdf"
    description: ClassVar[str] = "PDF handout for reviewers (print layout by WeasyPrint)"
    options_model: ClassVar[type[BaseModel]] = PdfOptions

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        options = ctx.options if isinstance(ctx.options, PdfOptions) else PdfOptions()
        per_module = options.per_module
        course_id = plan.course.id
        ctx.out_dir.mkdir(parents=True, exist_ok=True)
        files = build_files(plan)
        layouts = Layouts.for_build(BuildFetcher(files), ctx.parts)
        review, answers = options.review, not options.learner
        printed = print_course(plan, plan.modules, whole=True, review=review, answers=answers)
        parts = handout_parts(plan, printed)
        laid: list[Laid] = []
        if parts is None:
            got = layouts.get(render_handout(plan, printed), Margins.ALL)
            laid.append(got.laid)
            data = got.laid.pdf
        else:

            def render(part: str, pages: Mapping[str, str]) -> str:
                return render_handout(plan, printed, part=part, pages=pages)

            handout = build_handout(parts, render, layouts)
            laid += handout.laid
            data = handout.pdf
        (ctx.out_dir / f"{course_id}.pdf").write_bytes(data)
        artifacts = [Artifact(Path(f"{course_id}.pdf"), "PDF handout")]
        for rendered in plan.modules if per_module else ():
            one = print_course(plan, (rendered,), whole=False, review=review, answers=answers)
            got = layouts.get(render_handout(plan, one), Margins.ALL)
            laid.append(got.laid)
            filename = f"{course_id}-{rendered.module.id}.pdf"
            (ctx.out_dir / filename).write_bytes(got.laid.pdf)
            artifacts.append(Artifact(Path(filename), f"PDF of module {rendered.module.id}"))
        self._report(plan, ctx, laid, files)
        return artifacts

    @staticmethod
    def _report(
        plan: BuildPlan, ctx: ExportContext, laid: Sequence[Laid], files: Mapping[str, Path | bytes]
    ) -> None:
        """The renderer's warnings, the same whether a layout was made or reused."""
        written = _written_at(plan)
        refused = list(dict.fromkeys(url for one in laid for url in one.refused))
        for url in refused:
            remote = urlsplit(url).scheme in ("http", "https") and not url.startswith(ORIGIN)
            ctx.report.warning(
                "CS505",
                f'PDF: refused to load "{url}"',
                written.get(url),
                "the PDF embeds only files inside the course folder: save the image there and "
                "refer to it by a relative path"
                if remote
                else "a handout loads only the build's own files (course media, the theme's "
                "static/ and print/ files); nothing else is read or fetched",
            )
        messages = dict.fromkeys(message for one in laid for message in one.messages)
        for message in messages:
            if not any(url in message for url in refused):
                ctx.report.warning("CS506", f"PDF renderer: {message}")
        for key, what in dict.fromkeys(item for one in laid for item in one.unprintable):
            source = files.get(key)
            ctx.report.warning(
                "CS506",
                f"PDF: {PurePosixPath(key).name}: {what}",
                Span(source, 0, 0) if isinstance(source, Path) else None,
                "WeasyPrint, which lays out the PDF, cannot draw this part of an SVG; the HTML "
                "and SCORM outputs show it as written",
            )


def _written_at(plan: BuildPlan) -> dict[str, Span]:
    """Where each image URL of the module bodies is written, to point a refusal at its source."""
    where: dict[str, Span] = {}
    for rendered in plan.modules:
        module = rendered.module
        for ref in module.body.references:
            if ref.kind == "image":
                where.setdefault(ref.url, Span(module.path, module.line_of(ref.line), 1))
    return where
