"""WeasyPrint: lay out one HTML document, and keep what the build must report about it.

A document is laid out whole (a per-module PDF), as a chapter of the handout (without the margin
boxes that show page numbers: the numbers of the whole are not known yet), or as (a chunk of)
the stamp that holds only those margin boxes, one page per page of the handout (`stamp`): a
chunk's margin boxes number its pages as the handout's (`_counted_from`). A `Laid` result is
also what the part store keeps: the PDF plus a one-line JSON header with the page names, the
page each anchor is on and the renderer's warnings, so a chapter reused from the store reports
the same diagnostics as one laid out afresh, and its anchors' page numbers are known without
reading the PDF.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from enum import Enum
from html import unescape
from itertools import pairwise
from typing import Any
from urllib.parse import urljoin

from .fetch import BASE_URL, BuildFetcher, RefusedURL
from .libraries import load_weasyprint
from .links import drop_inner_links

# PDF/UA-1 (WeasyPrint's pdf_variant, tested with WeasyPrint 70) gives a tagged PDF: a structure
# tree from the HTML (H1/H2, P, L/LI, Table/TH/TD, Link, Figure with the image's alt as /Alt),
# /Lang, /MarkInfo, DisplayDocTitle and `pdfuaid:part=1` in the XMP; page backgrounds (the
# DRAFT watermark) and margin boxes are artifacts. Not validated against PDF/UA here (no
# veraPDF); known gaps in WeasyPrint 70: TH cells carry no /Scope, link annotations' /Contents
# is the target id rather than a description, code blocks are plain P/Span.
PDF_VARIANT = "pdf/ua-1"
_PAGE_COUNTERS = frozenset({"page", "pages"})


class Margins(Enum):
    ALL = "all"  # a document on its own
    TEXT = "text"  # a chapter: margin boxes without page numbers
    NUMBERS = "numbers"  # the stamp: only the margin boxes with page numbers


@dataclass(frozen=True, slots=True)
class Laid:
    """A laid-out document: its PDF, each page's name and what the renderer complained about."""

    pdf: bytes
    page_names: tuple[str, ...]
    numbered: tuple[bool, ...]  # which pages have a margin box showing a page number
    anchors: Mapping[str, int]  # each anchor (element id) -> the page index it is first on
    refused: tuple[str, ...]  # URLs the fetcher refused, in order
    messages: tuple[str, ...]  # the renderer's warnings, one line each
    unprintable: tuple[tuple[str, str], ...]  # (file, what of it the PDF cannot draw), in order
    fonts: bytes = b""  # a chapter's fonts as the join reads them (`fonts.read_ahead`)
    objects: int = 0  # how many objects a chapter made ready to join holds (the join's size)

    def to_bytes(self) -> bytes:
        header = {
            "page_names": self.page_names,
            "numbered": self.numbered,
            "anchors": self.anchors,
            "refused": self.refused,
            "messages": self.messages,
            "unprintable": self.unprintable,
            "fonts": len(self.fonts),
            "objects": self.objects,
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        return head + b"\n" + self.pdf + self.fonts

    @classmethod
    def from_bytes(cls, data: bytes) -> Laid | None:
        """A stored `Laid`, or None when the bytes are not one."""
        head, _, rest = data.partition(b"\n")
        try:
            header = json.loads(head)
            fonts = int(header["fonts"])
            if not 0 <= fonts <= len(rest):
                return None
            return cls(
                rest[: len(rest) - fonts],
                tuple(str(n) for n in header["page_names"]),
                tuple(bool(n) for n in header["numbered"]),
                {str(a): int(i) for a, i in header["anchors"].items()},
                tuple(str(u) for u in header["refused"]),
                tuple(str(m) for m in header["messages"]),
                tuple((str(f), str(w)) for f, w in header["unprintable"]),
                rest[len(rest) - fonts :],
                int(header["objects"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# WeasyPrint's loggers, and fontTools' (WeasyPrint subsets fonts with it); "weasyprint.progress"
# is a child of "weasyprint", so stopping propagation there keeps its step messages away too.
_LOGGERS = ("weasyprint", "fontTools")


@contextmanager
def captured_weasyprint_logs() -> Iterator[list[logging.LogRecord]]:
    """Keep the renderer's log records away from the terminal, and collect its warnings.

    Library code must not print: without this, an application that configures logging (or
    Python's last-resort handler) would show WeasyPrint's complaints on stderr.
    """
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
        lg.setLevel(logging.WARNING)
    try:
        yield handler.records
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.propagate = propagate
            lg.setLevel(level)


def pdf_options(document_html: str) -> dict[str, Any]:
    """WeasyPrint's options for a document: the same HTML gives the same bytes."""
    load_weasyprint()  # lazy: `coursec --help` and `check` never pay for it
    import weasyprint

    identifier = hashlib.sha256(document_html.encode()).hexdigest()[:32].encode()
    options: dict[str, Any] = {
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,  # implied by the variant; explicit for WeasyPrint versions that need it
        "pdf_identifier": identifier,
        "optimize_images": False,
        "uncompressed_pdf": False,
    }
    known = getattr(weasyprint, "DEFAULT_OPTIONS", options)
    return {k: v for k, v in options.items() if k in known}


def _numbered(box: Any) -> bool:
    content = box.style["content"]
    return isinstance(content, tuple) and any(
        item[0] in ("counter()", "counters()") and item[1][0] in _PAGE_COUNTERS for item in content
    )


def lay_out(document_html: str, files: BuildFetcher, margins: Margins) -> Laid:
    """Lay `document_html` out with a fetcher of its own (so refusals are this document's)."""
    return _lay_out(document_html, files, margins, write=True)


def draft(document_html: str, files: BuildFetcher) -> Laid:
    """`document_html` laid out as a chapter but not written (its `pdf` is empty): its page
    names and where its anchors land, at about 60 % of the cost of `lay_out` (measured on the
    200-module course's contents, glossary and objectives index)."""
    return _lay_out(document_html, files, Margins.TEXT, write=False)


def _lay_out(document_html: str, files: BuildFetcher, margins: Margins, write: bool) -> Laid:
    load_weasyprint()
    from weasyprint.formatting_structure.boxes import MarginBox

    fetcher = BuildFetcher(files.files)
    options = pdf_options(document_html)
    if margins is Margins.NUMBERS:  # drawn over tagged pages as an artifact: no tags of its own
        options.update(pdf_variant=None, pdf_tags=False)
    chunk = _STAMP_CHUNK.search(document_html) if margins is Margins.NUMBERS else None
    lead, before, total = (int(n) for n in chunk.groups()) if chunk else (0, 0, 0)
    with captured_weasyprint_logs() as records:
        with _counted_from(before, total) if chunk else nullcontext():
            document = _render(document_html, fetcher, options)
        if lead:
            document = document.copy(document.pages[lead:])
        numbered: list[bool] = []
        for page in document.pages:
            box = page._page_box  # WeasyPrint 70 keeps the laid-out page box here
            children = list(box.children)
            numbers = [c for c in children if isinstance(c, MarginBox) and _numbered(c)]
            numbered.append(bool(numbers))
            if margins is Margins.TEXT:
                box.children = tuple(c for c in children if all(c is not n for n in numbers))
            elif margins is Margins.NUMBERS:  # nothing else: no content, no page background
                box.children = tuple(numbers)
                box.background = None
                box.canvas_background = None
        data: bytes = document.write_pdf(**options) if write else b""
    anchors: dict[str, int] = {}
    for i, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, i)
    return Laid(
        data,
        tuple(page._page_box.page_type.name for page in document.pages),
        tuple(numbered),
        anchors,
        tuple(fetcher.refused),
        tuple(" ".join(record.getMessage().split()) for record in records),
        tuple((key, what) for key, lost in fetcher.unprintable.items() for what in lost),
    )


def _merge_leaders_as_laid_out() -> None:
    """Give each leader (CSS `leader(". ")`) one text box of its repeated text, as soon as
    WeasyPrint has laid out its line (`layout.inline.handle_leader`, wrapped once per process).

    WeasyPrint 70 fills a leader with a copy of its text box per repetition, set edge to edge,
    then walks, positions and draws each copy on its own: the contents of a 200-module course
    had 85,000 of them. One box of the text repeated draws the same glyphs, each where its copy
    was to within 0.2 pt (WeasyPrint rounds the advances in a run to a thousandth of an em, as
    in any line of text). Merged when the line is made rather than before drawing, the rest of
    the layout (backgrounds, pagination) has one box to handle too: 0.7x the CPU of laying out
    that contents, the same bytes.
    """
    import weasyprint.layout.inline as inline
    from weasyprint.layout.leader import leader_index

    made = inline.handle_leader
    if getattr(made, "merges_leaders", False):
        return

    def handle_leader(context: Any, line: Any, containing_block: Any) -> None:
        made(context, line, containing_block)
        leader = leader_index(line)[1]
        if leader is not None:
            _merge_leader(leader)

    handle_leader.merges_leaders = True  # type: ignore[attr-defined]
    inline.handle_leader = handle_leader


def _merge_leader(box: Any) -> None:
    """A leader's copies of its text as one box; left to right only (there the copies' order
    and the text's agree), and only copies of one text set edge to edge."""
    from weasyprint.formatting_structure.boxes import TextBox

    copies = box.children
    if len(copies) < 2 or not all(type(c) is TextBox for c in copies):
        return
    first = min(copies, key=lambda c: c.position_x)
    if first.style["direction"] != "ltr" or any(
        c.text != first.text
        or c.pango_layout is not first.pango_layout
        or c.position_y != first.position_y
        for c in copies
    ):
        return
    xs = sorted(c.position_x for c in copies)
    if any(abs(b - a - first.width) > 1e-6 for a, b in pairwise(xs)):
        return
    whole = first.copy_with_text(first.text * len(copies))
    whole.pango_layout = copy.copy(first.pango_layout)  # laid out again when drawn
    whole.pango_layout.text = whole.text
    whole.width = first.width * len(copies)
    box.children = (whole,)


def _render(document_html: str, fetcher: BuildFetcher, options: dict[str, Any]) -> Any:
    """Lay the document out (a weasyprint Document), loading files through `fetcher` only,
    each leader as one box (`_merge_leaders_as_laid_out`) and one link annotation per piece of
    a link (`links`).

    Its stylesheets are parsed once per process (`_stylesheets`): a handout is laid out in many
    chapters, and parsing the theme's CSS again for each took a tenth of the PDF's time.
    """
    import weasyprint

    _merge_leaders_as_laid_out()
    html, sheets = _stylesheets(document_html, fetcher)
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print"
    ).render(stylesheets=sheets, **options)
    drop_inner_links(document)
    return document


# The CSS the print template writes (`print/handout.html.j2`): links to the theme's stylesheets
# and `<style>` blocks, each exactly in this form.
_CSS = re.compile(r'<link rel="stylesheet" href="([^"<>]+)">|<style>([^<]*)</style>')
_ANY_CSS = re.compile(r"<(?:link|style)\b", re.IGNORECASE)
# What a stylesheet parsed once cannot share between documents: fonts, counter styles and layers
# are registered in the document being laid out, imports are fetched through its fetcher.
_PER_DOCUMENT = (b"@font-face", b"@counter-style", b"@layer", b"@import")
_PARSED: dict[tuple[str, bytes], Any] = {}  # (URL, digest of the CSS) -> weasyprint.CSS


def _stylesheets(document_html: str, fetcher: BuildFetcher) -> tuple[str, list[Any]]:
    """`document_html` without its CSS, and that CSS parsed (once per process), in order.

    WeasyPrint applies stylesheets given this way with the user's origin, not the author's: the
    cascade is the same only when all of a document's CSS is given so. When any of it cannot be
    (a link WeasyPrint must fetch for itself, CSS written in another form, a rule that belongs to
    one document), the document is left as it is, for WeasyPrint to parse whole.
    """
    sheets: list[Any] = []

    def take(match: re.Match[str]) -> str:
        found = _css(match, fetcher)
        sheet = _parsed(*found) if found is not None else None
        if sheet is None:
            return match[0]
        sheets.append(sheet)
        return ""

    html = _CSS.sub(take, document_html)
    if _ANY_CSS.search(html):
        return document_html, []
    return html, sheets


def _css(match: re.Match[str], fetcher: BuildFetcher) -> tuple[str, bytes] | None:
    """The URL and bytes of the CSS a match of `_CSS` gives (a `<style>` block's URL is the
    document's); None for a link the fetcher refuses."""
    if match[1] is None:
        return BASE_URL, unescape(match[2]).encode()
    url = urljoin(BASE_URL, unescape(match[1]))
    try:
        return url, fetcher.resolve(url)[0]
    except RefusedURL:
        return None


def _parsed(url: str, data: bytes) -> Any | None:
    import weasyprint

    if any(rule in data for rule in _PER_DOCUMENT):
        return None
    key = (url, hashlib.sha256(data).digest())
    if key not in _PARSED:
        if len(_PARSED) >= 64:  # a long `--watch` session editing the theme's CSS
            _PARSED.clear()
        _PARSED[key] = weasyprint.CSS(
            string=data.decode("utf-8", "replace"), base_url=url, media_type="print"
        )
    return _PARSED[key]


# A chunk of the stamp (`stamp.stamps`) says on its <body> how many pages to drop before its own,
# the pages of the whole before those (the dropped ones included), and the whole's page count.
_STAMP_CHUNK = re.compile(r'<body data-coursec-stamp="(\d+) (\d+) (\d+)">')
_COUNTING = threading.Lock()


def stamp_chunk_body(lead: int, before: int, total: int) -> str:
    """The `<body>` of a chunk of the stamp (see `_STAMP_CHUNK`)."""
    return f'<body data-coursec-stamp="{lead} {before} {total}">'


def head_css(head: str, fetcher: BuildFetcher) -> list[bytes] | None:
    """The CSS of a document's `<head>`, linked and inline, in order; None when some of it is
    not in a form read here (see `_stylesheets`) or not served."""
    found = [_css(match, fetcher) for match in _CSS.finditer(head)]
    if any(one is None for one in found) or _ANY_CSS.search(_CSS.sub("", head)):
        return None
    return [one[1] for one in found if one is not None]


@contextmanager
def _counted_from(before: int, total: int) -> Iterator[None]:
    """While a chunk of the stamp is laid out, its margin boxes count its pages as the
    handout's: `before` pages come first, `total` in all (`counter(page)`, `counter(pages)`).

    WeasyPrint 70 takes both from the page's state when it makes the margin boxes
    (`layout.make_margin_boxes`), and gives no way to set `pages` (it drops it from the
    counter properties), so the chunk's numbers are given there: one chunk at a time in a
    process, and only to the thread laying it out.
    """
    import weasyprint.layout

    with _COUNTING:
        made, here = weasyprint.layout.make_margin_boxes, threading.get_ident()

        def numbered(context: Any, page: Any, state: Any) -> Any:
            if threading.get_ident() != here:
                return made(context, page, state)
            quote_depth, values, scopes, groups = state
            values = {**values, "page": [n + before for n in values["page"]], "pages": [total]}
            return made(context, page, (quote_depth, values, scopes, groups))

        weasyprint.layout.make_margin_boxes = numbered
        try:
            yield
        finally:
            weasyprint.layout.make_margin_boxes = made
