"""One embedded font program per font in the joined PDF, where the chapters' subsets of it can
be merged without changing a glyph, a width or the text a page gives.

Every chapter embeds its own subset of each font it uses. WeasyPrint subsets with HarfBuzz
keeping the glyph ids (`HB_SUBSET_FLAGS_RETAIN_GIDS`) and writes each font as a Type0 font
(`/Identity-H`) over a TrueType CID font (`/CIDToGIDMap /Identity`, `/FontFile2`), with `/W`
widths and a `/ToUnicode` CMap of single glyphs (`bfchar`). So a glyph id means the same glyph
in every chapter's subset of one font, up to the last glyph the chapter draws (a second
subsetting keeps the ids up to it and renumbers the glyphs HarfBuzz adds after it), and the
subsets merge into one: the union of their glyph outlines and metrics (each subset's up to its
last glyph drawn), of their `/W` entries and of their ToUnicode mappings. Every page's
resources then name the one merged font, the first subset's dictionary.

Subsets are merged only when nothing can differ (a font that fails a check keeps its own
subset, as before; a subset that conflicts with a group starts a group of its own):
- the same base font name, descriptor (but for the width of `/FontBBox`, the widest glyph)
  and dictionaries with no entry not listed here;
- the same font-wide tables: byte for byte, or field for field but for those the glyph set
  makes (glyph count, metrics count, the OS/2 character range bits and first and last
  character, the checksum);
- the same outline and metrics for every glyph both hold, the same width and the same text for
  every glyph both draw, the same glyph for every character both map;
- one space glyph, of the same width: text extraction (pypdf) finds the gaps between words from
  it, or, in a subset without one, from all its widths, which the union would change; so a
  subset that draws no space keeps its own font;
- no composite glyph made of a glyph after the last one drawn (renumbered).
The merged program keeps the tables of the first subset with the most glyphs, with the glyphs
and character map of all; its OpenType layout tables (GDEF, MATH...: for shaping, which
WeasyPrint has done and a PDF reader never does) would describe some glyphs only, so they are
left out.

Long because each check above is a few lines here, on the PDF's dictionaries and on the font
program's tables (read from their bytes: fontTools would parse every glyph of every subset).
"""

from __future__ import annotations

import io
import marshal
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import compress
from operator import ne
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]
from fontTools.ttLib.tables._g_l_y_f import Glyph  # type: ignore[import-untyped]
from pikepdf import Array, Dictionary, Name, Pdf

from .objects import items

_TYPE0_KEYS = frozenset(
    {Name.Type, Name.Subtype, Name.BaseFont, Name.Encoding, Name.ToUnicode, Name.DescendantFonts}
)
_CID_KEYS = frozenset(
    {
        Name.Type,
        Name.Subtype,
        Name.BaseFont,
        Name.CIDSystemInfo,
        Name.CIDToGIDMap,
        Name.W,
        Name.FontDescriptor,
    }
)
_DESCRIPTOR_KEYS = frozenset(
    {
        Name.Type,
        Name.FontName,
        Name.FontFamily,
        Name.Flags,
        Name.FontBBox,
        Name.ItalicAngle,
        Name.Ascent,
        Name.Descent,
        Name.CapHeight,
        Name.StemV,
        Name.StemH,
        Name.FontFile2,
    }
)  # no /CIDSet (PDF/A-1 only): a subset that has one keeps its own font
# made again from the merged glyphs; every other table must be the same in every subset
_GLYPH_TABLES = frozenset({"glyf", "loca", "hmtx", "cmap", "head", "hhea", "maxp", "OS/2"})
_LAYOUT_TABLES = frozenset({"GDEF", "GPOS", "GSUB", "MATH", "BASE", "JSTF"})
# the OS/2 fields the character map makes (the ranges' bits, the first and last character)
_OS2 = (
    "ulUnicodeRange1",
    "ulUnicodeRange2",
    "ulUnicodeRange3",
    "ulUnicodeRange4",
    "usFirstCharIndex",
    "usLastCharIndex",
)
# the fields of the tables above that the glyph set makes
_SET_FIELDS = frozenset({"checkSumAdjustment", "numberOfHMetrics", "numGlyphs", *_OS2})
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")
_TAG = re.compile(r"/[A-Z]{6}\+")


