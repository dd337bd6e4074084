"""Joining PDFs into memory, and reading PDFs back, in tests."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, Destination, DictionaryObject, IndirectObject

from coursec.exporters.pdf.join import join

# what the margin boxes draw (running headers, page numbers), in a page's content
PAGINATION_ARTIFACT = re.compile(rb"/Artifact\s*<</Type /Pagination>>\s*BDC")


def join_bytes(*args: Any, **kwargs: Any) -> bytes:
    """The file `join` writes, in memory."""
    into = io.BytesIO()
    join(*args, into=into, **kwargs)
    return into.getvalue()


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, depth first."""
    found: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                assert isinstance(item, Destination)
                found.append((depth, str(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def loose_marked_content(reader: PdfReader) -> list[tuple[int, int]]:
    """(page index, marked-content id) of each marked content sequence drawn on a page whose
    element the structure tree does not reach: content that is neither in the tree nor an
    artifact."""
    reached: set[int] = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []:
            if isinstance(kid, IndirectObject):
                child = kid.get_object()
                if isinstance(child, DictionaryObject) and child.get("/Type") != "/OBJR":
                    reached.add(kid.idnum)
                    stack.append(child)
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    entries = dict(zip((int(k) for k in nums[0::2]), list(nums)[1::2], strict=True))
    loose = []
    for i, page in enumerate(reader.pages):
        held = entries[page["/StructParents"]].get_object()
        for found in re.findall(rb"/MCID (\d+)", page.get_contents().get_data()):
            element = held[int(found)]
            if not isinstance(element, IndirectObject) or element.idnum not in reached:
                loose.append((i, int(found)))
    return loose
