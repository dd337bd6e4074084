"""The stamp: documents of empty pages, named like the handout's, whose margin boxes are the
handout's page numbers ("Page X of Y"); the join draws each of their pages over the handout's.

A stamp of a few thousand pages costs WeasyPrint more per page the longer it is (for every page
it walks every element's cascaded style, and every earlier page for fixed boxes), and would be
laid out on one core: it is cut in chunks of `STAMP_PAGES` pages, laid out side by side, each
numbering its pages as the handout's (`layout` lays a chunk out with the handout's page offset
and page count). A chunk after the first starts a page or two early, on a page of the side
(left or right) the handout's first page is on, and drops the pages before its own: then its
first page is no `:first` page, and is on the side it has in the handout. When the theme's CSS
numbers pages otherwise (page counters set or incremented, page selectors by position) or
cannot be read here, the stamp is one document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from . import layout
from .fetch import BuildFetcher

STAMP_PAGES = 250  # pages of the stamp laid out in one document
_PAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# What numbers a page other than by its place in the document: a stamp in chunks would number
# such pages wrongly.
_UNCHUNKABLE = re.compile(
    rb":nth\(|@import|counter-(?:reset|set|increment)\s*:[^;}]*\bpage\b", re.IGNORECASE
)


def stamps(head: str, page_names: Sequence[str], files: BuildFetcher) -> list[tuple[int, str]]:
    """The stamp of a handout whose pages are named `page_names`, as documents, each with the
    index of the handout's page its first page goes on. `head` is a chapter's markup up to its
    `<body>` (its stylesheets define the margin boxes)."""
    total = len(page_names)
    if total <= STAMP_PAGES or not _chunkable(head, files):
        return [(0, _stamp_html(head, page_names, "<body>"))]
    chunks = []
    for start in range(0, total, STAMP_PAGES):
        lead = 2 - start % 2 if start else 0
        names = page_names[start - lead : start + STAMP_PAGES]
        body = layout.stamp_chunk_body(lead, start - lead, total)
        chunks.append((start, _stamp_html(head, names, body)))
    return chunks


def _chunkable(head: str, files: BuildFetcher) -> bool:
    css = layout.head_css(head, BuildFetcher(files.files))  # its refusals are not the build's
    return css is not None and not any(_UNCHUNKABLE.search(data) for data in css)


def _stamp_html(head: str, page_names: Sequence[str], body: str) -> str:
    pages = []
    for i, name in enumerate(page_names):
        page = name if _PAGE_NAME.fullmatch(name) else "auto"
        breaking = "; break-before: page" if i else ""
        pages.append(f'<div style="page: {escape(page)}{breaking}"></div>')
    return f"{head}{body}\n" + "\n".join(pages) + "\n</body>\n</html>\n"