@dataclass(slots=True)
class _Subset:
    """A chapter's subset of a font, read."""

    font: Dictionary  # the Type0 font
    glyphs: int  # its glyph count
    os2: tuple[int, ...]  # its OS/2 character ranges, first and last character
    widths: dict[int, pikepdf.Object]  # /W
    text: dict[int, bytes]  # ToUnicode: glyph id -> UTF-16BE
    held: dict[int, tuple[bytes, tuple[int, int]]]  # glyph id -> (outline, advance and bearing)
    cmaps: dict[tuple[int, int, int], dict[int, int]]  # subtable -> character -> glyph id


@dataclass(frozen=True, slots=True)
class _Member:
    """A subset in a group: what merging needs of it once its glyphs are in the union."""

    font: Dictionary
    glyphs: int
    os2: tuple[int, ...]


@dataclass(slots=True)
class _Group:
    """Subsets of one font that merge: their union so far."""

    members: list[_Member] = field(default_factory=list)
    widths: dict[int, pikepdf.Object] = field(default_factory=dict)
    text: dict[int, bytes] = field(default_factory=dict)
    held: dict[int, tuple[bytes, tuple[int, int]]] = field(default_factory=dict)
    cmaps: dict[tuple[int, int, int], dict[int, int]] = field(default_factory=dict)
    spaces: set[int] = field(default_factory=set)  # the glyphs whose text is a space

    def take(self, one: _Subset) -> bool:
        """Add `one` if it agrees with every member on what they share (and on which glyph is
        the space: text extraction takes the first)."""
        spaces = self.spaces | {gid for gid, chars in one.text.items() if chars == b"0020"}
        if not (
            len(spaces) <= 1
            and _agree(self.widths, one.widths)
            and _agree(self.text, one.text)
            and _agree(self.held, one.held)
            and all(_agree(self.cmaps.get(k, {}), v) for k, v in one.cmaps.items())
        ):
            return False
        self.members.append(_Member(one.font, one.glyphs, one.os2))
        self.spaces = spaces
        self.widths.update(one.widths)
        self.text.update(one.text)
        self.held.update(one.held)
        for key, mapping in one.cmaps.items():
            self.cmaps.setdefault(key, {}).update(mapping)
        return True


# Font name -> what `_read` found of it, made ahead of the join (`read_ahead`; None: a font
# that does not merge)
Reads = dict[str, Any]
_AHEAD = 1  # the form of `read_ahead`'s bytes
UNREAD = object()  # `ReadAhead.read`: no read of this font was made ahead


class ReadAhead:
    """What `read_ahead` made of each chapter joined, by the fonts' names in the whole.

    A chapter's reads are decoded when `share_fonts` meets the first of its fonts, and only
    that chapter's are kept (its fonts are met together): decoded as each chapter was added,
    the reads of an 800-module handout's chapters were 160 MiB held through its join."""

    def __init__(self) -> None:
        self._chapters: list[tuple[bytes, Mapping[str, str]]] = []
        self._chapter_of: dict[str, int] = {}  # a font's name in the whole -> its chapter
        self._last: tuple[int, Reads] = (-1, {})  # the chapter decoded last, its reads

    def add(self, data: bytes, renamed: Mapping[str, str]) -> None:
        """A chapter's `read_ahead` bytes; `renamed`: its fonts' names there -> in the whole."""
        for name in renamed.values():
            self._chapter_of[name] = len(self._chapters)
        self._chapters.append((data, renamed))

    def read(self, name: str) -> Any:
        """What was read ahead of the font `name` in the whole, or `UNREAD`."""
        index = self._chapter_of.get(name)
        if index is None:
            return UNREAD
        if self._last[0] != index:
            self._last = (index, reads_of(*self._chapters[index]) or {})
        return self._last[1].get(name, UNREAD)


def read_ahead(pdf: Pdf) -> bytes:
    """What `share_fonts` reads of each font `pdf`'s pages use, by font name, for `reads_of`.

    Run where a chapter is laid out (a worker), and kept with it: reading the subsets was two
    fifths of joining a 200-module handout, which runs in the build process after every layout
    and at every build."""
    found: dict[str, Any] = {}
    for font in _used_fonts(pdf):
        read = _read(font)
        if read is None:
            found[str(font.get(Name.BaseFont))] = None
            continue
        key, one = read
        widths = {gid: w if isinstance(w, int) else str(w) for gid, w in one.widths.items()}
        subset = (one.glyphs, one.os2, widths, one.text, one.held, one.cmaps)
        found[str(font.BaseFont)] = (key, subset)
    return marshal.dumps((_AHEAD, found), 2)  # 2: no references, so equal values, equal bytes


