"""The stamp of page numbers laid out in chunks (`stamp.stamps`) numbers every page as the stamp
laid out in one document does: the same text, page sizes and margin boxes, `:first`, left and
right pages included; a theme that numbers pages otherwise gets the stamp in one document; a
handout stamped in chunks reads as one stamped whole."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REFERENCE_COURSE
from coursec.build import build
from coursec.exporters.pdf import layout, stamp
from coursec.exporters.pdf.fetch import BuildFetcher
from coursec.options import BuildOptions
from support import settings
from support.builds import EPOCH, Builds

pytestmark = pytest.mark.pdf  # lays PDFs out with WeasyPrint

CSS = """
@page { size: 80mm 60mm; margin: 10mm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); }
  @top-left { content: "no number: not in the stamp"; } }
@page :first { @bottom-center { content: none; } }
@page :left { @bottom-left { content: "left " counter(page); } }
@page :right { @bottom-right { content: "right " counter(page, lower-roman); } }
@page wide { size: 60mm 40mm; }
"""
NAMES = ["cover", "main", "main", "wide", "main", "main", "wide", "wide", "main", "main", "main"]


def head(css: str) -> str:
    link = '<link rel="stylesheet" href="print/page.css">'
    return f'<!DOCTYPE html><html lang="en"><head>{link}<style>{css}</style></head>'


def files(css: str = CSS) -> BuildFetcher:
    return BuildFetcher({"print/page.css": css.encode()})


def lay_out(chunks: list[tuple[int, str]], fetcher: BuildFetcher) -> list[layout.Laid]:
    return [layout.lay_out(html, fetcher, layout.Margins.NUMBERS) for _, html in chunks]


def pages(laid: list[layout.Laid]) -> list[tuple[str, tuple[float, float], str, bool]]:
    """Each page: its name, size, text (in reading order) and whether it shows a number."""
    found = []
    for one in laid:
        reader = PdfReader(io.BytesIO(one.pdf))
        for page, name, numbered in zip(reader.pages, one.page_names, one.numbered, strict=True):
            size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            found.append((name, size, " ".join(page.extract_text().split()), numbered))
    return found


def test_a_stamp_in_chunks_numbers_its_pages_as_one_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = stamp.stamps(head(""), NAMES, files())
    assert [first for first, _ in whole] == [0]
    expected = pages(lay_out(whole, files()))
    assert expected[0][2] == "right i"  # :first shows no "Page 1 of 11"
    assert expected[3][1:3] == ((170, 113), "left 4 Page 4 of 11")  # 60 x 40 mm
    assert expected[4][2] == "Page 5 of 11 right v"
    monkeypatch.setattr(stamp, "STAMP_PAGES", 4)
    chunks = stamp.stamps(head(""), NAMES, files())
    assert [first for first, _ in chunks] == [0, 4, 8]
    assert pages(lay_out(chunks, files())) == expected


@pytest.mark.parametrize(
    "css",
    [
        "@page cover { counter-reset: page 0; }",
        "@page main { counter-increment: page 2; }",
        "@page :nth(3) { @bottom-center { content: counter(page); } }",
        '@import url("more.css");',
    ],
)
def test_a_theme_that_numbers_pages_otherwise_has_its_stamp_in_one_document(
    css: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stamp, "STAMP_PAGES", 4)
    assert len(stamp.stamps(head(""), NAMES, files())) == 3
    assert [first for first, _ in stamp.stamps(head(""), NAMES, files(CSS + css))] == [0]
    assert [first for first, _ in stamp.stamps(head(css), NAMES, files())] == [0]  # <style>
    missing = head("").replace("print/page.css", "print/elsewhere.css")
    assert [first for first, _ in stamp.stamps(missing, NAMES, files())] == [0]


@pytest.mark.parametrize("size", [3, 4])
def test_a_chunk_starts_early_on_a_page_of_the_first_pages_side_and_drops_it(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Then a chunk's first page is no `:first` page, and on the side (left or right) it has
    in the handout, whatever the chunks' size."""
    expected = pages(lay_out(stamp.stamps(head(""), NAMES, files()), files()))
    monkeypatch.setattr(stamp, "STAMP_PAGES", size)
    chunks = stamp.stamps(head(""), NAMES, files())
    assert [first for first, _ in chunks] == list(range(0, len(NAMES), size))
    for first, html in chunks[1:]:
        [numbers] = re.findall(r'data-coursec-stamp="(\d+) (\d+) (\d+)"', html)
        lead = 2 - first % 2
        assert tuple(map(int, numbers)) == (lead, first - lead, len(NAMES))
        assert html.count("<div") == min(size, len(NAMES) - first) + lead
    laid = lay_out(chunks, files())
    assert [len(one.page_names) for one in laid] == [
        min(size, len(NAMES) - first) for first, _ in chunks
    ]
    assert pages(laid) == expected


def test_a_handout_stamped_in_chunks_reads_as_the_one_stamped_whole(
    built: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = built.handout(REFERENCE_COURSE, per_module=True) / "agai-302.pdf"
    monkeypatch.setattr(stamp, "STAMP_PAGES", 4)  # laid out in this process: jobs=1
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    options = BuildOptions(formats=("pdf",), out_dir=tmp_path, settings=settings.pdf(), jobs=1)
    assert build(REFERENCE_COURSE, options).ok
    chunked = tmp_path / "agai-302.pdf"

    def read(path: Path) -> list[tuple[str, list[bytes]]]:
        reader = PdfReader(path)
        return [
            (page.extract_text(), re.findall(rb"/CsStamp\d+", page.get_contents().get_data()))
            for page in reader.pages
        ]

    pages = read(chunked)
    assert len(pages) > 3 * 4  # four chunks at least
    assert pages == read(whole)
    assert [re.findall(r"Page \d+ of \d+", text) for text, _ in pages[1:]] == [
        [f"Page {n} of {len(pages)}"] for n in range(2, len(pages) + 1)
    ]
