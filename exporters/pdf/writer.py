"""Write a PDF file one object at a time, so that the join can write each chapter's objects as
soon as they are copied into the whole, and let them go: qpdf writes a file only from a document
it holds whole (an 800-module handout with knowledge checks: 435,000 objects, 1 GiB).

The file is laid out as qpdf writes it with object streams: the objects that are not streams go
into compressed object streams of up to 100, the streams are written as they are (compressed
when they have no filter, but for the XMP metadata, which stays readable), and a compressed
cross-reference stream (PNG "Up" predictor) ends the file. Nothing depends on the clock: the
second half of the `/ID` is a digest of the bytes before it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from itertools import accumulate

import pikepdf
from pikepdf import Dictionary, Name, String

_PER_STREAM = 100  # objects in an object stream, as qpdf makes them
_BINARY = b"%\xbf\xf7\xa2\xfe\n"  # the comment that marks the file as binary, as qpdf writes it
# a reference, or a literal string, which may hold what reads as one (qpdf escapes its parentheses)
_REFERENCE = re.compile(rb"\((?:[^\\)]|\\.)*\)|(\d+) \d+ R", re.DOTALL)


class ObjectWriter:
    """A PDF file written object by object; `number()` gives a new object number, for the
    object streams and the cross-reference stream."""

    def __init__(self, version: str, number: Callable[[], int]) -> None:
        self._number = number
        self._chunks: list[bytes] = []  # the file, in order
        self._chunk_of: dict[int, int] = {}  # an object written as a chunk -> its index
        self._packed: list[tuple[int, list[int]]] = []  # each object stream, the objects in it
        self._numbers: list[int] = []  # the objects for the next object stream
        self._bodies: list[bytes] = []  # and each as written
        self._chunks.append(b"%PDF-" + version.encode() + b"\n" + _BINARY)

    def write(self, number: int, value: pikepdf.Object) -> bytes:
        """Write the indirect object `number`, `value`; returns it as written (a stream's
        dictionary), for `references`."""
        if isinstance(value, pikepdf.Stream):
            return self._stream(number, value)
        body = value.unparse(resolved=True)
        self._numbers.append(number)
        self._bodies.append(body)
        if len(self._numbers) == _PER_STREAM:
            self._object_stream()
        return body

    def finish(self, size: int, root: int, info: int | None, identifier: bytes) -> bytes:
        """The file, its cross-reference stream covering the numbers below `size`."""
        if self._numbers:
            self._object_stream()
        chunks = self._chunks
        starts = [0, *accumulate(map(len, chunks))]
        own = self._number()
        self._chunk_of[own] = len(chunks)
        size = max(size, own + 1)
        widths = [1, _width(max(starts[-1], own)), 2]  # the third holds 65535
        row, shift = sum(widths), 8 * widths[1] + 16
        entries = [0xFFFF] + [0] * (size - 1)  # each as a row; object 0 heads the free list
        for number, index in self._chunk_of.items():
            entries[number] = 1 << shift | starts[index] << 16
        for stream, numbers in self._packed:
            kind = 2 << shift | stream << 16
            for index, number in enumerate(numbers):
                entries[number] = kind | index
        rows = b"".join(entry.to_bytes(row + 1, "big") for entry in entries)
        data = zlib.compress(_up(rows, row + 1))
        digest = hashlib.md5(usedforsecurity=False)
        for chunk in chunks:
            digest.update(chunk)
        ids = b" ".join(String(x).unparse() for x in (identifier, digest.digest()))
        head = b"<< /Type /XRef /Size %d /W [ %d %d %d ] /Root %d 0 R" % (size, *widths, root)
        if info is not None:
            head += b" /Info %d 0 R" % info
        head += b" /ID [ %s ] /Filter /FlateDecode" % ids
        head += b" /DecodeParms << /Columns %d /Predictor 12 >> /Length %d >>" % (row, len(data))
        chunks.append(_indirect(own, head, data))
        chunks.append(b"startxref\n%d\n%%%%EOF\n" % starts[-1])
        return b"".join(chunks)

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
        self._chunk_of[number] = len(self._chunks)
        self._chunks.append(_indirect(number, head, data))
        return head

    def _object_stream(self) -> None:
        """Write the pending objects as one object stream."""
        own = self._number()
        numbers, bodies = self._numbers, self._bodies
        self._numbers, self._bodies = [], []
        self._packed.append((own, numbers))
        self._chunk_of[own] = len(self._chunks)
        self._chunks.append(_object_stream(own, numbers, bodies))


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
