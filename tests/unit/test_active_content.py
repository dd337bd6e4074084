"""SVG and CSS cleaning (coursec.active_content): what goes, what stays byte for byte."""

from __future__ import annotations

import pytest

from coursec.active_content import SvgError, clean_svg, is_scripted, scrub_css

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


@pytest.mark.parametrize(
    ("name", "body", "removed", "kept"),
    [
        (
            "script",
            "<script>alert(1)</script><text>x</text>tail",
            ["<script>"],
            "<text>x</text>tail",
        ),
        (
            "handler",
            '<rect onclick="alert(1)" width="1"/>',
            ["the onclick event handler"],
            'width="1"',
        ),
        (
            "xhtml script",
            '<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script><g/>',
            ["<script> of another vocabulary (http://www.w3.org/1999/xhtml)"],
            "<g/>",
        ),
        (
            "foreign object",
            "<foreignObject><p>hi</p></foreignObject><g/>",
            ["<foreignObject>"],
            "<g/>",
        ),
        (
            "script link",
            '<a xlink:href="&#106;avascript:alert(1)"><text>x</text></a>',
            ["a reference to javascript:alert(1)"],
            "<a><text>x</text></a>",
        ),
        (
            "remote image",
            '<image href="https://evil.invalid/p.png" width="1"/>',
            ["a reference to https://evil.invalid/p.png"],
            '<image width="1"/>',
        ),
        (
            "animated link",
            '<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>',
            ["<set> changing a link"],
            "<a><text>x</text></a>",
        ),
        (
            "remote css",
            "<style>@import url(https://e.invalid/x.css); t { fill: url(https://e.invalid/p) }"
            "</style>",
            [
                "@import url(https://e.invalid/x.css); in <style>",
                "url(https://e.invalid/p) in <style>",
            ],
            "t { fill: none }",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "",
)
def test_active_content_is_removed(name: str, body: str, removed: list[str], kept: str) -> None:
    cleaned = clean_svg(f"{SVG}{body}</svg>".encode())
    assert list(cleaned.removed) == removed
    assert kept in cleaned.data.decode()


def test_a_clean_svg_is_shipped_byte_for_byte() -> None:
    data = (
        f'{SVG}<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
        '<use xlink:href="#g"/><a href="https://example.org"><text style="font: bold 14px '
        'sans-serif">Hi</text></a><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    ).encode()
    assert clean_svg(data).data is data
    assert clean_svg(data).removed == ()


def test_entities_and_stylesheet_instructions_go() -> None:
    bomb = (
        b'<?xml-stylesheet href="https://e.invalid/x.xsl" type="text/xsl"?>'
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    cleaned = clean_svg(bomb)
    assert set(cleaned.removed) == {"a processing instruction", "an entity"}
    assert b"ENTITY" not in cleaned.data and b"xml-stylesheet" not in cleaned.data


@pytest.mark.parametrize(
    "data",
    [
        b"<svg><script>alert(1)</svg>",
        b'<html xmlns="http://www.w3.org/1999/xhtml"><script/></html>',
    ],
    ids=["not well-formed", "not svg"],
)
def test_what_is_not_an_svg_is_an_error(data: bytes) -> None:
    with pytest.raises(SvgError):
        clean_svg(data)


def test_css_keeps_local_references_and_drops_remote_ones() -> None:
    css = (
        '@import url("https://fonts.invalid/css"); @import "local.css";\n'
        "a { background: url('//cdn.invalid/x.png') } b { background: url(img/b.png) }\n"
        "c { background: url(data:image/png;base64,AA) } d { src: url(data:font/woff;base64,AA) }\n"
        "e { background: url(JaVaScRiPt:alert(1)) }"
    )
    cleaned, removed = scrub_css(css)
    assert removed == [
        '@import url("https://fonts.invalid/css");',
        "url('//cdn.invalid/x.png')",
        "url(data:font/woff;base64,AA)",
        "url(JaVaScRiPt:alert(1)",  # (an unquoted url() ends at the first parenthesis)
    ]
    assert '@import "local.css";' in cleaned and "url(img/b.png)" in cleaned
    assert "url(data:image/png;base64,AA)" in cleaned


@pytest.mark.parametrize(
    ("path", "scripted"),
    [
        ("media/a.HTML", True),
        ("media/x.js", True),
        ("media/x.xhtml", True),
        ("media/a.pdf", False),
        ("media/a.svg", False),
        ("media/data.csv", False),
    ],
)
def test_scripted_downloads_by_suffix(path: str, scripted: bool) -> None:
    assert is_scripted(path) is scripted
