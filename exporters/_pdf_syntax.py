"""PDF object syntax: read the files WeasyPrint writes, parse and write single objects.

WeasyPrint writes its PDFs with pydyf, always in the same shape when compressed: every
non-stream object in one object stream, each stream as an indirect object, and a cross-reference
stream. `read_pdf` reads exactly that shape (and refuses anything else) into raw object bytes,
without parsing them; `parse` and `dumps` handle the few objects the assembler has to change.
Values: dict (keys without the slash), list, int, `Ref`, `Name`, and `Token` for what is copied
as written (strings, reals, booleans).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class PdfSyntaxError(ValueError):
    """The bytes are not a PDF in the shape WeasyPrint writes."""


@dataclass(frozen=True, slots=True)
class Ref:
    num: int


class Name(str):
    """A PDF name, without its leading slash."""


class Token(bytes):
    """A value kept exactly as written: a string, a real number, true, false or null."""

    def text(self) -> str:
        """A string token's text (literal or UTF-16 hex, as pydyf writes them)."""
        if self.startswith(b"("):
            return _unescape(self[1:-1]).decode("latin-1")
        raw = bytes.fromhex(self[1:-1].decode())
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be")
        return raw.decode("latin-1")


def string(text: str) -> Token:
    """A string token for `text`, written as pydyf writes strings."""
    try:
        escaped = re.sub(rb"([\\()])", rb"\\\1", text.encode("ascii"))
    except UnicodeEncodeError:
        return Token(b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().encode() + b">")
    return Token(b"(" + escaped + b")")


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match[1]
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


# pydyf escapes every parenthesis inside a literal string, so strings never nest.
_STRING = rb"\((?:\\.|[^\\()])*\)"
_TOKEN = re.compile(
    rb"\s*(?:(?P<ref>\d+)\s+\d+\s+R(?![A-Za-z])"
    rb"|(?P<open><<|\[)|(?P<close>>>|\])"
    rb"|(?P<name>/[^\s/<>\[\]()%{}]*)"
    rb"|(?P<int>[+-]?\d+(?![\d.]))"
    rb"|(?P<token>" + _STRING + rb"|<[0-9A-Fa-f\s]*>|[+-]?\d*\.\d*|true|false|null))",
    re.S,
)


def parse(data: bytes, pos: int = 0) -> tuple[Any, int]:
    """The object that starts at `pos`, and the position after it."""
    open_: list[tuple[bytes, list[Any]]] = []  # containers being read, innermost last
    while True:
        match = _TOKEN.match(data, pos)
        if match is None:
            raise PdfSyntaxError(f"unexpected bytes at {pos}: {data[pos : pos + 20]!r}")
        kind, pos = match.lastgroup, match.end()
        value: Any
        if kind == "open":
            open_.append((match["open"], []))
            continue
        if kind == "close":
            if not open_:
                raise PdfSyntaxError(f"unexpected {match[0]!r} at {pos}")
            opener, items = open_.pop()
            value = items if opener == b"[" else _dictionary(items, pos)
        elif kind == "ref":
            value = Ref(int(match["ref"]))
        elif kind == "int":
            value = int(match["int"])
        elif kind == "name":
            value = Name(match["name"][1:].decode("latin-1"))
        else:
            value = Token(match["token"])
        if not open_:
            return value, pos
        open_[-1][1].append(value)


def _dictionary(items: list[Any], pos: int) -> dict[str, Any]:
    keys = items[0::2]
    if len(items) % 2 or not all(isinstance(k, Name) for k in keys):
        raise PdfSyntaxError(f"malformed dictionary before {pos}")
    return dict(zip(keys, items[1::2], strict=True))


def dumps(value: Any) -> bytes:
    """`value` in PDF syntax."""
    if isinstance(value, Token):
        return bytes(value)
    if isinstance(value, Name):
        return b"/" + value.encode("latin-1")
    if isinstance(value, Ref):
        return b"%d 0 R" % value.num
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, dict):
        entries = (b"/%s %s" % (k.encode("latin-1"), dumps(v)) for k, v in value.items())
        return b"<<" + b"".join(entries) + b">>"
    if isinstance(value, list):
        return b"[" + b" ".join(dumps(v) for v in value) + b"]"
    raise TypeError(f"cannot write {value!r} as PDF")


