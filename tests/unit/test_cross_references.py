"""Links to a section or an objective, in the same module or another: where they lead, and the
warning (at the link's URL) when they lead nowhere."""

from __future__ import annotations

from pathlib import Path

from conftest import MODULE_MD, MakeCourse
from coursec.diagnostics import Diagnostic
from coursec.loading import load_course
from coursec.model import Course
from coursec.render import resolved_urls

COURSE = """\
id: demo
code: DEMO 101
title: Demo course
subject: Testing
language: en
description: A course written by a test.
authors:
  - name: Test Author
version: "1.0"
modules:
  - modules/one.md
  - modules/two.md
"""

TWO = """\
---
id: two
title: Gadgets
summary: All about gadgets.
key_terms:
  - { term: gadget, means: a small tool }
objectives:
  - id: list-gadgets
    text: List gadgets and widgets.
---
## More gadgets

Gadgets and widgets are listed here; see [the objective](#objective-list-gadgets).
"""

LINKS = """
Links: [a section](two.md#more-gadgets), [its full id](two.md#two-more-gadgets),
[an objective](two.md#objective-list-gadgets), [the terms](two.md#two-terms)
and [this module's objective](#objective-explain-widgets).
"""


def load(make_course: MakeCourse, one_body: str) -> tuple[Course | None, list[Diagnostic]]:
    root = make_course(
        course=COURSE, modules={"modules/one.md": MODULE_MD + one_body, "modules/two.md": TWO}
    )
    result = load_course(root)
    return result.course, result.diagnostics


def warnings(found: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in found if d.code == code]


def test_sections_and_objectives_of_any_module_resolve_to_their_ids(
    make_course: MakeCourse,
) -> None:
    course, found = load(make_course, LINKS)
    assert course is not None
    assert warnings(found, "CS309") == []
    one = next(m for m in course.modules if m.id == "one")
    assert resolved_urls(course, one) == {
        "two.md#more-gadgets": "two.html#two-more-gadgets",
        "two.md#two-more-gadgets": "two.html#two-more-gadgets",
        "two.md#objective-list-gadgets": "two.html#objective-list-gadgets",
        "two.md#two-terms": "two.html#two-terms",
    }  # "#objective-explain-widgets" is already the id on this page: left as written
    two = next(m for m in course.modules if m.id == "two")
    assert two.anchor("objective-list-gadgets") == "objective-list-gadgets"
    assert two.anchor("More gadgets") == "two-more-gadgets"
    assert two.anchor("two-objectives") == "two-objectives"
    assert two.anchor("objective-no-such-thing") is None


def test_a_box_the_module_does_not_show_is_not_a_target(make_course: MakeCourse) -> None:
    _, found = load(make_course, "\nSee [the terms](#one-terms).\n")  # one has no key terms
    [dead] = warnings(found, "CS309")
    assert dead.message == 'link "#one-terms" points at a heading that does not exist'


def test_a_dead_objective_link_is_reported_at_its_url(make_course: MakeCourse) -> None:
    body = "\nFirst line.\nSee the [objective](two.md#objective-list-gadget) there.\n"
    _, found = load(make_course, body)
    [dead] = warnings(found, "CS309")
    assert dead.message == (
        'link "two.md#objective-list-gadget" points at a heading that does not exist'
    )
    assert dead.hint == 'did you mean "#objective-list-gadgets"?'
    assert dead.span is not None
    line = MODULE_MD.count("\n") + 3  # the module file's line of "See the ..."
    assert (Path(dead.span.path).name, dead.span.line, dead.span.col) == ("one.md", line, 21)


def test_a_dead_in_page_link_is_reported_at_its_url(make_course: MakeCourse) -> None:
    body = "\nA paragraph that runs\nover lines: [see](#widgets-and-gadgts) and [b](#nowhere).\n"
    _, found = load(make_course, body)
    located = sorted(
        (d.span.line, d.span.col, d.hint) for d in warnings(found, "CS309") if d.span is not None
    )
    line = MODULE_MD.count("\n") + 3
    assert located == [
        (line, 19, 'did you mean "#widgets-and-gadgets"?'),
        (line, 48, "headings here: widgets-and-gadgets"),
    ]
