"""The handout as data and HTML: the course put in print order (`print_course`), rendered
through the theme's print template (`render_handout`), cut into the chapters that are laid out
separately (`handout_chapters`).

Long because the chapters `handout_chapters` names are the ones `render_handout` renders, and
both read the print data prepared here: kept together, the cut and the render cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar

from jinja2 import meta as jinja2_meta
from markupsafe import Markup

from coursec import __version__
from coursec.anchors import page_anchors
from coursec.coverage import addressing_sections
from coursec.export import NoParts, PartStore
from coursec.i18n import Interface, course_interfaces, module_interface
from coursec.incremental.fingerprint import text_sha256
from coursec.inline import InlineMarkdown
from coursec.model import Module
from coursec.plan import BuildPlan, RenderedModule
from coursec.questions import QuestionView, question_view
from coursec.quiz import quiz_dom_id
from coursec.schema import KeyTerm, Objective, Quiz
from coursec.theme import default_theme_dir

from .body import Heading, prepared_bodies, relative_source
from .chapters import Chapter
from .dates import handout_dates

T = TypeVar("T")
TEMPLATE = "print/handout.html.j2"
_MODULE_KEY = "coursec-print-module/1"  # what a module chapter's HTML is kept by (`_module_key`)
_INDEX_KEY = "coursec-print-index/1"  # and the contents' and back matter's (`_index_keys`)
STYLESHEET = "print/handout.css"


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
    lang: str  # the module's language
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
    lang: str


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
    question, html, words = view.question, view.inline.html, view.interface
    paper = view.paper()
    notes = list(paper.notes)
    if question.feedback.correct:
        right = words.gettext("If right: %(feedback)s", feedback="\0")
        notes.append(Markup("{}{}{}").format(*_around(right, html(question.feedback.correct))))
    if question.feedback.incorrect:
        wrong = words.gettext("If wrong: %(feedback)s", feedback="\0")
        notes.append(Markup("{}{}{}").format(*_around(wrong, html(question.feedback.incorrect))))
    return PrintQuestion(
        id=question.id,
        number=view.number,
        type=view.type,
        prompt=view.prompt,
        instruction=view.paper_hint,
        options=paper.options,
        left=paper.left,
        answer=paper.answer,
        answer_ordered=paper.answer_ordered,
        notes=tuple(notes),
        objectives=tuple(question.objectives),
        line=line,
    )


def _around(text: str, inner: Markup) -> tuple[str, Markup, str]:
    """A translated message holding `\\0` where HTML goes: (before, the HTML, after)."""
    before, _, after = text.partition("\0")
    return before, inner, after


def print_quiz(module: Module, quiz: Quiz, allow_html: bool, words: Interface) -> PrintQuiz:
    """The module's knowledge check for paper, in its language; its texts follow the course's
    `allow_raw_html`."""
    count = len(quiz.questions)
    rules = [words.ngettext("%(num)s question", "%(num)s questions", count)]
    if quiz.draw is not None and quiz.draw < count:
        rules[0] = words.ngettext(
            "%(draw)s of these %(num)s question is drawn for each attempt",
            "%(draw)s of these %(num)s questions are drawn for each attempt",
            count,
            draw=words.number(quiz.draw),
        )
    rules.append(words.gettext("pass mark %(mark)s%%", mark=quiz.passing_score))
    if quiz.attempts:
        rules.append(words.ngettext("%(num)s attempt", "%(num)s attempts", quiz.attempts))
    inline = InlineMarkdown(allow_html, page_anchors(module.spec, module.sections))
    questions = tuple(
        print_question(
            question_view(q, quiz_dom_id(module.id), i + 1, inline, words),
            module.sourcemap.value(("quiz", "questions", i)).line,
        )
        for i, q in enumerate(quiz.questions)
    )
    title = quiz.title or words.gettext("Knowledge check")
    return PrintQuiz(title, " · ".join(rules), questions)


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


# The modules whose answers one part of the answer key holds, and whose entries one part of the
# objectives index: each part starts a page and is a chapter of the handout, laid out beside
# the others. Whole, the key of a 200-module course with eight questions a module was 354
# pages, laid out alone at the end of a build (30 s, the other worker idle), and again whenever
# a question changed; with a knowledge check in each of 800 modules, laying the index out whole
# took the build to a peak of 1.5 GiB.
ANSWERS_PER_PART = 10
OBJECTIVES_PER_PART = 25


@dataclass(frozen=True, slots=True)
class Show:
    """The sections of the course handout a document holds: all of them, or one chapter's."""

    cover: bool = True
    contents: bool = True
    glossary: bool = True
    objectives: bool = True
    answers: bool = True


