"""A document's CSS is parsed once per process and given to WeasyPrint whole, or not at all.

WeasyPrint applies stylesheets given to `render` with the user's origin; the cascade is the
author's only when none of a document's CSS is left for WeasyPrint to find in the HTML. The
handouts' byte-for-byte equality with this in place is what tests/exporters/test_pdf*.py assert;
these tests pin down which documents qualify and that the parsing is shared.
"""

from __future__ import annotations

from coursec.exporters.pdf import layout
from coursec.exporters.pdf.fetch import BuildFetcher

THEME_CSS = b".cs-toc__sections { margin: 0 !important; }\n@page cover { margin: 0 }\n"
HEAD = (
    '<html><head><link rel="stylesheet" href="print/handout.css">'
    "<style>@page { @bottom-center { content: counter(page); } }</style>"
)


def fetcher(css: bytes = THEME_CSS) -> BuildFetcher:
    return BuildFetcher({"print/handout.css": css})


def test_the_templates_css_is_taken_out_and_parsed_once() -> None:
    html = HEAD + "</head><body><p>Text</p></body></html>"
    first_html, first = layout._stylesheets(html, fetcher())
    second_html, second = layout._stylesheets(html, fetcher())
    assert first_html == second_html == "<html><head></head><body><p>Text</p></body></html>"
    assert len(first) == 2
    assert all(a is b for a, b in zip(first, second, strict=True))  # parsed once, shared


def test_changed_css_is_parsed_again() -> None:
    html = HEAD + "</head><body></body></html>"
    _, before = layout._stylesheets(html, fetcher())
    _, after = layout._stylesheets(html, fetcher(THEME_CSS + b"p { color: red }\n"))
    assert before[0] is not after[0]
    assert before[1] is after[1]  # the `<style>` block did not change


def test_css_in_another_form_leaves_the_whole_document_to_weasyprint() -> None:
    for extra in (
        '<style media="print">p { color: red }</style>',  # another form of `<style>`
        '<link rel="stylesheet" href="print/missing.css">',  # not one of the build's files
        '<link rel="stylesheet" href="https://example.org/x.css">',
        "<STYLE>p { color: red }</STYLE>",
    ):
        html = HEAD + extra + "</head><body></body></html>"
        assert layout._stylesheets(html, fetcher()) == (html, [])


def test_css_that_belongs_to_one_document_leaves_it_to_weasyprint() -> None:
    html = HEAD + "</head><body></body></html>"
    for rule in (
        b'@font-face { font-family: X; src: url("x.woff") }',
        b"@import url(other.css);",
        b"@counter-style thumbs { system: cyclic; symbols: a; }",
        b"@layer base { p { color: red } }",
    ):
        assert layout._stylesheets(html, fetcher(THEME_CSS + rule)) == (html, [])
