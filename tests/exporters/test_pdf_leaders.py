"""A leader (`leader(". ")`, the dots of the handout's contents) is drawn as one run of text.

WeasyPrint fills a leader with one copy of its text per repetition and lays out and draws each
on its own; `layout` gives the leader one box of the repeated text instead, as soon as its line
is made. These tests lay the same document out both ways and compare what a reader sees: the
text, and where each dot lands.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from coursec.exporters.pdf import layout
from coursec.exporters.pdf.fetch import BuildFetcher

pytestmark = [
    pytest.mark.pdf,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]

ENTRIES = ["Introduction", "A much longer entry that takes up more of the line", "Summary"]
HTML = (
    "<html><head><style>"
    "@page { size: A5; margin: 15mm }"
    ' a { display: block; font-family: "DejaVu Sans"; font-size: 10pt }'
    ' a::after { content: leader(". ") attr(data-page) }'
    "</style></head><body>"
    + "".join(
        f'<a href="#e{i}" id="e{i}" data-page="{i * 7}">{title}</a>'
        for i, title in enumerate(ENTRIES * 4, 1)
    )
    + "</body></html>"
)


def laid_out(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(layout.lay_out(HTML, BuildFetcher({}), layout.Margins.ALL).pdf)
    return path


def words(pdf: Path) -> list[tuple[float, float, float, str]]:
    """(top, left, right, word) of every word pdftotext finds, in reading order."""
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', bbox
    )
    return [(float(y), float(x0), float(x1), w) for x0, y, x1, w in found]


def text_objects(pdf: Path) -> int:
    with pikepdf.open(pdf) as doc:
        return sum(
            1
            for page in doc.pages
            for _operands, operator in pikepdf.parse_content_stream(page)
            if str(operator) == "BT"
        )


def test_a_leader_draws_the_same_dots_in_the_same_places_as_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = laid_out(tmp_path, "whole")
    monkeypatch.setattr(layout, "_merge_leader", lambda _box: None)
    copies = laid_out(tmp_path, "copies")

    ours, theirs = words(whole), words(copies)
    dots = [w for w in theirs if w[3] == "."]
    assert len(dots) > 20 * len(ENTRIES * 4)  # a leader of many dots on every line
    # pdftotext may join the first dot to the word before it, when it lands close
    assert "".join(w[3] for w in ours) == "".join(w[3] for w in theirs)
    lines = sorted({round(w[0], 1) for w in theirs})
    assert sorted({round(w[0], 1) for w in ours}) == lines == sorted(lines)
    assert len(lines) == len(ENTRIES * 4)
    for top in lines:
        mine = [w for w in ours if round(w[0], 1) == top]
        other = [w for w in theirs if round(w[0], 1) == top]
        # the page number is where it was, and so is the last dot before it, to a fraction of
        # a point (WeasyPrint rounds each glyph's advance in a run to a thousandth of an em)
        assert mine[-1][1:] == other[-1][1:]
        assert abs(mine[-2][2] - other[-2][2]) < 0.2
        assert mine[-2][3] == other[-2][3] == "."

    # a text object per dot before; now three per line: the entry, its leader, its page number
    assert text_objects(copies) > len(dots)
    assert text_objects(whole) == 3 * len(lines)


def test_the_leader_is_one_box_while_the_pages_are_laid_out() -> None:
    """Merged as each line is made, not only before drawing: pagination and backgrounds walk one
    box per leader."""
    document = layout._render(HTML, BuildFetcher({}), layout.pdf_options(HTML))
    leaders = [
        box for page in document.pages for box in page._page_box.descendants() if box.is_leader
    ]
    assert len(leaders) == len(ENTRIES * 4)
    texts = [box.children[0].text for box in leaders if len(box.children) == 1]
    assert len(texts) == len(leaders)  # one box each, of many dots (7 after the longest entry)
    assert all(text == ". " * (len(text) // 2) and len(text) >= 14 for text in texts)
