"""Checks across a loaded course: unique ids, links to other modules' headings, and each
module's content (callouts, headings, objectives, the questions that assess them)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from coursec.body_text import CALLOUT_TITLES
from coursec.codes import Code
from coursec.coverage import addressing_sections, assessing_questions
from coursec.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from coursec.markdown import Section
from coursec.markdown_rules import slugify
from coursec.model import Module
from coursec.quiz_text import check_quiz_texts
from coursec.schema import ModuleSpec


def check_module(module: Module, allow_html: bool) -> list[Diagnostic]:
    """A loaded module's own content checks: callouts, headings, raw HTML, objectives and the
    questions that assess them (those that concern learners only for published modules)."""
    sink = DiagnosticSink()
    spec, smap = module.spec, module.sourcemap
    for section in module.sections:
        if section.repeated:
            sink.warning(
                Code.CS408,
                f'heading "{section.title}" appears twice in this module',
                Span(module.path, module.line_of(section.line), 1),
                f'its section id became "{section.id}"; give each heading its own title',
            )
    for callout in module.body.callouts:
        if not callout.closed:
            sink.error(
                Code.CS407,
                f'the "{callout.kind}" callout opened here is never closed',
                Span(module.path, module.line_of(callout.line), 1),
                "end it with a line ':::'; until then it takes in the rest of the module",
            )
        if callout.kind not in CALLOUT_TITLES:
            sink.error(
                Code.CS405,
                f'unknown callout kind "{callout.kind}"',
                Span(module.path, module.line_of(callout.line), 1),
                "use one of " + ", ".join(sorted(CALLOUT_TITLES)),
            )
    if module.body.raw_html_lines and not allow_html:
        line = module.body.raw_html_lines[0]
        sink.warning(
            Code.CS404,
            "raw HTML is shown as text because the course does not allow it",
            Span(module.path, module.line_of(line), 1),
            "set `allow_raw_html: true` in course.yml (the HTML is then sanitized)",
        )
    known = {o.id for o in spec.objectives}
    for qi, question in enumerate(spec.quiz.questions if spec.quiz else []):
        for oi, objective_id in enumerate(question.objectives):
            if objective_id not in known:
                close = difflib.get_close_matches(objective_id, sorted(known), n=1)
                sink.error(
                    Code.CS306,
                    f'question "{question.id}" assesses unknown objective "{objective_id}"',
                    smap.value(("quiz", "questions", qi, "objectives", oi)),
                    f'did you mean "{close[0]}"?'
                    if close
                    else "objectives here: " + ", ".join(known),
                )
    sink.extend(check_quiz_texts(spec, module.sections, smap, allow_html))
    if not module.published:
        return sink.items
    # an unclosed callout takes in the headings after it: what follows would only repeat that
    sections_known = not unclosed_callout(module)
    if not spec.objectives:
        sink.warning(
            Code.CS403,
            f'module "{spec.id}" has no learning objectives',
            smap.value(("id",)),
            "add `objectives:` with an `id` and `text` for each",
        )
    slugs = {s.id.removeprefix(f"{spec.id}-"): s for s in module.sections}
    for index, objective in enumerate(spec.objectives):
        for j, slug in enumerate(objective.sections):
            if slug not in slugs and sections_known:
                sink.error(
                    Code.CS305,
                    f'objective "{objective.id}" names section "{slug}", not a heading here',
                    smap.value(("objectives", index, "sections", j)),
                    "sections: " + ", ".join(slugs),
                )
        if not assessing_questions(objective, spec):
            sink.warning(
                Code.CS406,
                f'objective "{objective.id}" is not assessed by any question',
                smap.value(("objectives", index)),
                "add a knowledge-check question with this id under `objectives:`",
            )
        if sections_known and not addressing_sections(objective, module.sections, spec.id):
            sink.warning(
                Code.CS401,
                f'objective "{objective.id}" is not addressed by any section',
                smap.value(("objectives", index)),
                "write about it in the body, or list the headings that do in `sections:`",
            )
    return sink.items


def unclosed_callout(module: Module) -> bool:
    """Whether a callout of `module` is never closed (its headings are then unknown)."""
    return any(not callout.closed for callout in module.body.callouts)


def missing_anchor(
    url: str, spec: ModuleSpec, module_sections: tuple[Section, ...], span: Span
) -> Diagnostic:
    """CS309 for a link to a heading `module_sections` lack, with a did-you-mean."""
    slugs = [s.id.removeprefix(f"{spec.id}-") for s in module_sections]
    wanted = url.partition("#")[2]
    objectives = [f"objective-{o.id}" for o in spec.objectives]
    close = difflib.get_close_matches(slugify(wanted), slugs + objectives, n=1)
    return Diagnostic(
        Severity.WARNING,
        Code.CS309,
        f'link "{url}" points at a heading that does not exist',
        span,
        f'did you mean "#{close[0]}"?' if close else "headings here: " + ", ".join(slugs),
    )


def check_cross_anchors(
    anchors: Iterable[tuple[Path, str, str, Span]], modules: Iterable[Module]
) -> list[Diagnostic]:
    """Links to a heading of another module (`anchors`: target file, fragment, url, where)."""
    found: list[Diagnostic] = []
    by_path = {m.path: m for m in modules}
    for target, fragment, url, span in anchors:
        module = by_path.get(target)
        if module is None or not module.published:
            continue  # a file not in the course, or with no page: reported elsewhere / moot
        if span.path != target and unclosed_callout(module):
            continue  # the heading may be inside the callout: its CS407 is the mistake
        if module.anchor(fragment) is None:
            found.append(missing_anchor(url, module.spec, module.sections, span))
    return found


def check_ids(modules: Iterable[Module]) -> list[Diagnostic]:
    """Module, objective and question ids are unique in the course: each one given again is
    reported where it is given again, with where it was given first."""
    sink = DiagnosticSink()
    first: dict[tuple[str, str], Span] = {}  # (kind, id) -> where it is first given

    def once(kind: str, ident: str, span: Span, hint: str) -> None:
        earlier = first.setdefault((kind, ident), span)
        if earlier is span:
            return
        where = f"line {earlier.line}"
        if earlier.path != span.path:
            where = f"{earlier.path.name} line {earlier.line}"
        sink.error(
            Code.CS301, f'{kind} id "{ident}" is used twice (first defined at {where})', span, hint
        )

    for module in modules:
        smap = module.sourcemap
        once("module", module.id, smap.value(("id",)), "module ids must be unique in the course")
        for index, question in enumerate(module.spec.quiz.questions if module.spec.quiz else []):
            once(
                "question",
                question.id,
                smap.value(("quiz", "questions", index, "id")),
                "question ids must be unique in the course (SCORM interaction ids)",
            )
        for index, objective in enumerate(module.objectives):
            once(
                "objective",
                objective.id,
                smap.value(("objectives", index, "id")),
                "objective ids must be unique in the course (they are SCORM objective ids)",
            )
    return sink.items