def reads_of(data: bytes, renamed: Mapping[str, str]) -> Reads | None:
    """`read_ahead`'s reads of the fonts `renamed` names, by their names in the whole; None
    when `data` is not what `read_ahead` makes."""
    try:
        form, found = marshal.loads(data)
        if form != _AHEAD:
            return None
        reads: Reads = {}
        for name, read in found.items():
            if name not in renamed:
                continue
            if read is not None:
                key, (glyphs, os2, widths, text, held, cmaps) = read
                hash(key)  # a key of the groups of subsets
                widths = {g: w if isinstance(w, int) else Decimal(w) for g, w in widths.items()}
                read = (key, (glyphs, os2, widths, text, held, cmaps))
            reads[renamed[name]] = read
        return reads
    except (ValueError, TypeError, EOFError, AttributeError, ArithmeticError):
        return None


def share_fonts(pdf: Pdf, ahead: ReadAhead | None = None) -> None:
    """Merge the subsets of each font that `pdf`'s pages (and the forms they draw) use into one,
    and point every page's resources at it. A font read `ahead` is not read again."""
    groups: dict[tuple[Any, ...], list[_Group]] = {}
    for font in _used_fonts(pdf):
        earlier = UNREAD if ahead is None else ahead.read(str(font.get(Name.BaseFont)))
        read = _read(font) if earlier is UNREAD else _subset(font, earlier)
        if read is None:
            continue
        key, one = read
        found = groups.setdefault(key, [])
        if not any(group.take(one) for group in found):
            found.append(_Group())
            found[-1].take(one)
    shared: dict[tuple[int, int], Dictionary] = {}
    for found in groups.values():
        for group in found:
            if len(group.members) > 1:
                kept = _merge(pdf, group)
                for member in group.members:
                    shared[member.font.objgen] = kept
    if not shared:
        return
    for resources in _font_resources(pdf):
        for name, used in list(resources.items()):
            if isinstance(used, Dictionary) and used.objgen in shared:
                resources[name] = shared[used.objgen]


def _subset(font: Dictionary, read: Any) -> tuple[tuple[Any, ...], _Subset] | None:
    """A read of `reads_of`, for `font`."""
    return None if read is None else (read[0], _Subset(font, *read[1]))


def _agree(known: dict[Any, Any], new: dict[Any, Any]) -> bool:
    """Whether what both map is mapped alike (at once when `known` holds all of `new`, as it
    does once a group has taken most of the glyphs its chapters draw)."""
    return new.items() <= known.items() or all(known.get(k, v) == v for k, v in new.items())


def _font_resources(pdf: Pdf) -> Iterator[Dictionary]:
    """Each `/Font` resource dictionary of the pages and of the forms they draw, once."""
    seen: set[tuple[int, int]] = set()
    todo = [page.obj.get(Name.Resources) for page in pdf.pages]
    while todo:
        resources = todo.pop(0)
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get(Name.Font)
        if isinstance(fonts, Dictionary):
            yield fonts
        xobjects = resources.get(Name.XObject)
        for xobject in xobjects.values() if isinstance(xobjects, Dictionary) else ():
            if isinstance(xobject, pikepdf.Stream) and xobject.get(Name.Subtype) == Name.Form:
                todo.append(xobject.get(Name.Resources))