@dataclass(frozen=True, slots=True)
class PrintCourse:
    """What the print template needs about the modules of one PDF, prepared once (not once per
    chapter: the glossary and the objectives index grow with the course)."""

    modules: tuple[PrintModule, ...]  # the modules printed in full
    articles: tuple[PrintModule | PrintTeaser, ...]  # and the teasers, in course order
    whole: bool
    review: bool
    answers: bool
    terms: tuple[tuple[PrintModule, KeyTerm], ...]  # the glossary, in print order
    objective_index: tuple[tuple[PrintModule, tuple[ObjectiveEntry, ...]], ...]
    # each module a learner sees: its number, the module, and whether this PDF prints it
    listed: tuple[tuple[int, Module, bool], ...]
    by_id: Mapping[str, PrintModule] = field(hash=False)  # the modules printed in full
    by_chapter: Mapping[str, PrintModule | PrintTeaser] = field(hash=False)  # "module:<id>"
    quizzes: tuple[PrintModule, ...]  # the modules printed in full that have a quiz
    # the objectives index and the answer key in parts, each a chapter (`OBJECTIVES_PER_PART`)
    objective_parts: Sequence[Sequence[tuple[PrintModule, tuple[ObjectiveEntry, ...]]]]
    answer_parts: Sequence[Sequence[PrintModule]]


def _glossary(modules: Sequence[PrintModule]) -> tuple[tuple[PrintModule, KeyTerm], ...]:
    terms = [(pm, t) for pm in modules for t in pm.module.key_terms]
    terms.sort(key=lambda mt: (mt[1].label.casefold(), mt[0].number))
    return tuple(terms)


def _objective_index(
    modules: Sequence[PrintModule],
) -> tuple[tuple[PrintModule, tuple[ObjectiveEntry, ...]], ...]:
    return tuple(
        (
            pm,
            tuple(
                ObjectiveEntry(
                    objective,
                    _addressed_by(objective, pm),
                    tuple(q for q in pm.quiz.questions if objective.id in q.objectives)
                    if pm.quiz
                    else (),
                )
                for objective in pm.module.objectives
            ),
        )
        for pm in modules
    )


def print_course(
    plan: BuildPlan,
    modules: Sequence[RenderedModule],
    *,
    whole: bool,
    review: bool = False,
    answers: bool = True,
    store: PartStore | None = None,
) -> PrintCourse:
    """The course in print order; with `store`, the module bodies prepared in an earlier build
    are taken from it (`body.prepared_bodies`)."""
    course = plan.course
    in_pdf = {r.module.page: r.module for r in modules}
    teasers = {
        m.id: PrintTeaser(
            m,
            course.number(m),
            relative_source(course, m.path),
            m.sourcemap.value(("id",)).line,
            course.language_of(m),
        )
        for m in course.listed_modules
        if whole and not m.published
    }
    in_pdf_ids = {m.id for m in in_pdf.values()} | set(teasers)
    bodies = prepared_bodies(plan, modules, in_pdf, whole, review, store or NoParts())
    print_modules: list[PrintModule] = []
    for rendered, (body, headings) in zip(modules, bodies, strict=True):
        module = rendered.module
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
                lang=course.language_of(module),
                quiz=(
                    print_quiz(
                        module,
                        module.spec.quiz,
                        course.spec.allow_raw_html,
                        module_interface(course, module),
                    )
                    if module.spec.quiz
                    else None
                ),
            )
        )
    articles: dict[str, PrintModule | PrintTeaser] = {pm.module.id: pm for pm in print_modules}
    articles.update(teasers)
    order = [m.id for m in course.listed_modules if m.id in articles]
    objective_index = _objective_index(print_modules)
    quizzes = tuple(pm for pm in print_modules if pm.quiz)
    return PrintCourse(
        tuple(print_modules),
        tuple(articles[i] for i in order),
        whole,
        review,
        answers,
        _glossary(print_modules),
        objective_index,
        tuple((i + 1, m, m.id in articles) for i, m in enumerate(course.listed_modules)),
        {pm.module.id: pm for pm in print_modules},
        {f"module:{i}": articles[i] for i in order},
        quizzes,
        _parts(objective_index, OBJECTIVES_PER_PART),
        _parts(quizzes, ANSWERS_PER_PART),
    )


