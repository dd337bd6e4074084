"""Page flow of the handout: tables fit their pages without breaking words, long tables start
where there is room and repeat their header, and no heading is left alone at a page bottom.

Checked on the laid-out pages of every course in courses/ (WeasyPrint's box tree: where each
box landed, which lines each table cell was set in), and on the classes `fit_tables` gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import html as lxml_html
from weasyprint.formatting_structure import boxes

from conftest import COURSES
from coursec.exporters.pdf.tables import fit_tables
from support.builds import Builds

pytestmark = pytest.mark.pdf  # every test here lays a PDF out with WeasyPrint

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "li", "tr", "pre", "img", "dt", "dd", "figcaption", "blockquote"}
MM = 96 / 25.4  # CSS pixels


@dataclass(frozen=True)
class Page:
    number: int
    box: Any  # the laid-out page box

    @property
    def landscape(self) -> bool:
        return bool(self.box.margin_width() > self.box.margin_height())

    def content(self) -> Iterator[Any]:
        """Every box on the page but the margin boxes (running headers, page numbers)."""
        for child in self.box.children:
            if not isinstance(child, boxes.MarginBox):
                yield child
                yield from child.descendants()

    @property
    def free(self) -> float:
        """The empty height at the bottom of the page's content area."""
        bottom = self.box.content_box_y() + self.box.height
        kinds = (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox)
        used = [b.position_y + b.margin_height() for b in self.content() if isinstance(b, kinds)]
        return float(bottom - max(used, default=self.box.content_box_y()))


@pytest.fixture(scope="module", params=sorted(COURSES))
def pages(request: pytest.FixtureRequest, built: Builds) -> list[Page]:
    """The whole handout of each course, laid out as one document (as the chapters are: each
    module starts on a page of its own either way)."""
    document = built.one_document(COURSES[request.param])
    return [Page(n, page._page_box) for n, page in enumerate(document.pages, 1)]


def tables(pages: list[Page]) -> Iterator[tuple[Page, Any]]:
    for page in pages:
        for box in page.content():
            if isinstance(box, boxes.TableBox):
                yield page, box


def text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


# --- tables --------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_table_fits_its_page(pages: list[Page]) -> None:
    for page, table in tables(pages):
        assert table.border_width() <= page.box.width + 0.5, (page.number, text(table.element))
        classes = (table.element.get("class") or "").split()
        assert ("cs-table--landscape" in classes) == page.landscape, page.number


def _cut_inside_a_word(word: str, source: list[str]) -> bool:
    """Whether `word`, set on a line of its own, is a piece of a source word cut between two
    letters or digits (a cut after punctuation, as in "SQL:" / "2023", is a line break)."""

    def cut_ok(s: str, at: int) -> bool:
        return at in (0, len(s)) or not (s[at - 1].isalnum() and s[at].isalnum())

    for s in source:
        for match in re.finditer(re.escape(word), s):
            if cut_ok(s, match.start()) and cut_ok(s, match.end()):
                return False
    return True


@pytest.mark.slow
def test_no_word_is_broken_in_a_table_cell(pages: list[Page]) -> None:
    broken = []
    for page in pages:
        for cell in page.content():
            if not isinstance(cell, boxes.TableCellBox):
                continue
            source = text(cell.element).split()
            for line in cell.descendants():
                if isinstance(line, boxes.LineBox):
                    words = "".join(
                        t.text for t in line.descendants() if isinstance(t, boxes.TextBox)
                    ).split()
                    broken += [(page.number, w) for w in words if _cut_inside_a_word(w, source)]
    assert broken == []


@pytest.mark.slow
def test_long_tables_start_where_there_is_room_and_repeat_their_header(
    pages: list[Page],
) -> None:
    for page, table in tables(pages):
        groups = table.children
        rows = [row for group in groups for row in group.children]
        body = [row for group in groups if not group.is_header for row in group.children]
        first_row = table.element.find(".//tbody/tr")
        has_header = table.element.find(".//thead") is not None
        assert not has_header or (rows and rows[0] in groups[0].children and groups[0].is_header)
        if not body or body[0].element is not first_row or page.landscape or page.number == 1:
            continue  # a continuation, or a table on a landscape page of its own
        # the table's first rows, and what precedes them on the page, did not fit before
        before = table.position_y - page.box.content_box_y()
        needed = before + sum(row.height for row in rows[:2])
        previous = pages[page.number - 2]
        assert previous.free < needed, (page.number, text(first_row))


# --- headings ------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_heading_ends_a_page(pages: list[Page]) -> None:
    for page in pages:
        blocks = [
            b
            for b in page.content()
            if isinstance(b, boxes.BlockBox | boxes.TableRowBox)
            and b.element_tag in BLOCKS
            and not b.is_table_wrapper
        ]
        assert blocks, page.number
        assert blocks[-1].element_tag not in HEADINGS, (page.number, text(blocks[-1].element))


# --- the room a table needs ----------------------------------------------------------------


def table_html(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def classes(fragment: str, review: bool = False) -> set[str]:
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    fit_tables(root, review)
    table = root.find(".//table")
    assert table is not None
    return set((table.get("class") or "").split())


def test_tables_are_marked_with_the_room_they_need() -> None:
    assert classes(table_html(["a", "b"], [["1", "2"]])) == set()
    eight = table_html([f"c{i}" for i in range(8)], [["x"] * 8])
    assert classes(eight) == {"cs-table--wide"}  # smaller type for many columns
    codes = [f"<code>customer_order_col_{i}</code>" for i in range(7)]  # 20 characters each
    five, seven = table_html(["a"] * 5, [codes[:5]]), table_html(["a"] * 7, [codes])
    assert classes(five) == {"cs-table--wide"}  # too wide at the normal size only
    assert classes(seven) == {"cs-table--wide", "cs-table--landscape"}
    # a review copy's margin for the source lines leaves less room
    assert classes(five, review=True) == {"cs-table--wide", "cs-table--landscape"}
    # a callout's border and padding leave less room
    assert classes(f'<div class="cs-callout">{five}</div>') == classes(five)
    wider = table_html(["a"] * 5, [[c + "x" for c in codes[:5]]])  # one letter more a column
    assert "cs-table--landscape" not in classes(wider)
    assert "cs-table--landscape" in classes(f'<div class="cs-callout">{wider}</div>')
    # only a word longer than a landscape page may break
    assert "cs-table--squeezed" in classes(table_html(["a"], [["x" * 400]]))


def test_a_spanning_cell_does_not_widen_one_column() -> None:
    fragment = (
        "<table><tr><td colspan='3'>" + "widewordwidewordwideword" * 4 + "</td></tr>"
        "<tr><td>a</td><td>b</td><td>c</td></tr></table>"
    )
    assert classes(fragment) == set()
