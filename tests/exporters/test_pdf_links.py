"""One link annotation per piece of a drawn link (`links.drop_inner_links`).

WeasyPrint writes an annotation for a link's box and one more for every box inside it (a span,
a generated page number). These tests lay the same document out with and without coursec's
filter and compare what a reader can click: the same areas, going to the same targets, from
fewer annotations, each still tagged in a `Link` element.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pikepdf
import pytest

from coursec.exporters.pdf import layout, links
from coursec.exporters.pdf.fetch import BuildFetcher

pytestmark = pytest.mark.pdf

LONG = "a link long enough to break across two lines of this narrow page " * 2
HTML = (
    '<html lang="en"><head><title>Links</title><style>'
    "@page { size: A6; margin: 10mm }"
    ' body { font-family: "DejaVu Sans"; font-size: 9pt }'
    " a.toc { display: block }"
    ' a.ref::after { content: " p. " attr(data-page) }'
    "</style></head><body>"
    '<h1 id="top">Links</h1>'
    '<a class="toc" href="#top"><span>Module 1</span> The first module</a>'
    '<p>See <a class="ref" href="#top" data-page="7">the top</a>, or'
    ' <a href="https://example.org/">an <em>outside</em> page</a>.</p>'
    f'<p><a href="#top">{LONG}</a></p>'
    "</body></html>"
)


def annotations(pdf: bytes) -> list[tuple[str, tuple[float, ...]]]:
    """(target, rectangle: left, bottom, right, top) of every link annotation, in page order."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for annotation in page.obj.get("/Annots", []):
                target = annotation.get("/Dest") or annotation.A.URI
                x1, y1, x2, y2 = (float(x) for x in annotation.Rect)
                found.append((str(target), (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    return found


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return all(o - 0.01 <= i for i, o in zip(inner[:2], outer[:2], strict=True)) and all(
        i <= o + 0.01 for i, o in zip(inner[2:], outer[2:], strict=True)
    )


def laid_out(monkeypatch: pytest.MonkeyPatch, filtered: bool) -> bytes:
    if not filtered:
        monkeypatch.setattr(layout, "drop_inner_links", lambda _document: None)
    return layout.lay_out(HTML, BuildFetcher({}), layout.Margins.ALL).pdf


def test_each_link_is_clickable_where_it_was_from_fewer_annotations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = annotations(laid_out(monkeypatch, filtered=True))
    theirs = annotations(laid_out(monkeypatch, filtered=False))
    assert len(ours) < len(theirs)
    # every area WeasyPrint made clickable still is, and goes where it went
    for target, rectangle in theirs:
        assert any(t == target and inside(rectangle, r) for t, r in ours), (target, rectangle)
    # no annotation lies inside another one to the same target
    for i, (target, rectangle) in enumerate(ours):
        others = ours[:i] + ours[i + 1 :]
        assert not any(t == target and inside(rectangle, r) for t, r in others)
    # the long link keeps one annotation per line it is drawn on
    lines = {r[1] for t, r in ours if t == "top" and r[2] - r[0] > 100}
    assert len(lines) >= 3  # the contents line and two lines of the long link
    assert {t for t, _ in ours} == {"top", "https://example.org/"}


def test_every_annotation_is_tagged_in_a_link_element(monkeypatch: pytest.MonkeyPatch) -> None:
    with pikepdf.open(io.BytesIO(laid_out(monkeypatch, filtered=True))) as doc:
        held: dict[tuple[int, int], str] = {}
        stack: list[Any] = [doc.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    held[kid.Obj.objgen] = str(element.S)
                elif isinstance(kid, pikepdf.Dictionary):
                    stack.append(kid)
        annots = [a for page in doc.pages for a in page.obj.get("/Annots", [])]
        assert annots and all(held.get(a.objgen) == "/Link" for a in annots)


def test_a_box_with_a_link_of_its_own_is_never_dropped() -> None:
    """Only a box that inherits its link gives up its annotation: two links of their own to
    the same target, one drawn inside the other, both keep theirs."""

    outer, own, inherited = (0.0, 0.0, 100.0, 20.0), (10.0, 5.0, 50.0, 15.0), (60, 5, 90, 15)
    link = ("url", ("internal", "x"))
    page = SimpleNamespace(
        links=[
            ("internal", "x", outer, SimpleNamespace(link=link)),
            ("internal", "x", own, SimpleNamespace(link=link)),
            ("internal", "x", inherited, SimpleNamespace(link=None)),
            ("internal", "y", inherited, SimpleNamespace(link=None)),  # another target: kept
        ]
    )
    links.drop_inner_links(SimpleNamespace(pages=[page]))
    assert [(t, r) for _, t, r, _ in page.links] == [("x", outer), ("x", own), ("y", inherited)]
