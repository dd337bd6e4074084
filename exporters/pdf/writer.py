"""Write a PDF file one object at a time, so that the join can write each chapter's objects as
soon as they are copied into the whole, and let them go: qpdf writes a file only from a document
it holds whole (an 800-module handout with knowledge checks: 435,000 objects, 1 GiB).

Each object goes to the file as it is written: the file is never held in memory (47 MiB for that
handout). The file is laid out as qpdf writes it with object streams: the objects that are not
streams go into compressed object streams of up to 100 (a long one in one of its own), the
streams are written as they are (compressed when they have no filter, but for the XMP metadata,
which stays readable), and a compressed cross-reference stream (PNG "Up" predictor) ends the
file. Nothing depends on the clock: the second half of the `/ID` is a digest of the bytes before
it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import BinaryIO

import pikepdf
from pikepdf import Dictionary, Name, String

_PER_STREAM = 100  # objects in an object stream, as qpdf makes them
# An object longer than this as written (the structure's parent tree, the `Document` element's
# kids, the page tree) gets an object stream of its own: a reader parses a whole object stream to
# take one object from it, and poppler keeps only five parsed, so such an object packed with
# others was parsed again and again (see `join._Whole.write_rest` for what it cost).
_ALONE = 4096
_BINARY = b"%\xbf\xf7\xa2\xfe\n"  # the comment that marks the file as binary, as qpdf writes it
# a reference, or a literal string, which may hold what reads as one (qpdf escapes its parentheses)
_REFERENCE = re.compile(rb"\((?:[^\\)]|\\.)*\)|(\d+) \d+ R", re.DOTALL)


class ObjectWriter:
    """A PDF file written object by object `into` a file; `number()` gives a new object number,
    for the object streams and the cross-reference stream."""

    def __init__(self, version: str, number: Callable[[], int], into: BinaryIO) -> None:
        self._number = number
        self._into = into
        self._written = 0  # the bytes written so far
        self._digest = hashlib.md5(usedforsecurity=False)  # of them, for the `/ID`
        self._offset_of: dict[int, int] = {}  # an object written on its own -> where it starts
        self._packed: list[tuple[int, list[int]]] = []  # each object stream, the objects in it
        self._numbers: list[int] = []  # the objects for the next object stream
        self._bodies: list[bytes] = []  # and each as written
        self._append(b"%PDF-" + version.encode() + b"\n" + _BINARY)

    def _append(self, data: bytes, number: int | None = None) -> None:
        """`data` onto the file; the object `number` starts it."""
        if number is not None:
            self._offset_of[number] = self._written
        self._into.write(data)
        self._digest.update(data)
        self._written += len(data)

    def write(self, number: int, value: pikepdf.Object) -> bytes:
        """Write the indirect object `number`, `value`; returns it as written (a stream's
        dictionary), for `references`."""
        if isinstance(value, pikepdf.Stream):
            return self._stream(number, value)
        body = value.unparse(resolved=True)
        if len(body) > _ALONE:
            self._pack([number], [body])
            return body
        self._numbers.append(number)
        self._bodies.append(body)
        if len(self._numbers) == _PER_STREAM:
            self._object_stream()
        return body

    def finish(self, size: int, root: int, info: int | None, identifier: bytes) -> None:
        """End the file with its cross-reference stream, covering the numbers below `size`."""
        if self._numbers:
            self._object_stream()
        start = self._written
        own = self._number()
        self._offset_of[own] = start
        size = max(size, own + 1)
        widths = [1, _width(max(start, own)), 2]  # the third holds 65535
        row, shift = sum(widths), 8 * widths[1] + 16
        entries = [0xFFFF] + [0] * (size - 1)  # each as a row; object 0 heads the free list
        for number, offset in self._offset_of.items():
            entries[number] = 1 << shift | offset << 16
        for stream, numbers in self._packed:
            kind = 2 << shift | stream << 16
            for index, number in enumerate(numbers):
                entries[number] = kind | index
        rows = b"".join(entry.to_bytes(row + 1, "big") for entry in entries)
        data = zlib.compress(_up(rows, row + 1))
        ids = b" ".join(String(x).unparse() for x in (identifier, self._digest.digest()))
        head = b"<< /Type /XRef /Size %d /W [ %d %d %d ] /Root %d 0 R" % (size, *widths, root)
        if info is not None:
            head += b" /Info %d 0 R" % info
        head += b" /ID [ %s ] /Filter /FlateDecode" % ids
        head += b" /DecodeParms << /Columns %d /Predictor 12 >> /Length %d >>" % (row, len(data))
        self._append(_indirect(own, head, data))
        self._append(b"startxref\n%d\n%%%%EOF\n" % start)

    def _stream(self, number: int, stream: pikepdf.Stream) -> bytes:
        data = stream.read_raw_bytes()
        entries = stream.stream_dict
        changed: dict[str, object] = {}
        if Name.Filter not in entries and entries.get(Name.Type) != Name.Metadata:
            data = zlib.compress(data)
            changed["/Filter"] = Name.FlateDecode
        if entries.get(Name.Length) != len(data):
            changed["/Length"] = len(data)
        if changed:  # written from a copy: pikepdf keeps a stream's /Length its own
            entries = Dictionary({**dict(entries.items()), **changed})
        head = entries.unparse(resolved=True)
        self._append(_indirect(number, head, data), number)
        return head

    def _object_stream(self) -> None:
        """Write the pending objects as one object stream."""
        numbers, bodies = self._numbers, self._bodies
        self._numbers, self._bodies = [], []
        self._pack(numbers, bodies)

    def _pack(self, numbers: list[int], bodies: list[bytes]) -> None:
        own = self._number()
        self._packed.append((own, numbers))
        self._append(_object_stream(own, numbers, bodies), own)


def _object_stream(own: int, numbers: list[int], bodies: list[bytes]) -> bytes:
    """Object stream `own` holding `bodies`, the objects `numbers`, written as an object."""
    starts = accumulate((len(body) + 1 for body in bodies[:-1]), initial=0)
    header = b" ".join(b"%d %d" % pair for pair in zip(numbers, starts, strict=True)) + b"\n"
    data = zlib.compress(header + b"\n".join(bodies) + b"\n")
    head = b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
    return _indirect(own, head % (len(numbers), len(header), len(data)), data)


def _indirect(number: int, head: bytes, data: bytes) -> bytes:
    """A stream object as the file holds it."""
    return b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number, head, data)


def references(written: bytes) -> Iterator[int]:
    """The numbers of the objects an object as `write` wrote it refers to."""
    for found in _REFERENCE.finditer(written):
        if found[1] is not None:
            yield int(found[1])


def _up(rows: bytes, width: int) -> bytes:
    """`rows` of `width` bytes, each led by a zero byte, as the PNG "Up" predictor writes them:
    each byte less the one above it (modulo 256), each row led by the predictor's 2. Computed
    on the whole table as one integer, a byte per lane, rather than byte by byte in Python
    (3 million bytes at 800 modules)."""
    size = len(rows)
    high = int.from_bytes(b"\x80" * size, "big")
    full = (1 << 8 * size) - 1
    x = int.from_bytes(rows, "big")
    y = x >> 8 * width  # the row above each row (none above the first)
    lanes = ((x | high) - (y & ~high & full)) ^ ((x ^ ~y & full) & high)
    tags = int.from_bytes((b"\x02" + bytes(width - 1)) * (size // width), "big")
    return (lanes | tags).to_bytes(size, "big")


def _width(value: int) -> int:
    """The bytes a cross-reference field needs to hold `value`."""
    return max(1, (value.bit_length() + 7) // 8)
