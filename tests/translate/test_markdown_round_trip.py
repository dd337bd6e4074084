"""Markdown through XLIFF and back: every construct of a body, its inline codes, and texts
that change length and lines (coursec.translate.inline, body, write_back)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import COURSE_YML, MakeCourse
from coursec.loading import load_course
from coursec.markdown import render_body
from coursec.translate.extract import extract
from coursec.translate.inline import (
    Paired,
    Ref,
    TargetNode,
    as_target,
    codes,
    markdown,
    parser,
    segment,
)
from coursec.translate.merge import merge
from coursec.translate.xliff_writer import Carried, write_xliff

BODY = """\
## Widgets and gadgets

Widgets *and* gadgets are explained here,
over two lines with a [link](#widgets-and-gadgets "to the top").

> A quotation
lazy continued.

- item one
  continues
- item two with `code`

1. first
2. second

Term
: Its definition.

| Col \\| A | Col B |
|---|---|
| cell a | **bold** |

::: note My own title
Inside the callout.
:::

Setext heading
--------------

Text with a footnote[^n] and a hard  
break, an escape \\* and an &amp; entity, see <https://example.org>.

![A diagram](../assets/d.svg "A caption")

[^n]: The footnote
    goes on.
"""  # noqa: W291 (the hard break's two spaces)
MODULE = f"""\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
    sections: [widgets-and-gadgets, setext-heading]
---
{BODY}"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 1 1"><title>d</title></svg>'


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        (
            "Tom &amp; Jerry \\*not em\\* and *em* **strong** ~~gone~~",
            ["ph", "ph", "ph", "pc", "pc", "pc"],
        ),
        ("a `code` b ``co`de`` c", ["ph", "ph"]),
        ('see <https://example.org> and [a link](https://x.org "Title")', ["ph", "pc"]),
        ('![alt *x*](img.png "Cap \\"q\\"") end', ["pc", "pc"]),
        ("line one  \nline two\\\nline three", ["ph", "ph"]),
        ("*a [b **c**](u) d*", ["pc", "pc", "pc"]),
    ],
)
def test_inline_markdown_cut_into_codes_gives_back_its_source(
    source: str, kinds: list[str]
) -> None:
    tokens = parser(False).parseInline(source, {})[0].children or []
    nodes = segment(source, tokens)
    assert markdown(nodes) == source
    assert [c.kind for c in codes(nodes)] == kinds
    assert len({c.id for c in codes(nodes)}) == len(kinds)


def test_an_image_title_is_a_unit_of_its_own() -> None:
    source = '![alt](img.png "Cap \\"q\\"")'
    nodes = segment(source, parser(False).parseInline(source, {})[0].children or [])
    image = nodes[0]
    assert isinstance(image, Paired) and image.code.title is not None
    a, b = image.code.title
    assert image.code.end[a:b] == 'Cap \\"q\\"'


def _pseudo(nodes: tuple[TargetNode, ...], top: bool = True) -> tuple[TargetNode, ...]:
    """Upper-case words, and one more line at the end of each text that has words of its own
    (not after a figure's image: it would be an image in a paragraph then)."""
    out: list[TargetNode] = [
        n.upper()
        if isinstance(n, str)
        else Ref(
            n.id, n.kind, 0, 0, n.copy_of, None if n.content is None else _pseudo(n.content, False)
        )
        for n in nodes
    ]
    words = any(isinstance(n, str) for n in nodes)
    return (*out, "\nplus") if top and words else tuple(out)


def _course(make_course: MakeCourse) -> Path:
    return make_course(COURSE_YML, {"modules/one.md": MODULE, "assets/d.svg": SVG})


def _merge(root: Path, tmp: Path, pseudo: bool, language: str) -> Path:
    extraction = extract(root)
    assert not [d for d in extraction.diagnostics if d.code == "CS720"]
    carried = {
        unit.id: Carried(
            _pseudo(as_target(unit.nodes)) if pseudo else as_target(unit.nodes), "translated"
        )
        for _f, unit in extraction.units()
    }
    xlf = tmp / f"{language}.xlf"
    xlf.write_text(write_xliff(extraction, "demo", "en", language, carried), encoding="utf-8")
    out = tmp / f"out-{language}-{pseudo}"
    result = merge(root, xlf, out)
    assert result.ok and result.kept == 0, [d.format() for d in result.diagnostics]
    return out


def test_identity_gives_back_every_file_byte_for_byte(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root = _course(make_course)
    out = _merge(root, tmp_path, pseudo=False, language="en")
    for name in ("course.yml", "modules/one.md", "assets/d.svg"):
        assert (out / name).read_bytes() == (root / name).read_bytes(), name


def _structure(root: Path) -> tuple[list[str], list[str], str]:
    loaded = load_course(root)
    assert loaded.course is not None, [d.format() for d in loaded.diagnostics]
    module = loaded.course.modules[0]
    html = render_body(module.body, module.urls, False)
    return re.findall(r"</?[a-z0-9]+", html), [s.id for s in module.sections], html


def test_a_translation_of_other_lengths_keeps_every_element(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root = _course(make_course)
    out = _merge(root, tmp_path, pseudo=True, language="fr")
    tags, sections, _ = _structure(root)
    new_tags, new_sections, html = _structure(out)
    assert new_tags == tags and new_sections == sections
    for words in (
        "WIDGETS <em>AND</em> GADGETS",
        "A QUOTATION\nLAZY CONTINUED.\nplus",
        "CELL A plus",
        "MY OWN TITLE plus",
        "THE FOOTNOTE\nGOES ON.\nplus",
        'alt="A DIAGRAM"',
        "A CAPTION\nplus",
        "TO THE TOP\nplus",
    ):
        assert words in html, words
    text = (out / "modules/one.md").read_text(encoding="utf-8")
    assert "## WIDGETS AND GADGETS plus {#widgets-and-gadgets}\n" in text
    assert (
        "- ITEM ONE\n  CONTINUES\n  plus\n" in text
        and "> A QUOTATION\nLAZY CONTINUED.\nplus\n" in text  # lazy, as the source
    )
    assert 'title: "MODULE ONE\\nplus"' in text


def _wrapped(nodes: tuple[TargetNode, ...]) -> tuple[TargetNode, ...]:
    """A pseudo-translation as tools make them: each target's text between « and »."""
    return ("«", *nodes, "»")


def test_text_around_a_figures_image_goes_into_its_alt_text(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """A figure is an image alone in its paragraph: text a translation puts around the image
    would turn it into an inline image and lose the caption. It becomes part of the alt text,
    with a warning (CS728) at the unit."""
    root = _course(make_course)
    extraction = extract(root)
    carried = {
        unit.id: Carried(_wrapped(as_target(unit.nodes)), "translated")
        for _f, unit in extraction.units()
    }
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(write_xliff(extraction, "demo", "en", "fr", carried), encoding="utf-8")
    result = merge(root, xlf, tmp_path / "out")
    assert result.ok, [d.format() for d in result.diagnostics]
    [warning] = [d for d in result.diagnostics if d.code == "CS728"]
    assert warning.span is not None and warning.span.path == xlf and warning.span.line > 1
    tags, _, _ = _structure(root)
    new_tags, _, html = _structure(tmp_path / "out")
    assert new_tags == tags
    assert 'alt="«A diagram»"' in html
    assert "<figcaption>«A caption»</figcaption>" in html
