"""The Markdown texts of a knowledge check: which fields they are, the anchors their links may
name, and what in them no output can show (reported to the author as diagnostics).

A question's prompt and feedback are inline Markdown (`coursec.inline`), and so are the texts
of its kind's fields that its kind names (choices, matching and ordering items); a short-text
question's accepted answers are what learners type, so they stay plain text, as does the
check's title (a heading, like the body's).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from coursec.anchors import PageAnchors, page_anchors
from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.inline import InlineReference, inline_references
from coursec.markdown import Section, is_remote
from coursec.markdown_rules import slugify
from coursec.questions import KINDS
from coursec.schema import ModuleSpec, Question
from coursec.sourcemap import Loc, SourceMap

__all__ = ["check_quiz_texts", "question_texts"]


def question_texts(question: Question) -> Iterator[tuple[Loc, str]]:
    """Each Markdown text of a question, with its place in the question's front matter."""
    yield ("prompt",), question.prompt
    yield from KINDS[question.type].texts(question)
    for result in ("correct", "incorrect"):
        text = getattr(question.feedback, result)
        if text:
            yield ("feedback", result), text


def check_quiz_texts(
    spec: ModuleSpec,
    sections: Sequence[Section],
    smap: SourceMap,
    allow_html: bool,
) -> list[Diagnostic]:
    """What the module's knowledge-check texts hold that outputs show differently."""
    if spec.quiz is None:
        return []
    anchors = page_anchors(spec, sections)
    found: list[Diagnostic] = []
    html_at: Span | None = None
    for qi, question in enumerate(spec.quiz.questions):
        for loc, text in question_texts(question):
            span = smap.value(("quiz", "questions", qi, *loc))
            references, raw_html = inline_references(text, allow_html)
            if raw_html and not allow_html and html_at is None:
                html_at = span
            found += [d for r in references if (d := _problem(r, anchors, span)) is not None]
    if html_at is not None:
        found.append(
            Diagnostic(
                Severity.WARNING,
                Code.CS404,
                "raw HTML in knowledge-check text is shown as text because the course does "
                "not allow it",
                html_at,
                "use Markdown (`code`, *emphasis*), or set `allow_raw_html: true` in course.yml",
            )
        )
    return found


def _problem(reference: InlineReference, anchors: PageAnchors, span: Span) -> Diagnostic | None:
    """What an output does to a link or image unlike the author wrote it, if anything."""
    url = reference.url
    if reference.kind == "image":
        return Diagnostic(
            Severity.WARNING,
            Code.CS409,
            f'image "{url}" in knowledge-check text: its alt text is shown instead',
            span,
            "put images in the module's body; a question can refer to them",
        )
    if url.startswith("#"):
        if anchors.resolve(url[1:]) is not None:
            return None
        slugs = sorted(s.removeprefix(anchors.prefix) for s in anchors.sections)
        close = difflib.get_close_matches(slugify(url[1:]), slugs, n=1)
        return Diagnostic(
            Severity.WARNING,
            Code.CS309,
            f'link "{url}" points at a heading that does not exist; it is shown as text',
            span,
            f'did you mean "#{close[0]}"?' if close else "headings here: " + ", ".join(slugs),
        )
    if is_remote(url):
        return None
    return Diagnostic(
        Severity.WARNING,
        Code.CS409,
        f'link to "{url}" in knowledge-check text is shown as text',
        span,
        "a knowledge check links only to web pages (https:, mailto:) and to headings of its "
        "own module (#slug)",
    )