def render_handout(
    plan: BuildPlan,
    printed: PrintCourse,
    *,
    chapter: str | None = None,
    pages: Mapping[str, str] | None = None,
) -> str:
    """The handout's HTML: the whole document (`chapter` None) or one chapter of the course handout
    ("cover", "contents", "module:<id>", "glossary", "objectives:<n>", "answers:<n>"),
    with `pages` the page number of each anchor that lives in another chapter."""
    course = plan.course
    print_modules = printed.modules
    date = plan.source_date
    if printed.whole:
        title = f"{course.spec.code} · {course.spec.title}"
    else:
        only = print_modules[0]
        words = course_interfaces(course).get(only.lang)
        module_title = words.gettext(
            "Module %(number)s: %(title)s", number=only.number, title=only.module.title
        )
        title = f"{course.spec.code} · {module_title}"
    articles = printed.articles
    show = Show()
    parts: dict[str, Sequence[Sequence[object]]] = {
        "objectives": printed.objective_parts,
        "answers": printed.answer_parts,
    }
    heads = {"objectives": True, "answers": True}
    if chapter is not None:
        article = printed.by_chapter.get(chapter)
        articles = (article,) if article is not None else ()
        kind, _, number = chapter.partition(":")
        names = ("cover", "contents", "glossary", "objectives", "answers")
        show = Show(*(kind == name for name in names))
        if kind in parts and number:  # one part of the objectives index or the answer key
            parts[kind] = parts[kind][int(number) - 1 : int(number)]
            heads[kind] = number == "1"
    return plan.theme.render(
        TEMPLATE,
        course=course,
        spec=course.spec,
        title=title,
        modules=print_modules,
        by_id=printed.by_id,
        articles=articles,
        show=show,
        chapter=chapter,
        pages=pages if pages is not None else {},
        listed=printed.listed,
        quizzes=printed.quizzes,
        objective_parts=parts["objectives"],
        objectives_head=heads["objectives"],
        answer_parts=parts["answers"],
        answer_key_head=heads["answers"],
        terms=printed.terms,
        objective_index=printed.objective_index,
        whole_course=printed.whole,
        review=printed.review,
        answers=printed.answers,
        build_date=course_interfaces(course).course.date(date.date()),
        created=handout_dates(date)[0 if chapter == "cover" else 1],
        generator=f"coursec {__version__}",
        stylesheets=["static/highlight.css", STYLESHEET],
        page_numbers=page_numbers_css(course_interfaces(course).course),
    )