def _used_fonts(pdf: Pdf) -> Iterator[Dictionary]:
    """Each font the pages use, once, in page order."""
    seen: set[tuple[int, int]] = set()
    for fonts in _font_resources(pdf):
        for font in fonts.values():
            if isinstance(font, Dictionary) and font.is_indirect and font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def _read(font: Dictionary) -> tuple[tuple[Any, ...], _Subset] | None:
    """What decides which subsets may merge, and the subset; None for a font not in the shape
    described above (it is left as it is)."""
    descendants = items(font.get(Name.DescendantFonts))
    if (
        set(font.keys()) != _TYPE0_KEYS
        or font.Subtype != Name.Type0
        or font.Encoding != Name("/Identity-H")
        or len(descendants) != 1
        or not isinstance(descendants[0], Dictionary)
    ):
        return None
    cid = descendants[0]
    descriptor = cid.get(Name.FontDescriptor)
    if (
        set(cid.keys()) != _CID_KEYS
        or cid.Subtype != Name.CIDFontType2
        or cid.CIDToGIDMap != Name.Identity
        or not isinstance(descriptor, Dictionary)
        or not set(descriptor.keys()) <= _DESCRIPTOR_KEYS
        or not isinstance(descriptor.get(Name.FontFile2), pikepdf.Stream)
        or not isinstance(font.ToUnicode, pikepdf.Stream)
    ):
        return None
    names = {str(x) for x in (font.BaseFont, cid.BaseFont, descriptor.FontName)}
    if len(names) != 1 or not _TAG.match(next(iter(names))):
        return None
    widths, text = _widths(cid.W), _to_unicode(font.ToUnicode.read_bytes())
    found = descriptor.get(Name.FontBBox)
    bbox = list(found) if isinstance(found, Array) else []
    if widths is None or text is None or len(bbox) != 4 or bbox[0] != 0:
        return None
    # text extraction finds the gaps between words from the width of the space: a subset
    # without one makes it from all its widths, which more glyphs would change
    spaces = [gid for gid, chars in text.items() if chars == b"0020"]
    if len(spaces) != 1 or not widths.get(spaces[0]):
        return None
    try:
        data = descriptor.FontFile2.read_bytes()
        program = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
        tables, held, cmaps = _program(program, widths)
        os2 = tuple(getattr(program["OS/2"], name) for name in _OS2)
    except (TTLibError, ValueError, KeyError, AssertionError, IndexError, TypeError, struct.error):
        return None
    if tables is None:
        return None
    entries = {
        str(k): repr(v)
        for k, v in descriptor.items()
        if k not in (Name.FontName, Name.FontFile2, Name.FontBBox)
    }
    key = (
        _TAG.sub("/", names.pop()),
        repr(cid.CIDSystemInfo),
        tuple(sorted(entries.items())),
        repr(widths[spaces[0]]),
        repr(bbox[1]),
        repr(bbox[3]),
        tables,
    )
    return key, _Subset(font, program["maxp"].numGlyphs, os2, widths, text, held, cmaps)


def _widths(array: object) -> dict[int, pikepdf.Object] | None:
    """The widths of a `/W` array by glyph id; None if it is not one."""
    if not isinstance(array, Array):
        return None
    values, i = list(array), 0
    out: dict[int, pikepdf.Object] = {}
    while i < len(values):
        first = values[i]
        if not isinstance(first, int):
            return None
        if i + 1 < len(values) and isinstance(values[i + 1], Array):
            for n, width in enumerate(values[i + 1]):
                out[int(first) + n] = width
            i += 2
        elif i + 2 < len(values) and isinstance(values[i + 1], int):
            for n in range(int(first), int(values[i + 1]) + 1):
                out[n] = values[i + 2]
            i += 3
        else:
            return None
    return out


def _to_unicode(cmap: bytes) -> dict[int, bytes] | None:
    """The mappings of a ToUnicode CMap of single glyphs; None for any other CMap."""
    if b"bfrange" in cmap or b"begincodespacerange\n<0000> <ffff>\nendcodespacerange" not in cmap:
        return None
    out: dict[int, bytes] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        pairs = _BFCHAR.findall(block)
        if len(pairs) != block.count(b"<") // 2:
            return None
        for glyph, text in pairs:
            out[int(glyph, 16)] = text.lower()
    return out


def _program(
    program: TTFont, widths: dict[int, pikepdf.Object] | None
) -> tuple[
    tuple[Any, ...] | None,
    dict[int, tuple[bytes, tuple[int, int]]],
    dict[tuple[int, int, int], dict[int, int]],
]:
    """The font-wide tables (None for a program that cannot merge), the glyphs it holds (those
    with an outline, and those drawn) and its character maps. Glyphs and metrics are read from
    the tables' bytes (fontTools would name and parse every glyph)."""
    tags = sorted(program.reader.keys())
    if "glyf" not in tags or "CFF " in tags:
        return None, {}, {}
    wide: list[Any] = []
    for tag in tags:
        if tag in _LAYOUT_TABLES:
            continue
        if tag not in _GLYPH_TABLES:
            wide.append((str(tag), program.reader[tag]))
        elif tag not in ("glyf", "loca", "hmtx", "cmap"):
            wide.append((str(tag), _fields(program[tag])))
    count, long = program["maxp"].numGlyphs, program["head"].indexToLocFormat
    kept = set(widths or ())  # the glyphs drawn
    if not kept or max(kept) >= count:
        return None, {}, {}
    loca = program.reader["loca"]
    if long:
        offsets = list(struct.unpack(f">{count + 1}I", loca[: 4 * (count + 1)]))
    else:
        offsets = [2 * x for x in struct.unpack(f">{count + 1}H", loca[: 2 * (count + 1)])]
    glyf, hmtx = program.reader["glyf"], program.reader["hmtx"]
    metrics = program["hhea"].numberOfHMetrics
    pairs = struct.unpack(f">{2 * metrics}h", hmtx[: 4 * metrics])
    bearings = pairs[1::2] + struct.unpack(
        f">{count - metrics}h", hmtx[4 * metrics : 4 * metrics + 2 * (count - metrics)]
    )
    advances = [x & 0xFFFF for x in pairs[0::2]]
    advances += advances[-1:] * (count - metrics)
    # WeasyPrint's second subsetting keeps the ids up to the last glyph drawn, and renumbers
    # the glyphs HarfBuzz adds after it (GSUB, MATH closures): those ids mean nothing elsewhere
    top = max(kept)
    kept.update(compress(range(top + 1), map(ne, offsets, offsets[1 : top + 2])))
    held = {
        gid: (glyf[offsets[gid] : offsets[gid + 1]], (advances[gid], bearings[gid]))
        for gid in sorted(kept)
    }
    if any(part > top for outline, _ in held.values() for part in _components(outline)):
        return None, {}, {}
    program.setGlyphOrder(list(_gid_names(count)))
    cmaps = {
        (t.platformID, t.platEncID, t.format): {
            c: gid for c, gid in ((c, int(n[1:])) for c, n in t.cmap.items()) if gid <= top
        }
        for t in program["cmap"].tables
    }
    return tuple(wide), held, cmaps


