"""Inline Markdown for knowledge-check texts: what becomes HTML, what is removed, and the plain
text that goes where no markup can."""

from __future__ import annotations

import pytest

from coursec.inline import InlineMarkdown, InlineReference, PageAnchors, inline_references

ANCHORS = PageAnchors(
    prefix="m-",
    sections=frozenset({"m-intro", "m-keys-and-constraints"}),
    ids=frozenset({"m-terms", "objective-define-keys"}),
)
TEXT = InlineMarkdown(allow_html=False, anchors=ANCHORS)
RAW = InlineMarkdown(allow_html=True, anchors=ANCHORS)


@pytest.mark.parametrize(
    ("source", "html", "plain"),
    [
        ("plain words", "plain words", "plain words"),
        ("`NULL = NULL`", "<code>NULL = NULL</code>", "NULL = NULL"),
        ("`a < b` & c", "<code>a &lt; b</code> &amp; c", "a < b & c"),
        ("*em* and **strong**", "<em>em</em> and <strong>strong</strong>", "em and strong"),
        ("~~old~~ new", "<s>old</s> new", "old new"),
        ("a \\*literal\\* star", "a *literal* star", "a *literal* star"),
        ("two\nlines", "two\nlines", "two lines"),
        ("hard\\\nbreak", "hard<br>\nbreak", "hard break"),
        # block syntax stays text: these texts sit in a legend, a label or a list item
        ("# not a heading", "# not a heading", "# not a heading"),
        ("- not a list", "- not a list", "- not a list"),
        ("1. not a list", "1. not a list", "1. not a list"),
        # links: the web as written; a heading of the page by slug or id; the rest as text
        ("[docs](https://example.org/x)", '<a href="https://example.org/x">docs</a>', "docs"),
        (
            "<https://example.org>",
            '<a href="https://example.org">https://example.org</a>',
            "https://example.org",
        ),
        ("[mail](mailto:a@example.org)", '<a href="mailto:a@example.org">mail</a>', "mail"),
        ("[see](#keys-and-constraints)", '<a href="#m-keys-and-constraints">see</a>', "see"),
        ("[see](#Keys and Constraints)", "[see](#Keys and Constraints)", None),
        ("[see](#m-intro)", '<a href="#m-intro">see</a>', "see"),
        ("[terms](#m-terms)", '<a href="#m-terms">terms</a>', "terms"),
        ("[o](#objective-define-keys)", '<a href="#objective-define-keys">o</a>', "o"),
        ("[gone](#nowhere)", "gone", "gone"),
        ("[next](02-next.md#keys)", "next", "next"),
        ("[file](../assets/a.pdf)", "file", "file"),
        ("![a *chart*](chart.png)", "a chart", "a chart"),
        # never a script
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))", None),
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),
    ],
)
def test_inline_markdown(source: str, html: str, plain: str | None) -> None:
    assert str(TEXT.html(source)) == html
    assert TEXT.plain(source) == (plain if plain is not None else " ".join(source.split()))


def test_raw_html_when_allowed_is_sanitized_like_the_body() -> None:
    source = 'A <kbd onclick="steal()">Ctrl</kbd> <script>steal()</script><i style="x">i</i>'
    assert str(RAW.html(source)) == "A <kbd>Ctrl</kbd> <i>i</i>"
    assert RAW.plain(source) == "A Ctrl i"
    assert str(RAW.html('<a href="javascript:steal()">x</a>')) == "<a>x</a>"


def test_text_is_always_escaped_markup() -> None:
    rendered = TEXT.html("<img src=x onerror=alert(1)>")
    assert "<img" not in rendered and "&lt;img" in rendered


def test_references_and_raw_html_are_found_for_checks() -> None:
    refs, raw = inline_references("[a](x.md) ![b](y.png) [c](#keys) <em>e</em>", False)
    assert refs == [
        InlineReference("link", "x.md"),
        InlineReference("image", "y.png"),
        InlineReference("link", "#keys"),
    ]
    assert raw  # found even when raw HTML is off, so the author can be told
    assert inline_references("`<em>` in code", False) == ([], False)
