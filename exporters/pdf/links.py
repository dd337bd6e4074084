"""One link annotation where a link is drawn, not one more for each box inside it.

WeasyPrint (70) gives every box inside a link the link too ("click events bubble up"), and
writes an annotation for each: a link's `<span>`, its generated page number (`a::after`) or its
leader each get one more, lying inside the link's own and going to the same target: 6,708 of
the 12,193 annotations of a 200-module handout (its contents had 4,721 for 1,507 links), each
an object of the PDF with an object reference in the structure tree and an entry in its parent
tree, that the join copies and holds.

Each box the link is written on (the link's own, and each of its pieces when it breaks across
lines) keeps its annotation; a box that only inherits the link loses its own when one of the
link's annotations on that page already covers it. What a reader clicks is the same.
"""

from __future__ import annotations

from typing import Any

_SLACK = 0.01  # CSS px: rectangles from the same layout, rounded differently


def drop_inner_links(document: Any) -> None:
    """Remove from each page of a rendered WeasyPrint document the links that only repeat an
    enclosing one (`Page.links`: (type, target, (x1, y1, x2, y2), box), in box tree order, a
    link's own box before those inside it)."""
    for page in document.pages:
        drawn: dict[tuple[str, str], list[tuple[float, ...]]] = {}
        kept = []
        for link in page.links:
            kind, target, rectangle, box = link
            around = drawn.setdefault((kind, target), [])
            if box.link is None and any(_inside(rectangle, outer) for outer in around):
                continue  # inherited, and inside an annotation of its link
            around.append(rectangle)
            kept.append(link)
        page.links[:] = kept


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    x1, y1, x2, y2 = inner
    left, top, right, bottom = outer
    return (
        left - _SLACK <= x1
        and top - _SLACK <= y1
        and x2 <= right + _SLACK
        and y2 <= bottom + _SLACK
    )
