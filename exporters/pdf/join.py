"""Join the chapters of the handout, each made ready by `prepare`, into one tagged PDF, and
stamp the page numbers on it.

pikepdf (qpdf) copies each chapter's pages, and what they and the kept structure refer to, into
the whole with references renumbered. The join takes the chapters in page order, writes what it
copied of each and lets it go once the whole is large (`writer`; a smaller one qpdf writes whole at
the end): the pages, their contents and resources wait for the end, where the stamp and the shared
fonts change them. It keeps what makes the whole a tagged PDF:
- one structure tree: the elements a chapter's `Document` element lists, in page order, get the
  whole's `Document` as parent;
- one parent tree: page *i* of the whole has `/StructParents i`, and the link annotations get
  the keys after the last page, in order, each with its `/StructParent` changed to match;
- font subset names unique in the whole: WeasyPrint makes the six capitals from the font alone,
  so two chapters' different subsets of a font would share a name; then the subsets of one font
  are merged into one where that changes nothing drawn or extracted (`fonts`), so the whole
  embeds each font about once, as WeasyPrint laying it out as one document does;
- the outline (bookmarks) and the named destinations of all chapters;
- a chapter in another language than the first (a module with its own `language:`: its
  `<html lang>`, so its catalog `/Lang`) gives that `/Lang` to its top structure elements;
- catalog entries (`/Lang`, `/MarkInfo`, `/ViewerPreferences`), the XMP metadata (PDF/UA
  identification) and the document information of the first chapter, whose `<head>` all chapters
  share.

The stamp is a PDF with one page per page of the whole, holding only the page numbers; each of
its pages is drawn over the page of the whole as a form XObject, marked as an artifact.

Long because each part of a tagged PDF listed above is joined here, a few lines each, on the
objects of one whole: apart, each would need the whole's pages and numbering handed to it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String

from coursec.collector import free_later

from .dates import redate
from .fonts import ReadAhead, share_fonts
from .objects import (
    OpenedAhead,
    PdfJoinError,
    items,
    name_tree,
    number_tree,
    open_pdf,
    structure,
    write_pdf,
)
from .prepare import PREPARED
from .writer import ObjectWriter, references

_SUBSET_TAG = re.compile(r"/([A-Z]{6})\+")
# The objects of the chapters (qpdf: about 2.7 KiB each, once copied) past which the whole is
# written as it is joined, from its first chapter on, and what it wrote let go. Below, qpdf writes
# it whole at the end, sooner: the join of an 800-module handout (245,000 objects in its chapters)
# took 4.1 s and held 790 MiB; written as it went, 5.0 s and 560 MiB (200 modules, 61,000:
# 1.07 s, 1.25 s). Past it, writing from the first chapter is leaner and faster than from the
# middle: with a knowledge check in each of 800 modules (447,000), 7.9-8.2 s and 814 MiB, against
# 8.5-8.7 s and 929 MiB once 256,000 objects were copied.
_STREAMED_FROM = 256_000


@dataclass(frozen=True, slots=True)
class Stamp:
    """Page `i` of `pdf` is drawn over page `first + i` of the whole when `stamped[i]`."""

    pdf: bytes
    stamped: Sequence[bool]
    first: int = 0


def join(
    chapters: Sequence[bytes],
    stamps: Sequence[Stamp],
    identifier: bytes,
    ahead: Sequence[bytes] = (),
    opened: OpenedAhead | None = None,
    dated: tuple[str, str] | None = None,
    pages: int | None = None,
    objects: int | None = None,
    *,
    into: BinaryIO,
) -> None:
    """Write `into` one PDF of all pages of `chapters` in order, with the page numbers of
    `stamps` (none, or one page for each page of the whole, in order) drawn over them; the first
    half of its `/ID` is `identifier`, the second a digest of its bytes. `ahead[i]`, when given,
    is what `fonts.read_ahead` made of chapter `i`; `opened` may hold the chapters and stamps
    opened.
    `dated`: the date (W3C) the first chapter was laid out with, and the whole's (`dates`).
    `pages`, `objects`: how many the chapters have, when known (else they are opened once to
    count them)."""
    take = opened.take if opened is not None else open_pdf
    if pages is None or objects is None:
        counts = [(len(pdf.pages), len(pdf.objects)) for pdf in map(open_pdf, chapters)]
        pages = sum(n for n, _ in counts) if pages is None else pages
        objects = sum(n for _, n in counts) if objects is None else objects
    whole = _Whole(pages, into, objects > _STREAMED_FROM)
    for i, data in enumerate(chapters):
        whole.add(take(data), ahead[i] if i < len(ahead) else b"")
    covered = 0
    for stamp in stamps:
        if stamp.first != covered:
            raise PdfJoinError("the stamp does not have one page per page of the handout")
        whole.stamp(take(stamp.pdf), stamp.stamped, stamp.first)
        covered += len(stamp.stamped)
    if stamps and covered != len(whole.pages):
        raise PdfJoinError("the stamp does not have one page per page of the handout")
    if len(whole.pages) != pages:
        raise PdfJoinError(f"the chapters have {len(whole.pages)} pages, not {pages}")
    whole.write(identifier, dated)
    free_later(whole)  # the objects not let go as written, freed one by one


@dataclass(frozen=True, slots=True)
class _OutlineItem:
    title: pikepdf.Object
    target: dict[Name, pikepdf.Object]  # its /Dest or /A, copied into the whole
    children: tuple[_OutlineItem, ...]
    closed: bool


@dataclass(slots=True)
class _Whole:
    """The PDF being joined: chapters are added in page order, then `write` gives the file.

    When it is `streamed` (large: `_STREAMED_FROM`), each chapter's objects are written to the
    file (`writer`) as soon as they are copied, and let go (`flush`): but for its pages, their
    contents and what their resources hold, which the stamp and the shared fonts change at the
    end, and for the copies made only to read (`held`)."""

    total: int  # the pages of the whole: its annotations' parent tree keys follow theirs
    into: BinaryIO  # the file
    streamed: bool  # written as it is joined, else by qpdf at the end
    out: Pdf = field(default_factory=pikepdf.new)
    # its pages, in order: put in its page tree by `write` (pikepdf's page list copies qpdf's
    # list of all pages for each `len`, index or append, which is quadratic over a handout)
    pages: list[pikepdf.Object] = field(default_factory=list)
    first: Pdf | None = None  # the first chapter: catalog entries and document information
    document: Dictionary | None = None  # the `Document` structure element
    kids: list[pikepdf.Object] = field(default_factory=list)  # what it lists, in page order
    page_nums: list[pikepdf.Object | int] = field(default_factory=list)  # parent tree entries
    # the parent tree entries of the link annotations, in order (their keys follow the pages')
    annotations: list[pikepdf.Object] = field(default_factory=list)
    outline: list[_OutlineItem] = field(default_factory=list)
    names: dict[str, dict[bytes, pikepdf.Object]] = field(default_factory=dict)
    sources: int = 0  # the PDFs whose fonts came in (chapters and the stamp)
    subset_tags: set[str] = field(default_factory=set)
    ahead: ReadAhead = field(default_factory=ReadAhead)  # fonts read where chapters were laid out
    writer: ObjectWriter | None = None  # the file, once the whole is large enough to write
    held: set[int] = field(default_factory=set)  # objects of the whole not written as copied
    done: bytearray = field(default_factory=bytearray)  # 1: the object is written (or never is)
    last: int = 0  # the objects numbered up to this one are written or held

    def adopt(self, source: Pdf, value: pikepdf.Object) -> pikepdf.Object:
        """`value` of `source` copied into the whole, with all it refers to."""
        if not isinstance(value, (Array, Dictionary, pikepdf.Stream)):
            return value
        if value.is_indirect:
            return self.out.copy_foreign(value)
        # qpdf copies indirect objects only: a direct one goes through an indirect holder
        holder = self.out.copy_foreign(source.make_indirect(value))
        self.held.add(holder.objgen[0])  # never written: nothing refers to it
        return holder.__copy__()

    def read_only(self, source: Pdf, value: pikepdf.Object) -> pikepdf.Object:
        """`adopt`, for a value whose entries are read and used, not the value itself."""
        copied = self.adopt(source, value)
        if copied.is_indirect:
            self.held.add(copied.objgen[0])
        return copied

    def add(self, source: Pdf, ahead: bytes = b"") -> None:
        """Append the pages of a chapter, with its structure, outline and destinations."""
        if self.first is None:
            self.first = source
            self.held.update(value.objgen[0] for value in (self.out.Root, self.out.Root.Pages))
        first_page, count = len(self.pages), len(source.pages)
        renamed = self.unique_fonts(source)
        if ahead:
            self.ahead.add(ahead, renamed)
        found = structure(source)
        if found is not None and PREPARED not in found[0]:
            raise PdfJoinError("a chapter was not made ready to join")
        kids = items(found[1].get(Name.K)) if found else []
        elements = [kid for kid in kids if isinstance(kid, Dictionary)]
        for element in elements:  # copied without it: the whole's `Document` takes its place
            del element.P
        language = source.Root.get(Name.Lang)
        if isinstance(language, String) and language != self.first.Root.get(Name.Lang):
            for element in elements:  # a chapter in another language (a module's): they say so
                element.Lang = language
        annotations: dict[int, Dictionary] = {}  # the chapter's parent tree key -> one copied
        for i, page in enumerate(source.pages):
            if Name.StructParents in page.obj:
                page.obj.StructParents = first_page + i
            copied = self.out.copy_foreign(page.obj)
            self.pages.append(copied)
            for annotation in items(copied.get(Name.Annots)):
                if isinstance(annotation, Dictionary):
                    at = annotation.get(Name.StructParent)
                    if isinstance(at, int):
                        annotations[at] = annotation
        # copied whole (its entries with it), then read
        parent_tree = self.read_only(source, found[0].ParentTree) if found else None
        for key, value in number_tree(parent_tree):
            if key < count:
                self.page_nums += [first_page + key, value]
            else:
                link = annotations.get(key)
                if link is not None:
                    link.StructParent = self.total + len(self.annotations)
                self.annotations.append(value)
        if found is not None:
            if self.document is None:
                self.document = self.out.make_indirect(
                    Dictionary(Type=Name.StructElem, S=Name.Document)
                )
                self.held.add(self.document.objgen[0])
            adopted = [self.adopt(source, kid) for kid in kids]
            for kid in adopted:
                if isinstance(kid, Dictionary):
                    kid.P = self.document
            self.kids += adopted
        outlines = source.Root.get(Name.Outlines)
        if isinstance(outlines, Dictionary):
            self.outline += self.read_outline(source, outlines.get(Name.First))
        names = source.Root.get(Name.Names)
        for tree, value in names.items() if isinstance(names, Dictionary) else ():
            known = self.names.setdefault(tree, {})
            for name, target in name_tree(self.read_only(source, value)):
                known.setdefault(name, target)
        self.flush(first_page)

    def number(self) -> int:
        """A new object number (its object, an empty placeholder, is never written)."""
        number = int(self.out.make_indirect(Array()).objgen[0])
        self.mark(number)
        return number

    def mark(self, number: int) -> None:
        """Mark the object `number` as written (or never to be)."""
        if len(self.done) <= number:
            self.done.extend(bytes(number + 1 - len(self.done)))
        self.done[number] = 1

    def written(self, number: int) -> bool:
        """Whether the object `number` is written (or never is)."""
        return number < len(self.done) and self.done[number] == 1

    def flush(self, first_page: int) -> None:
        """When the whole is streamed, write the objects copied since the last flush and let
        them go, but for the pages from `first_page` on, their contents and what their resources
        hold, and what is `held`."""
        if not self.streamed or self.first is None:
            return
        writer = self.writer
        if writer is None:
            writer = self.writer = ObjectWriter(self.first.pdf_version, self.number, self.into)
        for page in self.pages[first_page:]:
            self.held.add(page.objgen[0])
            for key in (Name.Resources, Name.Contents):  # the stamp adds to both
                value = page.get(key)
                if isinstance(value, pikepdf.Object):
                    self.hold(value.unparse())
        end = self.number()
        get, replace, held, done = (
            self.out.get_object,
            self.out._replace_object,
            self.held,
            self.done,
        )
        for number in range(self.last + 1, end):
            if number not in held and not done[number]:
                writer.write(number, get(number, 0))
                done[number] = 1
                replace((number, 0), Array())  # what it held is freed
        self.last = end

    def hold(self, written: bytes) -> None:
        """Hold the objects `written` (a value as `unparse` writes it) refers to, and what they
        refer to, until the end."""
        todo = list(references(written))
        get, held = self.out.get_object, self.held
        while todo:
            number = todo.pop()
            if number not in held:
                held.add(number)
                value = get(number, 0)
                if isinstance(value, pikepdf.Stream):
                    value = value.stream_dict
                todo += references(value.unparse(resolved=True))

    def unique_fonts(self, source: Pdf) -> dict[str, str]:
        """Each font subset's tag made from its own and its source's, and unique in the whole;
        returns the fonts' names as they were -> as they are."""
        mine: dict[str, str] = {}  # WeasyPrint's tag -> the whole's
        renamed: dict[str, str] = {}
        index, self.sources = self.sources, self.sources + 1

        def retag(owner: Dictionary, key: Name) -> None:
            found = _SUBSET_TAG.match(str(owner.get(key, "")))
            if found is None:
                return
            if found[1] not in mine:
                digest = f"{index}:{found[1]}".encode()
                tag = ""
                while not tag or tag in self.subset_tags:
                    digest = hashlib.sha256(digest).digest()
                    tag = "".join(chr(65 + b % 26) for b in digest[:6])
                self.subset_tags.add(tag)
                mine[found[1]] = tag
            name = Name(f"/{mine[found[1]]}+{str(owner[key])[found.end() :]}")
            if key == Name.BaseFont:
                renamed[str(owner[key])] = str(name)
            owner[key] = name

        seen: set[tuple[int, int]] = set()
        for page in source.pages:
            for font in _fonts(page.obj.get(Name.Resources), seen):
                retag(font, Name.BaseFont)
                descriptor = font.get(Name.FontDescriptor)
                if isinstance(descriptor, Dictionary) and _once(descriptor, seen):
                    retag(descriptor, Name.FontName)
        return renamed

    def read_outline(self, source: Pdf, first: object) -> list[_OutlineItem]:
        """The outline items from `first` on, their destinations copied into the whole."""
        found: list[_OutlineItem] = []
        while isinstance(first, Dictionary):
            count = first.get(Name.Count)
            target = {k: self.adopt(source, first[k]) for k in (Name.Dest, Name.A) if k in first}
            found.append(
                _OutlineItem(
                    first.Title,
                    target,
                    tuple(self.read_outline(source, first.get(Name.First))),
                    isinstance(count, int) and count < 0,
                )
            )
            first = first.get(Name.Next)
        return found

    def stamp(self, source: Pdf, stamped: Sequence[bool], first: int) -> None:
        """Draw page `i` of `source` over page `first + i` of the whole when `stamped[i]`, as an
        artifact."""
        pages = len(source.pages)
        if len(stamped) != pages or first + pages > len(self.pages):
            raise PdfJoinError("the stamp does not have one page per page of the handout")
        self.unique_fonts(source)
        begin, end = self.out.make_stream(b"q"), self.out.make_stream(b"Q")
        for i, page in enumerate(source.pages):
            if not stamped[i]:
                continue
            form = self.out.copy_foreign(page.as_form_xobject(handle_transformations=False))
            target = pikepdf.Page(self.pages[first + i])
            name = Name(f"/CsStamp{first + i}")
            resources = target.obj.Resources
            if Name.XObject not in resources:
                resources.XObject = Dictionary()
            resources.XObject[name] = form
            draw = self.out.make_stream(b"/Artifact BMC q %s Do Q EMC" % bytes(name))
            target.contents_add(begin, prepend=True)
            target.contents_add(end)
            target.contents_add(draw)

    def write(self, identifier: bytes, dated: tuple[str, str] | None = None) -> None:
        """Write the whole into its file."""
        out, first = self.out, self.first
        if first is None:
            raise PdfJoinError("no chapter to join")
        catalog = out.Root
        page_tree = catalog.Pages
        for page in self.pages:
            page.Parent = page_tree
        page_tree.Kids, page_tree.Count = Array(self.pages), len(self.pages)
        share_fonts(out, self.ahead)
        if self.outline:
            outlines = out.make_indirect(Dictionary())
            refs, visible = self.write_outline(self.outline, outlines)
            outlines.Count, outlines.First, outlines.Last = visible, refs[0], refs[-1]
            catalog.Outlines = outlines
        if self.names:
            # each tree an object of its own: inside the catalog, which readers fetch again and
            # again (poppler: 13 times for 10 pages), the destinations of an 800-module handout
            # made it 2.5 MB long, parsed each time
            catalog.Names = Dictionary(
                {
                    tree: out.make_indirect(
                        Dictionary(
                            Names=Array([x for k in sorted(known) for x in (String(k), known[k])])
                        )
                    )
                    for tree, known in self.names.items()
                }
            )
        if self.document is not None:
            total = len(self.pages)
            nums = list(self.page_nums)
            for i, value in enumerate(self.annotations):
                nums += [total + i, value]
            tree = out.make_indirect(
                Dictionary(
                    Type=Name.StructTreeRoot,
                    ParentTree=out.make_indirect(Dictionary(Nums=Array(nums))),
                    K=Array([self.document]),
                    ParentTreeNextKey=total + len(self.annotations),
                )
            )
            self.document.K = Array(self.kids)
            self.document.P = tree
            catalog.StructTreeRoot = tree
        for key in (Name.ViewerPreferences, Name.MarkInfo, Name.Lang, Name.Metadata):
            if key in first.Root:
                catalog[key] = self.adopt(first, first.Root[key])
        if Name.Info in first.trailer:
            out.trailer.Info = self.adopt(first, first.trailer.Info)
        if dated is not None:
            redate(out, *dated)
        if self.writer is None:  # never large: qpdf writes it whole
            out.trailer.ID = Array([String(identifier), String(identifier)])
            write_pdf(out, first.pdf_version, self.into)
        else:
            self.write_rest(self.writer, identifier)

    def write_rest(self, writer: ObjectWriter, identifier: bytes) -> None:
        """End the file, once what the end made or changed, and all it refers to, is written."""
        out = self.out
        catalog = out.Root
        tree = catalog.get(Name.StructTreeRoot)
        if isinstance(tree, Dictionary) and self.document is not None:
            for value in (tree.ParentTree, self.document):  # what they list is written
                writer.write(value.objgen[0], value)
                self.mark(value.objgen[0])
        info = out.trailer.get(Name.Info)
        info = info if isinstance(info, Dictionary) and info.is_indirect else None
        # Depth first, as qpdf orders what it packs into object streams, so that what a page
        # needs lies in few object streams (and long objects in their own: `writer._ALONE`).
        # poppler read 100 pages of an 800-module handout with knowledge checks written breadth
        # first, long objects packed, in 11.3-11.6 s (pdftotext); depth first with long objects
        # apart, 0.3 s at its start and 3.5 s at its end; with the destinations out of the
        # catalog too (`write`), 0.3-0.5 s throughout, as from qpdf holding it whole.
        todo = [catalog] if info is None else [info, catalog]
        while todo:
            value = todo.pop()
            number = value.objgen[0]
            if self.written(number):
                continue
            self.mark(number)
            found = list(references(writer.write(number, value)))
            todo += (out.get_object(n, 0) for n in reversed(found) if not self.written(n))
        numbers = catalog.objgen[0], None if info is None else info.objgen[0]
        writer.finish(self.number(), *numbers, identifier)

    def write_outline(
        self, entries: Sequence[_OutlineItem], parent: Dictionary
    ) -> tuple[list[Dictionary], int]:
        """Outline items as WeasyPrint writes them; their references and visible count."""
        refs = [self.out.make_indirect(Dictionary()) for _ in entries]
        visible = len(entries)
        for i, item in enumerate(entries):
            entry = refs[i]
            entry.Title, entry.Parent = item.title, parent
            for key, value in item.target.items():
                entry[key] = value
            kids, count = self.write_outline(item.children, entry)
            entry.Count = -count if item.closed else count
            if not item.closed:
                visible += count
            if i:
                entry.Prev = refs[i - 1]
            if i + 1 < len(entries):
                entry.Next = refs[i + 1]
            if kids:
                entry.First, entry.Last = kids[0], kids[-1]
        return refs, visible


def _once(value: Dictionary, seen: set[tuple[int, int]]) -> bool:
    """Whether `value` is met for the first time (a direct one always is: it is held once)."""
    if not value.is_indirect:
        return True
    if value.objgen in seen:
        return False
    seen.add(value.objgen)
    return True


def _fonts(resources: object, seen: set[tuple[int, int]]) -> Iterator[Dictionary]:
    """Each font and descendant font of resources and of the forms they draw, once."""
    if not isinstance(resources, Dictionary) or not _once(resources, seen):
        return
    fonts = resources.get(Name.Font)
    for font in fonts.values() if isinstance(fonts, Dictionary) else ():
        descendants = items(font.get(Name.DescendantFonts)) if isinstance(font, Dictionary) else []
        for one in [font, *descendants]:
            if isinstance(one, Dictionary) and Name.BaseFont in one and _once(one, seen):
                yield one
    xobjects = resources.get(Name.XObject)
    for xobject in xobjects.values() if isinstance(xobjects, Dictionary) else ():
        if isinstance(xobject, pikepdf.Stream) and xobject.get(Name.Subtype) == Name.Form:
            yield from _fonts(xobject.get(Name.Resources), seen)