def _components(outline: bytes) -> Iterator[int]:
    """The glyph ids a composite glyph is made of (none for a simple glyph)."""
    if len(outline) < 10 or struct.unpack(">h", outline[:2])[0] >= 0:
        return
    at, more = 10, True
    while more:
        flags, gid = struct.unpack(">HH", outline[at : at + 4])
        yield gid
        at += 4 + (4 if flags & 0x1 else 2)  # the arguments: words or bytes
        at += 2 if flags & 0x8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0  # the scale
        more = bool(flags & 0x20)


@cache
def _gid_names(count: int) -> tuple[str, ...]:
    """Glyph names that say the glyph id."""
    return tuple(f"g{gid}" for gid in range(count))


def _fields(table: Any) -> tuple[tuple[str, str], ...]:
    """A decompiled table's fields, but for those the glyph set makes."""
    return tuple(
        sorted(
            (k, repr(vars(v)) if hasattr(v, "__dict__") else repr(v))
            for k, v in vars(table).items()
            if k not in _SET_FIELDS and k != "tableTag"
        )
    )


def _merge(pdf: Pdf, group: _Group) -> Dictionary:
    """The first member's font, made the union of the group's."""
    most = max(one.glyphs for one in group.members)
    first = next(one for one in group.members if one.glyphs == most)
    data = first.font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    base = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    order = base.getGlyphOrder()
    glyf, metrics = base["glyf"], base["hmtx"].metrics
    for gid, (outline, metric) in sorted(group.held.items()):
        glyf.glyphs[order[gid]] = Glyph(outline)
        metrics[order[gid]] = metric
    for table in base["cmap"].tables:
        mapping = group.cmaps[(table.platformID, table.platEncID, table.format)]
        table.cmap = {c: order[gid] for c, gid in sorted(mapping.items())}
    os2 = base["OS/2"]
    values = [one.os2 for one in group.members]
    for i, name in enumerate(_OS2[:4]):  # the character ranges' bits
        bits = 0
        for value in values:
            bits |= value[i]
        setattr(os2, name, bits)
    os2.usFirstCharIndex = min(value[4] for value in values)
    os2.usLastCharIndex = max(value[5] for value in values)
    for tag in _LAYOUT_TABLES & set(base.keys()):
        del base[tag]
    program = io.BytesIO()
    base.save(program, reorderTables=False)

    font = group.members[0].font
    cid = font.DescendantFonts[0]
    descriptor = cid.FontDescriptor
    widths = group.widths
    w: list[Any] = []
    for gid in sorted(widths):
        if gid - 1 not in widths:
            w += [gid, Array()]
        w[-1].append(widths[gid])
    cid.W = Array(w)
    bbox: list[Any] = list(descriptor.FontBBox)
    bbox[2] = max(widths.values()) if widths else 0
    descriptor.FontBBox = Array(bbox)
    data = program.getvalue()
    descriptor.FontFile2 = pdf.make_stream(data, Length1=len(data))
    font.ToUnicode = pdf.make_stream(_cmap(group.text))
    return font


def _cmap(text: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes it."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    pairs = sorted(text.items())
    for start in range(0, len(pairs), 100):
        batch = pairs[start : start + 100]
        lines.append(b"%d beginbfchar" % len(batch))
        lines += [b"<%04x> <%s>" % (gid, chars) for gid, chars in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)