def remap(value: Any, number: Callable[[int], int]) -> Any:
    """`value` with every reference renumbered."""
    if isinstance(value, Ref):
        return Ref(number(value.num))
    if isinstance(value, dict):
        return {k: remap(v, number) for k, v in value.items()}
    if isinstance(value, list):
        return [remap(v, number) for v in value]
    return value


_REF_OR_STRING = re.compile(_STRING + rb"|<[0-9A-Fa-f]*>|(?<![\d.])(\d+) 0 R(?![A-Za-z])", re.S)


def renumber(raw: bytes, number: Callable[[int], int]) -> bytes:
    """Raw object bytes with every reference renumbered; strings are left as they are."""

    def one(match: re.Match[bytes]) -> bytes:
        if match[1] is None:
            return match[0]
        return b"%d 0 R" % number(int(match[1]))

    return _REF_OR_STRING.sub(one, raw)


@dataclass(slots=True)
class Stream:
    head: dict[str, Any]  # the stream dictionary
    data: bytes  # as stored (compressed when the dictionary has a Filter)


@dataclass(slots=True)
class PdfFile:
    objects: dict[int, bytes]  # number -> the object's bytes, for objects that are not streams
    streams: dict[int, Stream]
    root: int
    info: int | None

    def get(self, num: int) -> Any:
        """Object `num` parsed (a stream gives its dictionary)."""
        if num in self.streams:
            return self.streams[num].head
        return parse(self.objects[num])[0]

    def resolve(self, value: Any) -> Any:
        return self.get(value.num) if isinstance(value, Ref) else value

    def decoded(self, num: int) -> bytes:
        stream = self.streams[num]
        return zlib.decompress(stream.data) if "Filter" in stream.head else stream.data


def _indirect(data: bytes, offset: int) -> tuple[int, Stream]:
    header = re.compile(rb"(\d+) 0 obj\s*").match(data, offset)
    if header is None:
        raise PdfSyntaxError(f"no object at offset {offset}")
    head, end = parse(data, header.end())
    start = re.compile(rb"\s*stream\r?\n").match(data, end)
    if not isinstance(head, dict) or start is None or not isinstance(head.get("Length"), int):
        raise PdfSyntaxError(f"object {header[1].decode()} is not a stream of known length")
    body = data[start.end() : start.end() + head["Length"]]
    return int(header[1]), Stream(head, body)


def read_pdf(data: bytes) -> PdfFile:
    """Every object of a PDF as pydyf writes it compressed (objects in one object stream)."""
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    if found is None:
        raise PdfSyntaxError("no startxref")
    _, xref = _indirect(data, int(found[1]))
    if xref.head.get("Type") != "XRef":
        raise PdfSyntaxError("no cross-reference stream (not a compressed pydyf PDF)")
    table = zlib.decompress(xref.data) if "Filter" in xref.head else xref.data
    widths = xref.head["W"]
    first, count = xref.head.get("Index", [0, xref.head["Size"]])[:2]
    size = sum(widths)
    entries: list[tuple[int, int, int]] = []
    for i in range(count):
        row = table[i * size : (i + 1) * size]
        fields, at = [], 0
        for width in widths:
            fields.append(int.from_bytes(row[at : at + width], "big") if width else 1)
            at += width
        entries.append((first + i, fields[0], fields[1]))
    objects: dict[int, bytes] = {}
    streams: dict[int, Stream] = {}
    packed: set[int] = set()
    for num, kind, where in entries:
        if kind == 1:
            got, stream = _indirect(data, where)
            if got != num:
                raise PdfSyntaxError(f"object {num} expected at offset {where}")
            streams[num] = stream
        elif kind == 2:
            packed.add(where)
    for container in sorted(packed):
        _unpack(streams.pop(container), objects)
    streams = {n: s for n, s in streams.items() if s.head.get("Type") != "XRef"}
    root, info = xref.head["Root"], xref.head.get("Info")
    return PdfFile(objects, streams, root.num, info.num if isinstance(info, Ref) else None)


def _unpack(stream: Stream, into: dict[int, bytes]) -> None:
    content = zlib.decompress(stream.data) if "Filter" in stream.head else stream.data
    first, count = stream.head["First"], stream.head["N"]
    numbers = [int(n) for n in content[:first].split()]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=True))
    if len(pairs) != count:
        raise PdfSyntaxError("object stream header does not match its count")
    for i, (num, offset) in enumerate(pairs):
        end = pairs[i + 1][1] if i + 1 < len(pairs) else len(content) - first
        into[num] = content[first + offset : first + end].strip()