def page_numbers_css(words: Interface) -> str:
    """The CSS `content` of the page-number margin box ("Page 3 of 12") in the course's
    language: the message's words as strings, its placeholders as page counters."""
    message = words.gettext("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = []
    for i, piece in enumerate(message.split("\0")):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            quoted = piece.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
            parts.append(f'"{quoted}"')
    return " ".join(parts)


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


def handout_chapters(plan: BuildPlan, printed: PrintCourse) -> list[Chapter] | None:
    """The chapters of the course handout, or None when the print template cannot lay out chapters
    (a course's own template written before them: it is laid out as one document). coursec's
    own template can; a course's own is parsed to know (0.05 s for coursec's)."""
    env = plan.theme.env
    source, filename, _ = env.loader.get_source(env, TEMPLATE) if env.loader else ("", "", None)
    own = Path(filename or "") == default_theme_dir() / TEMPLATE
    uses = set() if own else jinja2_meta.find_undeclared_variables(env.parse(source))
    if not own and "articles" not in uses:
        return None
    keyed = plan.theme.default_only
    # each knowledge check as data, once for both keys that show it (0.3 ms a check)
    quizzes = {
        a.module.id: asdict(a.quiz)
        for a in printed.articles
        if keyed and isinstance(a, PrintModule) and a.quiz
    }
    index_key = _index_keys(plan, printed, quizzes) if keyed else None

    def chapter(name: str, numbered: bool) -> Chapter:
        """The contents or a back-matter chapter, keyed in coursec's own template."""
        return Chapter(name, numbered, index_key(name) if index_key else None)

    chapters = [Chapter("cover", numbered=False), chapter("contents", numbered=True)]
    chapters += [
        Chapter(
            f"module:{a.module.id}",
            False,
            _module_key(plan, printed, a, quizzes) if keyed else None,
        )
        for a in printed.articles
    ]
    chapters.append(chapter("glossary", numbered=True))

    def in_parts(
        name: str, variable: str, parts: Sequence[object], numbered: bool
    ) -> list[Chapter]:
        """A chapter for each of `parts`; one whole for a template written before the parts
        (it does not use `variable`, the template's list of them)."""
        if not own and variable not in uses:
            return [Chapter(name, numbered)]
        return [chapter(f"{name}:{n}", numbered) for n in range(1, len(parts) + 1)]

    chapters += in_parts("objectives", "objective_parts", printed.objective_parts, numbered=True)
    if printed.answers and printed.quizzes:
        chapters += in_parts("answers", "answer_parts", printed.answer_parts, numbered=False)
    return chapters


def _module_key(
    plan: BuildPlan,
    printed: PrintCourse,
    article: PrintModule | PrintTeaser,
    quizzes: Mapping[str, object],
) -> str:
    """A digest of all a module's chapter shows in coursec's own print template: the front
    matter and place of every module (`plan.outline`: the next module's title and summary are
    printed), the course (the part store keys on course.yml), and what this module prints of
    its own beyond its front matter (`quizzes`: each module's knowledge check as data). A
    course's own templates may print anything: its chapters get no key."""
    material: list[object] = [
        _MODULE_KEY,
        plan.outline,
        article.module.id,
        article.number,
        article.source,
        article.source_line if printed.review else None,  # printed in a reviewer's copy
        article.lang,
        [printed.whole, printed.review, printed.answers],
    ]
    if isinstance(article, PrintModule):
        following = article.next_module
        material += [
            text_sha256(article.body),
            following and [following.id, plan.course.number(following), article.next_in_pdf],
            quizzes.get(article.module.id),  # its questions' lines too
        ]
    return text_sha256(json.dumps(material, ensure_ascii=False, default=str))


def _index_keys(
    plan: BuildPlan, printed: PrintCourse, quizzes: Mapping[str, object]
) -> Callable[[str], str]:
    """The key of the contents and of each back-matter chapter (glossary, objectives index,
    answer key) by name: a digest of all they show in coursec's own print template but the page
    numbers, which their numbered renders look up anew: the course and the front matter and
    place of every module (`plan.outline`), and what each printed module shows of its own beyond
    its front matter, its headings as printed and its knowledge check (its questions' lines
    too). The cover prints the build's date: it gets no key."""
    articles = [
        [a.module.id, a.number, a.lang, a.teaser]
        + (
            [[[h.id, h.text] for h in a.headings], quizzes.get(a.module.id)]
            if isinstance(a, PrintModule)
            else []
        )
        for a in printed.articles
    ]
    flags = [printed.whole, printed.review, printed.answers]
    material = [_INDEX_KEY, plan.outline, flags, articles]
    shown = text_sha256(json.dumps(material, ensure_ascii=False, default=str))
    return lambda name: text_sha256(f"{shown}\0{name}")


def _parts(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """`items` in parts of `size`; at least one, empty when they are (a course of coming-soon
    modules still has an objectives index, with its heading)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]
