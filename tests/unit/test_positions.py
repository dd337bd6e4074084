"""Line numbers are those an editor shows, whatever a value holds: only a line feed ends a line.

YAML's parser also ends a line at U+0085, U+2028 and U+2029, and Markdown at a carriage return;
an editor shows these inside a line. Each is put into a quoted value and into a body line,
before a mistake in the front matter and one in the body, which must keep their lines.
"""

from __future__ import annotations

import pytest

from conftest import MakeCourse
from coursec.loading import load_course

ODD = {
    "U+2028": "\u2028",
    "U+2029": "\u2029",
    "U+0085": "\u0085",
    "lone CR": "\r",
    "BOM inside": "\ufeff",
    "no-break space": "\u00a0",
    "astral": "\U0001f600",
}
MODULE = """\
---
id: one
title: Module one
summary: "The first{odd}module{odd}."
objectives:
  - id: explain-widgets
    text: Explain widgets.
{mistake}---
## Widgets

Widgets{odd}are explained here.

A line{odd}with ![a widget]({image}) in it.
"""


def lines(make_course: MakeCourse, odd: str, mistake: str, image: str) -> dict[str, int]:
    text = MODULE.format(odd=odd, mistake=mistake, image=image)
    root = make_course(modules={"modules/one.md": text.encode()})
    return {d.code: d.span.line for d in load_course(root).diagnostics if d.span is not None}


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_a_front_matter_mistake_keeps_its_line(make_course: MakeCourse, odd: str) -> None:
    assert lines(make_course, odd, "statu: draft\n", "a.png")["CS202"] == 8


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_a_body_mistake_keeps_its_line(make_course: MakeCourse, odd: str) -> None:
    assert lines(make_course, odd, "", "missing.png")["CS303"] == 13
