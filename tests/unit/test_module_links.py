"""Links between modules: marked once when a body is rendered, rewritten for each packaging.

The site keeps page links; the single page of a single-SCO package links to the module's place
on it; a SCO of a multi-SCO package mentions other modules in words (SCORM 2004: a mention the
runtime may turn into an LMS navigation request), and never links to another SCO's page.
"""

from __future__ import annotations

import pytest

from conftest import MakeCourse
from coursec.loading import load_course
from coursec.model import Course
from coursec.render import render, render_module
from coursec.site import PageMode, packaged_body

MODULES = {
    "modules/one.md": """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - { id: explain-widgets, text: Explain widgets., sections: [widgets] }
---
## Widgets

See [gadgets](two.md#gadgets "the gadgets section"), [module two](two.md),
[the *third* one](three.md) and [widgets again](one.md#widgets).
""",
    "modules/two.md": """\
---
id: two
title: Module two
summary: The second module.
objectives:
  - { id: explain-gadgets, text: Explain gadgets., sections: [gadgets] }
---
## Gadgets

Gadgets.
""",
    "modules/three.md": """\
---
id: three
title: Module three
summary: Not written yet.
status: coming-soon
---
""",
}
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
allow_raw_html: true
modules:
  - modules/one.md
  - modules/two.md
  - modules/three.md
"""

SITE = PageMode()
SINGLE_12 = PageMode(packaged=True, one_page=True)  # a single-SCO package
MULTI_12 = PageMode(packaged=True)  # a multi-SCO package whose runtime cannot ask for another
MULTI_2004 = PageMode(packaged=True, choice=True)  # one whose runtime can (SCORM 2004)


@pytest.fixture
def course(make_course: MakeCourse) -> Course:
    loaded = load_course(make_course(course=COURSE, modules=MODULES)).course
    assert loaded is not None
    return loaded


@pytest.fixture
def body(course: Course) -> str:
    return render_module(course, course.published_modules[0]).html


def test_links_to_modules_are_marked_when_rendered(body: str) -> None:
    assert (
        '<a href="two.html#two-gadgets" data-cs-module="two" title="the gadgets section">'
        "gadgets</a>" in body
    )
    assert '<a href="two.html" data-cs-module="two">module two</a>' in body
    # a module that is not published: the course home, marked with no module
    assert '<a href="index.html" data-cs-module="">the <em>third</em> one</a>' in body
    assert '<a href="one.html#one-widgets" data-cs-module="one">widgets again</a>' in body


def test_the_mark_cannot_be_forged(make_course: MakeCourse) -> None:
    modules = dict(MODULES)
    modules["modules/two.md"] += '\n<a href="one.html" data-cs-module="one">forged</a>\n'
    course = load_course(make_course(course=COURSE, modules=modules)).course
    assert course is not None
    html = render_module(course, course.published_modules[1]).html
    assert "forged" in html and "data-cs-module" not in html
    assert packaged_body(html, MULTI_12, "two") == html  # nothing to rewrite


def test_site_keeps_page_links(body: str) -> None:
    html = packaged_body(body, SITE, "one")
    assert "data-cs-module" not in html
    assert '<a href="two.html#two-gadgets" title="the gadgets section">gadgets</a>' in html
    assert '<a href="two.html">module two</a>' in html
    assert '<a href="index.html">the <em>third</em> one</a>' in html


def test_single_page_links_to_the_module_on_the_page(body: str) -> None:
    html = packaged_body(body, SINGLE_12, None)
    assert '<a href="#two-gadgets" title="the gadgets section">gadgets</a>' in html
    assert '<a href="#two-title">module two</a>' in html
    assert '<a href="#one-widgets">widgets again</a>' in html
    # no page, no course home in the package: words
    assert '<span class="cs-xref">the <em>third</em> one</span>' in html
    assert ".html" not in html


@pytest.mark.parametrize("mode", [MULTI_12, MULTI_2004], ids=["1.2", "2004"])
def test_a_sco_mentions_other_modules_in_words(body: str, mode: PageMode) -> None:
    html = packaged_body(body, mode, "one")
    choice = ' data-coursec-choice="two"' if mode.choice else ""
    assert f'<span class="cs-xref"{choice} title="the gadgets section">gadgets</span>' in html
    assert f'<span class="cs-xref"{choice}>module two</span>' in html
    assert '<span class="cs-xref">the <em>third</em> one</span>' in html
    assert '<a href="#one-widgets">widgets again</a>' in html  # its own module: a link
    assert ".html" not in html


def test_every_page_of_the_course_rewrites_its_bodies(course: Course) -> None:
    plan = render(course)
    pages = {
        mode: [packaged_body(r.html, mode, r.module.id) for r in plan.modules]
        for mode in (SITE, SINGLE_12, MULTI_12, MULTI_2004)
    }
    assert all("data-cs-module" not in html for htmls in pages.values() for html in htmls)
    assert any("two.html" in html for html in pages[SITE])
    assert not any(".html" in html for mode in (SINGLE_12, MULTI_12) for html in pages[mode])
