"""PDF files through pikepdf (qpdf): read and write them the same way every time, and read the
arrays, number trees and structure tree that preparing and joining chapters walk."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from coursec.collector import resident_size

_AHEAD = 256 * 2**20  # what opening and reading chapters ahead may take


class PdfJoinError(ValueError):
    """A chapter is not a PDF that can be joined, or the chapters do not fit together."""


def open_pdf(data: bytes) -> Pdf:
    try:
        return Pdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        raise PdfJoinError(f"not a readable PDF: {error}") from None


class OpenedAhead:
    """PDFs opened and read before the join takes them, while workers lay out the chapters that
    changed: opening took 0.2 s of a 200-module handout's join (0.8 s at 800), reading their
    objects 0.2 s more. Each is known by its bytes."""

    def __init__(self) -> None:
        self._opened: dict[int, tuple[bytes, Pdf]] = {}  # id of the bytes: them, opened

    def open(self, files: Sequence[bytes], busy: Callable[[], bool]) -> None:
        """Open `files`, then read their objects, while `busy()` and while this process has
        grown by less than `_AHEAD` (an opened chapter holds 8 times its size, one read 16)."""
        start = resident_size() or 0

        def more() -> bool:
            return busy() and (resident_size() or 0) - start < _AHEAD

        for data in files:
            if not more():
                return
            if id(data) not in self._opened:
                with contextlib.suppress(PdfJoinError):  # the join opens it again, and says why
                    self._opened[id(data)] = (data, open_pdf(data))
        for data in files:
            if not more():
                return
            if id(data) in self._opened:
                with contextlib.suppress(pikepdf.PdfError):  # the join finds it as it copies
                    for _ in self._opened[id(data)][1].objects:
                        pass

    def clear(self) -> None:
        self._opened.clear()

    def take(self, data: bytes) -> Pdf:
        """`open_pdf(data)`: opened ahead, or now. It is not held here any longer."""
        found = self._opened.pop(id(data), None)
        return found[1] if found is not None and found[0] is data else open_pdf(data)


def save_pdf(pdf: Pdf, version: str) -> bytes:
    """The file `write_pdf` writes."""
    buffer = io.BytesIO()
    write_pdf(pdf, version, buffer)
    return buffer.getvalue()


def write_pdf(pdf: Pdf, version: str, into: BinaryIO) -> None:
    """Write the file `into`, compressed as WeasyPrint compresses: streams as they are, the
    other objects in object streams. Nothing depends on the clock: the second half of the `/ID`
    is a digest of the content (the first is the one the file had, or the digest too)."""
    pdf.save(
        into,
        force_version=version,
        fix_metadata_version=False,  # the XMP stays as WeasyPrint wrote it
        compress_streams=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
    )


def items(value: object) -> list[pikepdf.Object]:
    """An array's items; a single value in its place (as `/K` allows) as the only item."""
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]  # type: ignore[list-item]


def structure(pdf: Pdf) -> tuple[Dictionary, Dictionary] | None:
    """The structure tree root of a tagged PDF and its one element, the `Document`."""
    tree = pdf.Root.get(Name.StructTreeRoot)
    if not isinstance(tree, Dictionary):
        return None
    found = items(tree.get(Name.K))
    if len(found) != 1 or not isinstance(found[0], Dictionary):
        raise PdfJoinError("a structure tree does not hold one document element")
    return tree, found[0]


def number_tree(node: object) -> Iterator[tuple[int, pikepdf.Object]]:
    """The entries of a number tree (WeasyPrint writes one flat node), in key order."""
    for key, value in _tree(node, Name.Nums):
        yield int(key), value


def name_tree(node: object) -> Iterator[tuple[bytes, pikepdf.Object]]:
    """The entries of a name tree (WeasyPrint writes one flat node), in key order."""
    for key, value in _tree(node, Name.Names):
        yield bytes(key), value


def _tree(node: object, entries: Name) -> Iterator[tuple[Any, pikepdf.Object]]:
    if not isinstance(node, Dictionary):
        return
    pairs = items(node.get(entries))
    yield from zip(pairs[0::2], pairs[1::2], strict=True)
    for kid in items(node.get(Name.Kids)):
        yield from _tree(kid, entries)
