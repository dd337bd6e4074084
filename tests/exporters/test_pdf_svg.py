"""SVG in the PDF: styling resolved into attributes WeasyPrint reads, and what it cannot draw
reported, never lost silently.

The text a browser draws must be in the PDF: the end-to-end tests read it back with pdftotext.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import COURSE_YML, MakeCourse
from coursec.build import build
from coursec.exporters.pdf.svg import printable_svg
from coursec.options import BuildOptions

pytestmark = pytest.mark.pdf  # every test here lays a PDF out with WeasyPrint

NS = "http://www.w3.org/2000/svg"
POPPLER = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def svg(body: str) -> bytes:
    return f'<svg xmlns="{NS}" viewBox="0 0 400 200">{body}</svg>'.encode()


def attributes(data: bytes) -> dict[str, dict[str, str]]:
    """The attributes of every element that has an id."""
    root = etree.fromstring(data)
    return {el.get("id"): dict(el.attrib) for el in root.iter() if el.get("id")}


# --- the font shorthand ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (
            "bold 14px sans-serif",
            {"font-weight": "bold", "font-size": "14px", "font-family": "sans-serif"},
        ),
        (
            "italic 600 1.5em/2 'DejaVu Serif', serif",
            {"font-style": "italic", "font-weight": "600", "font-size": "1.5em"}
            | {"font-family": '"DejaVu Serif", serif'},
        ),
        (
            "oblique 10deg small-caps large monospace",
            {"font-style": "oblique", "font-size": "18px", "font-family": "monospace"},
        ),
        ("18px sans-serif", {"font-style": "normal", "font-weight": "400", "font-size": "18px"}),
    ],
)
def test_the_font_shorthand_becomes_longhands(font: str, expected: dict[str, str]) -> None:
    for where in (f'style="font: {font}"', f'font="{font}"'):
        out = printable_svg(svg(f'<text id="t" x="1" y="20" {where}>Hello</text>'))
        got = attributes(out.data)["t"]
        assert "font" not in got and "style" not in got, where
        assert expected.items() <= got.items(), (where, got)
        assert out.lost == ()


def test_an_invalid_font_shorthand_is_ignored_as_a_browser_does() -> None:
    out = printable_svg(svg('<text id="t" font-size="12" style="font: bold sans-serif">Hi</text>'))
    assert attributes(out.data)["t"] == {"id": "t", "font-size": "12"}


# --- the cascade -----------------------------------------------------------------------------


def test_style_rules_become_attributes_in_cascade_order() -> None:
    body = """
    <style>
      #t { font-size: 20px }
      text { fill: #111; font-size: 10px }
      .big { font-size: 30px; fill: #222 !important }
      text:hover { fill: red }
      @media print { .p { fill: #0a0 } }
      @media screen { .p { display: none } }
      @media (prefers-color-scheme: dark) { .p { fill: white } }
    </style>
    <text id="t" class="big" fill="#999" style="fill: #333">a</text>
    <text id="u" class="big" style="font-size: 40px">b</text>
    <text id="p" class="p">c</text>
    """
    got = attributes(printable_svg(svg(body)).data)
    assert got["t"]["fill"] == "#222"  # !important beats the style attribute
    assert got["t"]["font-size"] == "20px"  # an id beats a class
    assert got["u"]["font-size"] == "40px"  # the style attribute beats every rule
    assert got["p"]["fill"] == "#0a0" and "display" not in got["p"]
    assert b"<style" not in printable_svg(svg(body)).data  # WeasyPrint would apply it again


def test_custom_properties_and_css_wide_keywords() -> None:
    body = """
    <style>:root { --ink: #123456; --size: 2em } .x { fill: var(--ink) }</style>
    <g style="--size: 3em">
      <text id="a" class="x" style="font-size: var(--size)">a</text>
      <text id="b" style="fill: var(--missing, var(--ink)); font-size: var(--nope)">b</text>
      <text id="c" font-size="12" style="font-size: initial; fill: unset">c</text>
    </g>
    """
    got = attributes(printable_svg(svg(body)).data)
    assert got["a"]["fill"] == "#123456" and got["a"]["font-size"] == "3em"
    assert got["b"]["fill"] == "#123456" and "font-size" not in got["b"]
    assert got["c"]["font-size"] == "16px" and "fill" not in got["c"]


def test_font_values_weasyprint_misreads_are_rewritten() -> None:
    body = """
    <g font-weight="bold">
      <text id="a" style="font-weight: bolder; font-size: smaller">a</text>
      <text id="b" style="font-weight: lighter; font-style: oblique 12deg">b</text>
    </g>
    """
    got = attributes(printable_svg(svg(body)).data)
    assert got["a"]["font-weight"] == "900" and got["a"]["font-size"] == "0.8333em"
    assert got["b"]["font-weight"] == "400" and got["b"]["font-style"] == "oblique"


def test_css_never_adds_handlers_or_links() -> None:
    body = '<style>a { href: x; onclick: y }</style><a id="a"><text>t</text></a>'
    got = attributes(printable_svg(svg(body)).data)
    assert got["a"] == {"id": "a"}


def test_an_svg_without_styling_is_served_as_it_is() -> None:
    data = svg('<rect width="4" height="4" fill="red"/><text x="1" y="1">plain</text>')
    assert printable_svg(data).data == data
    assert printable_svg(b"not xml").data == b"not xml"


def test_what_cannot_be_drawn_is_reported() -> None:
    body = """
    <text style="font-size: calc(1em + 2px)">sized</text>
    <g style="text-decoration: underline"><text>under</text></g>
    <text style="text-decoration: none">plain</text>
    """
    out = printable_svg(svg(body))
    assert out.lost == (
        'text with font-size "calc(1em + 2px)" is printed at the size it inherits',
        'text with text-decoration "underline" is printed without it',
    )
    assert 'font-size="calc' not in out.data.decode()  # drawn at the inherited size, not 0


# --- in a handout ----------------------------------------------------------------------------

DIAGRAM = f"""\
<svg xmlns="{NS}" viewBox="0 0 600 300" width="600" height="300" role="img">
  <title>Three labels</title>
  <style>
    .label {{ font: italic 22px serif; fill: #203040 }}
    @media print {{ .note {{ font-size: large }} }}
  </style>
  <text x="10" y="40" style="font: bold 24px sans-serif">Shorthand headline</text>
  <text class="label" x="10" y="100">Styled by a class rule</text>
  <text class="note" x="10" y="160">Sized by a keyword</text>
  <text x="10" y="220" font-size="20" text-decoration="underline">Underlined words</text>
</svg>
"""


@POPPLER
def test_svg_text_is_in_the_pdf_and_losses_are_warnings(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    module = "---\nid: one\ntitle: One\nsummary: S.\n---\n![Three labels](../assets/d.svg)\n"
    course = make_course(
        course=COURSE_YML, modules={"modules/one.md": module}, files={"assets/d.svg": DIAGRAM}
    )
    result = build(course, BuildOptions(formats=("pdf",), out_dir=tmp_path / "dist"))
    assert result.ok
    out = subprocess.run(
        ["pdftotext", str(tmp_path / "dist" / "demo.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in ("Shorthand headline", "Styled by a class rule", "Sized by a keyword"):
        assert line in out, line
    [lost] = [d for d in result.diagnostics if d.code == "CS506"]
    assert lost.message == 'PDF: d.svg: text with text-decoration "underline" is printed without it'
    assert lost.span is not None and lost.span.path == (course / "assets" / "d.svg").resolve()
