"""Preparing chapters and joining them into one tagged PDF, on small chapters made here with pikepdf
in the shape WeasyPrint writes (no layout: these tests take well under a second).

Each chapter is a tagged PDF: a `Document` element listing one `P` element per page (marked
content 0), a margin-box element it does not list (marked content 1 on the first page), a link
on the first page, a table whose header cell has an id made from an object number, a font
subset, bookmarks and named destinations. What is joined is read back with pypdf.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from coursec import collector
from coursec.exporters.pdf import fonts
from coursec.exporters.pdf import join as join_module
from coursec.exporters.pdf.join import PdfJoinError, Stamp
from coursec.exporters.pdf.prepare import LINK_ORIGIN, prepare
from coursec.exporters.pdf.writer import ObjectWriter, references
from support.pdf import join_bytes, outline

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="r"?>'
)


IDENTIFIER = b"0123456789abcdef0123456789abcdef"


def chapter(name: str, pages: int, link_to: str = "", lang: str = "en") -> bytes:
    """A tagged chapter of `pages` pages, each `100 + i` points wide (to tell them apart)."""
    pdf = pikepdf.new()
    tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=tree, K=Array())
    )
    tree.K = Array([document])
    font = pdf.make_indirect(Dictionary(Type=Name.Font, BaseFont=Name("/ABCDEF+Serif")))
    resources = pdf.make_indirect(Dictionary(Font=Dictionary(F1=font)))
    names, nums, outline_items = [], [], []
    for i in range(pages):
        content = b"/P <</MCID 0>> BDC EMC" + (b" /Span <</MCID 1>> BDC EMC" if i == 0 else b"")
        page = pdf.make_indirect(
            Dictionary(
                Type=Name.Page,
                MediaBox=Array([0, 0, 100 + i, 100]),
                Resources=resources,
                Contents=pdf.make_stream(content),
                StructParents=i,
            )
        )
        pdf.pages.append(pikepdf.Page(page))
        page = pdf.pages[i].obj
        paragraph = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.P, P=document, Pg=page, K=Array([0]))
        )
        document.K.append(paragraph)
        marked = [paragraph]
        if i == 0:  # a margin box: under the document, which does not list it
            box = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.NonStruct, P=document))
            span = pdf.make_indirect(
                Dictionary(Type=Name.StructElem, S=Name.Span, P=box, Pg=page, K=Array([1]))
            )
            box.K = Array([span])
            marked.append(span)
        nums += [i, Array(marked)]
        names += [String(f"{name}-{i}"), Array([page, Name.XYZ, 0, 100, 0])]
        outline_items.append(pdf.make_indirect(Dictionary(Title=String(f"{name} page {i + 1}"))))
        outline_items[-1].Dest = Array([page, Name.XYZ, 0, 100, 0])
    first = pdf.pages[0].obj
    target = f"{LINK_ORIGIN}#{link_to}" if link_to else "https://example.org/"
    annotation = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Link,
            Rect=Array([0, 0, 10, 10]),
            A=Dictionary(S=Name.URI, URI=String(target)),
            Contents=String(target),
            StructParent=pages,
        )
    )
    first.Annots = Array([annotation])
    objr = pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=annotation, Pg=first))
    link = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Link, P=document, Pg=first, K=Array([objr]))
    )
    table = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Table, P=document, Pg=first))
    header = String(f"{table.objgen[0]}-0-0")  # as WeasyPrint names a header cell
    head = Dictionary(Type=Name.StructElem, S=Name.TH, P=table, Pg=first, ID=header)
    cell = Dictionary(Type=Name.StructElem, S=Name.TD, P=table, Pg=first)
    cell.A = Dictionary(O=Name.Table, Headers=Array([header]))
    table.K = Array([pdf.make_indirect(head), pdf.make_indirect(cell)])
    document.K.extend([link, table])
    nums += [pages, link]
    tree.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    for previous, item in itertools.pairwise(outline_items):
        previous.Next, item.Prev = item, previous
    root = pdf.make_indirect(Dictionary(First=outline_items[0], Last=outline_items[-1]))
    for item in outline_items:
        item.Parent = root
    root.Count = len(outline_items)
    pdf.Root.Outlines = root
    pdf.Root.Names = Dictionary(Dests=Dictionary(Names=Array(names)))
    pdf.Root.StructTreeRoot = tree
    pdf.Root.Lang = String(lang)
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    pdf.Root.Metadata = pdf.make_stream(XMP, Type=Name.Metadata, Subtype=Name.XML)
    pdf.trailer.Info = pdf.make_indirect(Dictionary(Title=String(f"Handout {lang}")))
    buffer = io.BytesIO()
    pdf.save(
        buffer,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        fix_metadata_version=False,
        static_id=True,
    )
    return buffer.getvalue()


def stamp(pages: int, first: int = 0) -> bytes:
    """Empty pages named like a handout's, from its page `first`: the page numbers' marks."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, BaseFont=Name("/ABCDEF+Serif")))
    for i in range(pages):
        pdf.add_blank_page(page_size=(100 + i, 100))
        pdf.pages[i].obj.Resources = Dictionary(Font=Dictionary(F1=font))
        pdf.pages[i].obj.Contents = pdf.make_stream(b"BT /F1 8 Tf (%d) Tj ET" % (first + i + 1))
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


@pytest.fixture(scope="module", params=["whole", "streamed"])
def joined_data(request: pytest.FixtureRequest) -> bytes:
    """The chapters joined as a small handout is (qpdf writes the whole), and as a large one is
    (written as it is joined)."""
    chapters = [
        prepare(chapter("a", 2), "a" * 64),
        prepare(chapter("b", 1, link_to="a-1", lang="de"), "b" * 64),
    ]
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "streamed":
            patch.setattr(join_module, "_STREAMED_FROM", 0)
        return join_bytes(chapters, [Stamp(stamp(3), [False, True, True])], IDENTIFIER)


@pytest.fixture(scope="module")
def joined(joined_data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(joined_data))


def elements(reader: PdfReader) -> list[Any]:
    """The `Document` element's kids."""
    [document] = reader.trailer["/Root"]["/StructTreeRoot"]["/K"]
    return [kid.get_object() for kid in document.get_object()["/K"]]


def test_pages_come_in_order_with_their_parent_tree_keys(joined: PdfReader) -> None:
    assert [float(p.mediabox.width) for p in joined.pages] == [100, 101, 100]
    assert [p["/StructParents"] for p in joined.pages] == [0, 1, 2]
    tree = joined.trailer["/Root"]["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    assert list(nums[0::2]) == [0, 1, 2, 3, 4] and tree["/ParentTreeNextKey"] == 5
    # each page's marked content maps to the P element of that page; the margin box's is an
    # artifact (below), in no element
    for i, page in enumerate(joined.pages):
        marked = nums[2 * i + 1]
        assert (
            marked[0]["/S"] == "/P"
            and marked[0]["/Pg"].indirect_reference == page.indirect_reference
        )
    held = [
        [m.get_object() if isinstance(m, IndirectObject) else m for m in nums[k]] for k in (1, 3, 5)
    ]
    marks = [[m["/S"] if isinstance(m, dict) else None for m in ms] for ms in held]
    assert marks == [["/P", None], ["/P"], ["/P", None]]
    # the link annotations get the keys after the last page, in order, mapped to their Link
    links = [p["/Annots"][0] for p in (joined.pages[0], joined.pages[2])]
    assert [a.get_object()["/StructParent"] for a in links] == [3, 4]
    for key, annotation in zip((3, 4), links, strict=True):
        [objr] = nums[2 * key + 1]["/K"]
        assert objr.raw_get("/Obj").idnum == annotation.idnum


def test_one_document_element_holds_every_part(joined: PdfReader, joined_data: bytes) -> None:
    tree = joined.trailer["/Root"]["/StructTreeRoot"]
    [document] = tree["/K"]
    assert (
        document["/S"] == "/Document"
        and document["/P"].indirect_reference == tree.indirect_reference
    )
    kids = elements(joined)
    assert [k["/S"] for k in kids] == ["/P", "/P", "/Link", "/Table", "/P", "/Link", "/Table"]
    assert all(k.raw_get("/P").idnum == document.idnum for k in kids)
    # what the margin boxes draw (their elements listed nowhere) is a pagination artifact, in
    # the page's content where WeasyPrint marked it, and no element of theirs is left
    drawn = [page.get_contents().get_data() for page in joined.pages]
    assert [re.findall(rb"/(\w+)\s*<<([^>]*)>>\s*BDC", d) for d in drawn] == [
        [(b"P", b"/MCID 0"), (b"Artifact", b"/Type /Pagination")],
        [(b"P", b"/MCID 0")],
        [(b"P", b"/MCID 0"), (b"Artifact", b"/Type /Pagination")],
    ]
    assert not any(
        isinstance(o, Dictionary) and o.get(Name.S) in (Name.NonStruct, Name.Span)
        for o in pikepdf.open(io.BytesIO(joined_data)).objects
    )


def test_ids_fonts_and_destinations_are_unique_in_the_whole(joined: PdfReader) -> None:
    tables = [k for k in elements(joined) if k["/S"] == "/Table"]
    heads = [t["/K"][0].get_object() for t in tables]
    cells = [t["/K"][1].get_object() for t in tables]
    ids = [str(h["/ID"]) for h in heads]
    assert len(set(ids)) == 2 and ids[0].startswith("aaaaaaaaaaaa-")
    assert [[str(h) for h in c["/A"]["/Headers"]] for c in cells] == [[i] for i in ids]
    fonts = {str(p["/Resources"]["/Font"]["/F1"]["/BaseFont"]) for p in joined.pages}
    assert len(fonts) == 2 and all(f.endswith("+Serif") and "ABCDEF" not in f for f in fonts)
    assert set(joined.named_destinations) == {"a-0", "a-1", "b-0"}


def test_a_link_to_another_part_leads_to_its_destination(joined: PdfReader) -> None:
    annotation = joined.pages[2]["/Annots"][0].get_object()
    assert "/A" not in annotation and annotation["/Dest"] == "a-1" == annotation["/Contents"]
    page = joined.get_destination_page_number(joined.named_destinations["a-1"])
    assert page == 1
    assert joined.pages[0]["/Annots"][0]["/A"]["/URI"] == "https://example.org/"


def test_bookmarks_and_catalog(joined: PdfReader) -> None:
    assert outline(joined) == [(0, "a page 1", 1), (0, "a page 2", 2), (0, "b page 1", 3)]
    root = joined.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]  # the first chapter's
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert root["/Metadata"].get_data() == XMP
    assert joined.metadata is not None and joined.metadata.title == "Handout en"
    assert "/CsUnlisted" not in root["/StructTreeRoot"]


def test_page_numbers_are_drawn_over_the_pages_as_artifacts(joined: PdfReader) -> None:
    drawn = []
    for page in joined.pages:
        contents = page.get_contents()
        assert contents is not None
        data = contents.get_data().rstrip()
        drawn.append(data.endswith(b"EMC") and b"/Artifact BMC q /CsStamp" in data)
        if drawn[-1]:
            assert data.startswith(b"q") and b"/P <</MCID 0>> BDC EMC" in data
    assert drawn == [False, True, True]  # no number on the first page (the cover)
    forms = joined.pages[1]["/Resources"]["/XObject"]
    assert forms["/CsStamp1"]["/Subtype"] == "/Form"
    assert b"(2) Tj" in forms["/CsStamp1"].get_data()


def test_a_stamp_in_chunks_draws_each_chunk_over_its_own_pages() -> None:
    chapters = [prepare(chapter("a", 2), "a" * 64), prepare(chapter("b", 1), "b" * 64)]
    chunks = [Stamp(stamp(2), [False, True]), Stamp(stamp(1, first=2), [True], first=2)]
    reader = PdfReader(io.BytesIO(join_bytes(chapters, chunks, IDENTIFIER)))
    drawn = [re.findall(rb"/CsStamp\d+", p.get_contents().get_data()) for p in reader.pages]
    assert drawn == [[], [b"/CsStamp1"], [b"/CsStamp2"]]
    forms = [page["/Resources"]["/XObject"] for page in reader.pages[1:]]
    assert b"(2) Tj" in forms[0]["/CsStamp1"].get_data()
    assert b"(3) Tj" in forms[1]["/CsStamp2"].get_data()
    # a page left out, stamped twice, or past the end
    for wrong in ([chunks[1]], [chunks[0]], [chunks[0], chunks[0]], [*chunks, chunks[1]]):
        with pytest.raises(PdfJoinError, match="one page per page"):
            join_bytes(chapters, wrong, IDENTIFIER)


def test_the_same_parts_give_the_same_bytes() -> None:
    chapters = [prepare(chapter("a", 2), "a" * 64), prepare(chapter("b", 1), "b" * 64)]
    assert prepare(chapter("a", 2), "a" * 64) == chapters[0]
    one = join_bytes(chapters, [Stamp(stamp(3), [True] * 3)], IDENTIFIER)
    assert one == join_bytes(chapters, [Stamp(stamp(3), [True] * 3)], IDENTIFIER)
    assert PdfReader(io.BytesIO(one)).trailer["/ID"][0] == IDENTIFIER.decode()


def test_in_a_process_that_defers_frees_the_whole_is_kept_and_the_file_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`coursec` ends with `os._exit`: the joined whole, the largest structure a build makes, is
    handed to the collector instead of freed, with no effect on the file."""
    chapters = [prepare(chapter("a", 2), "a" * 64), prepare(chapter("b", 1), "b" * 64)]
    stamps = [Stamp(stamp(3), [True] * 3)]
    freed_at_once = join_bytes(chapters, stamps, IDENTIFIER)
    monkeypatch.setattr(collector, "_deferred", None)
    collector.defer_frees()
    kept = join_bytes(chapters, stamps, IDENTIFIER)
    assert kept == freed_at_once
    [whole] = collector._deferred or []
    assert len(whole.pages) == 3  # what the file was written from
    collector.free_deferred()
    assert collector._deferred == []


@pytest.mark.parametrize("objects", [100, 101])
def test_the_whole_is_written_as_it_is_joined_only_when_its_chapters_hold_many_objects(
    monkeypatch: pytest.MonkeyPatch, objects: int
) -> None:
    """Decided before the first chapter, from how many objects the chapters hold (as their
    layouts say): past `_STREAMED_FROM`, from the first chapter on; else qpdf at the end."""
    chapters = [prepare(chapter(name, 2), name * 64) for name in "ab"]
    monkeypatch.setattr(join_module, "_STREAMED_FROM", 100)
    monkeypatch.setattr(collector, "_deferred", None)
    collector.defer_frees()
    join_bytes(chapters, [], IDENTIFIER, objects=objects)
    [whole] = collector._deferred or []
    assert (whole.writer is not None) is (objects > 100)
    collector.free_deferred()


def test_the_catalog_holds_the_destinations_by_reference(joined_data: bytes) -> None:
    """Readers fetch the catalog again and again (poppler: 13 times for 10 pages of a long
    handout): the named destinations, thousands in a long handout, are an object of their own."""
    pdf = pikepdf.Pdf.open(io.BytesIO(joined_data))
    dests = pdf.Root.Names.Dests
    assert dests.is_indirect
    assert [str(name) for name in dests.Names[0::2]] == ["a-0", "a-1", "b-0"]
    assert b"a-0" not in pdf.Root.unparse(resolved=True)


def test_a_long_object_is_packed_in_an_object_stream_of_its_own() -> None:
    """A reader parses a whole object stream to take one object from it: a long object (a
    parent tree, a page tree) is not packed with the many short ones a page needs."""
    source = pikepdf.new()
    long = Array(list(range(2000)))
    values = [Dictionary(N=n) for n in range(3)] + [long]
    into = io.BytesIO()
    writer = ObjectWriter("1.7", itertools.count(1).__next__, into)
    for number, value in enumerate(values, start=10):
        writer.write(number, source.make_indirect(value))
    pages = Dictionary(Type=Name.Pages, Kids=Array(), Count=0)
    root = source.make_indirect(Dictionary(Type=Name.Catalog, Pages=pages))
    writer.write(14, root)
    writer.finish(15, 14, None, IDENTIFIER)
    reader = PdfReader(io.BytesIO(into.getvalue()))
    packed = reader.xref_objStm
    assert packed[10][0] == packed[11][0] == packed[12][0] == packed[14][0] != packed[13][0]
    assert [n for n, (stream, _) in packed.items() if stream == packed[13][0]] == [13]
    back = pikepdf.Pdf.open(io.BytesIO(into.getvalue()))
    assert list(back.get_object(13, 0)) == list(range(2000))
    assert back.get_object(11, 0).N == 1


def test_what_a_whole_written_as_it_is_joined_holds_to_the_end_is_written_page_by_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Depth first, as qpdf orders it: each page, then what it needs (its contents), then the
    next page; not every page, then every page's contents."""
    written: list[int] = []
    real = ObjectWriter.write

    def write(self: ObjectWriter, number: int, value: pikepdf.Object) -> bytes:
        written.append(number)
        return real(self, number, value)

    monkeypatch.setattr(ObjectWriter, "write", write)
    monkeypatch.setattr(join_module, "_STREAMED_FROM", 0)
    monkeypatch.setattr(collector, "_deferred", None)
    collector.defer_frees()
    chapters = [prepare(chapter(name, 2), name * 64) for name in "ab"]
    join_bytes(chapters, [Stamp(stamp(4), [True] * 4)], IDENTIFIER)
    [whole] = collector._deferred or []
    order = {number: i for i, number in enumerate(written)}
    pages = [order[page.objgen[0]] for page in whole.pages]
    parts = [[part.objgen[0] for part in page.Contents] for page in whole.pages]
    shared = {n for a, b in itertools.combinations(parts, 2) for n in set(a) & set(b)}
    contents = [[order[n] for n in own if n not in shared] for own in parts]  # its own
    assert pages == sorted(pages)
    for i, parts in enumerate(contents):
        following = pages[i + 1] if i + 1 < len(pages) else len(written)
        assert parts and all(pages[i] < at < following for at in parts), (pages, contents)
    collector.free_deferred()


def test_a_large_whole_lets_go_of_what_it_wrote_and_writes_the_same_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A whole written as it is joined lets go of what it wrote: an 800-module handout with
    knowledge checks held 1 GiB in its join. The pages, their contents and resources wait for
    the stamp and the shared fonts. The chapters' objects, when not given, are counted."""
    chapters = [prepare(chapter(name, 2), name * 64) for name in "abc"]
    stamps = [Stamp(stamp(6), [True] * 6)]
    kept = join_bytes(chapters, stamps, IDENTIFIER)
    objects = sum(len(pikepdf.Pdf.open(io.BytesIO(data)).objects) for data in chapters)
    monkeypatch.setattr(join_module, "_STREAMED_FROM", objects - 1)
    monkeypatch.setattr(collector, "_deferred", None)
    collector.defer_frees()
    let_go = join_bytes(chapters, stamps, IDENTIFIER)
    readers = [PdfReader(io.BytesIO(data)) for data in (kept, let_go)]
    texts = [[page.extract_text() for page in reader.pages] for reader in readers]
    assert texts[0] == texts[1] and outline(readers[0]) == outline(readers[1])
    assert [[e["/S"] for e in elements(r)] for r in readers] == [
        ["/P", "/P", "/Link", "/Table"] * 3
    ] * 2
    [whole] = collector._deferred or []
    assert whole.writer is not None
    types = [value.get(Name.Type) for value in whole.out.objects if isinstance(value, Dictionary)]
    assert types.count(Name.StructElem) == 1  # let go, but for the whole's `Document`
    assert whole.document is not None and Name.Document == whole.document.S
    pages = {page.objgen[0] for page in whole.pages}
    assert pages <= whole.held and all(Name.MediaBox in page for page in whole.pages)
    back = pikepdf.Pdf.open(io.BytesIO(let_go))
    assert back.check_pdf_syntax() == []
    assert [p.MediaBox[2] for p in back.pages] == [100, 101] * 3
    collector.free_deferred()


def test_the_file_holds_each_object_the_whole_refers_to_once_and_nothing_else(
    joined_data: bytes,
) -> None:
    """What the join copies only to read (a chapter's parent tree, its destinations' holders)
    and the fonts the shared ones replace are not written."""
    pdf = pikepdf.Pdf.open(io.BytesIO(joined_data))
    listed = {
        value.objgen
        for value in pdf.objects
        if value.get(Name.Type) not in (Name.ObjStm, Name.XRef)
    }
    reached: set[tuple[int, int]] = set()
    todo: list[Any] = [pdf.trailer]
    while todo:
        value = todo.pop()
        kids = value.stream_dict.values() if isinstance(value, pikepdf.Stream) else None
        if kids is None:
            kids = value.values() if isinstance(value, Dictionary) else value
        for kid in kids:
            if not isinstance(kid, (Dictionary, Array, pikepdf.Stream)):
                continue
            if kid.is_indirect:
                if kid.objgen in reached:
                    continue
                reached.add(kid.objgen)
            todo.append(kid)
    assert listed == reached
    assert len({font.BaseFont for font in pdf.pages[0].Resources.Font.values()}) == 1


def test_references_are_read_past_the_strings_that_look_like_them() -> None:
    written = Dictionary(
        A=Array([5, 0, Name.R]),
        T=String("see (12 0 R) or \\) 13 0 R"),
        U=String(b"\x00 14 0 R"),
        N=Name("/X#20 15 0 R"),
    ).unparse()
    pdf = pikepdf.new()
    target = pdf.make_indirect(Dictionary())
    holder = Dictionary(D=target, T=String("16 0 R"))
    assert list(references(written)) == []
    assert list(references(holder.unparse())) == [target.objgen[0]]


def test_a_joined_pdf_may_hold_more_objects_than_two_bytes_can_number() -> None:
    """A 200-module handout's structure tree alone holds over 100,000 objects."""
    pdf = pikepdf.Pdf.open(io.BytesIO(chapter("big", 1)))
    document, page = pdf.Root.StructTreeRoot.K[0], pdf.pages[0].obj
    section = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Sect, P=document))
    section.K = Array(
        pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Span, P=section, Pg=page))
        for _ in range(34_000)
    )
    document.K.append(section)
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    data = prepare(buffer.getvalue(), "c" * 64)
    back = pikepdf.Pdf.open(io.BytesIO(join_bytes([data, data], [], IDENTIFIER)))
    assert len(back.objects) > 68_000
    whole = back.Root.StructTreeRoot.K[0]
    sections = [kid for kid in whole.K if Name.Sect == kid.S]
    assert len(sections) == 2 and sections[0].objgen != sections[1].objgen
    assert all(len(s.K) == 34_000 and s.P.objgen == whole.objgen for s in sections)
    assert sections[1].K[-1].P.objgen == sections[1].objgen


def test_bare_spans_groups_and_links_in_links_give_their_kids_to_their_parent() -> None:
    """On the same page; a link's text, page number and leader are links in the link."""
    pdf = pikepdf.new()
    tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree))
    tree.K = Array([document])
    pages = []
    for i in range(2):
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 100, 100]), StructParents=i)
        pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
        pages.append(pdf.pages[i].obj)
    first, second = pages

    def element(kind: Name, parent: Dictionary, page: Dictionary, **more: Any) -> Dictionary:
        made = Dictionary(Type=Name.StructElem, S=kind, P=parent, Pg=page, **more)
        return pdf.make_indirect(made)

    paragraph = element(Name.P, document, first)
    document.K = Array([paragraph])
    plain = element(Name.Span, paragraph, first, K=Array([0]))
    outer = element(Name.NonStruct, paragraph, first)  # a group: its kids are the paragraph's
    inner = element(Name.Span, outer, first, K=Array([2]))
    outer.K = Array([1, inner])
    german = element(Name.Span, paragraph, first, K=Array([3]), Lang=String("de"))
    note = element(Name.Note, outer, first, K=Array([4]))
    outer.K.append(note)
    over = element(Name.Span, paragraph, second, K=Array([0]))  # the paragraph's next page
    paragraph.K = Array([plain, outer, german, over])
    annotation = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, StructParent=2))
    first.Annots = Array([annotation])
    reference = pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=annotation, Pg=first))
    link = element(Name.Link, document, first)
    inner_link = element(Name.Link, link, first, K=Array([5]))
    link.K = Array([reference, inner_link])
    document.K.append(link)
    marked = Array([plain, outer, inner, german, note, inner_link])
    parent_tree = [0, marked, 1, Array([over]), 2, link]
    tree.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(parent_tree)))
    pdf.Root.StructTreeRoot = tree
    buffer = io.BytesIO()
    pdf.save(buffer)

    prepared = pikepdf.Pdf.open(io.BytesIO(prepare(buffer.getvalue(), "d" * 64)))

    [paragraph, link] = prepared.Root.StructTreeRoot.K[0].K
    kids = list(paragraph.K)
    assert kids[:3] == [0, 1, 2]
    assert [k.S for k in kids[3:]] == [Name.Note, Name.Span, Name.Span]
    assert kids[3].P.objgen == paragraph.objgen and list(kids[3].K) == [4]
    assert kids[4].Lang == "de" and list(kids[5].K) == [0]  # with an attribute; another page
    nums = prepared.Root.StructTreeRoot.ParentTree.Nums
    assert [e.objgen for e in nums[1]] == [paragraph.objgen] * 3 + [
        kids[4].objgen,
        kids[3].objgen,
        link.objgen,
    ]
    assert [e.objgen for e in nums[3]] == [kids[5].objgen]
    # the link's object reference is written in it, not as an object of its own
    page = prepared.pages[0].obj
    [held, text] = link.K
    assert not held.is_indirect and held.Type == Name.OBJR and text == 5
    assert held.Pg.objgen == page.objgen and held.Obj.objgen == page.Annots[0].objgen
    assert nums[5].objgen == link.objgen
    kinds = [o.get(Name.Type) for o in prepared.objects if isinstance(o, Dictionary)]
    assert Name.OBJR not in kinds
    links = [
        o for o in prepared.objects if isinstance(o, Dictionary) and o.get(Name.S) == Name.Link
    ]
    assert len(links) == 1


def test_a_margin_box_holding_a_link_stays_content_listed_in_the_document() -> None:
    pdf = pikepdf.new()
    tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree))
    tree.K = Array([document])
    content = b"/P <</MCID 0>> BDC EMC /Link <</MCID 1>> BDC EMC /Span <</MCID 2>> BDC EMC"
    page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 100, 100]), StructParents=0)
    page.Contents = pdf.make_stream(content)
    pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
    page = pdf.pages[0].obj
    annotation = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, StructParent=1))
    page.Annots = Array([annotation])

    def element(kind: Name, parent: Dictionary, kids: list[Any]) -> Dictionary:
        made = Dictionary(Type=Name.StructElem, S=kind, P=parent, Pg=page, K=Array(kids))
        return pdf.make_indirect(made)

    paragraph = element(Name.P, document, [0])
    document.K = Array([paragraph])
    linked = element(Name.NonStruct, document, [])  # margin boxes, which it does not list
    link = element(Name.Link, linked, [1])
    link.K.append(pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page)))
    linked.K = Array([link])
    plain = element(Name.NonStruct, document, [])
    span = element(Name.Span, plain, [2])
    plain.K = Array([span])
    nums = Array([0, Array([paragraph, link, span]), 1, link])
    tree.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    pdf.Root.StructTreeRoot = tree
    buffer = io.BytesIO()
    pdf.save(buffer)

    prepared = pikepdf.Pdf.open(io.BytesIO(prepare(buffer.getvalue(), "e" * 64)))

    document = prepared.Root.StructTreeRoot.K[0]
    assert [k.S for k in document.K] == [Name.P, Name.NonStruct]
    assert [k.S for k in document.K[1].K] == [Name.Link]
    drawn = prepared.pages[0].obj.Contents.read_bytes()
    assert re.findall(rb"/(\w+)\s*<<([^>]*)>>\s*BDC", drawn) == [
        (b"P", b"/MCID 0"),
        (b"Link", b"/MCID 1"),
        (b"Artifact", b"/Type /Pagination"),
    ]
    entry = prepared.Root.StructTreeRoot.ParentTree.Nums[1]
    assert entry[1].objgen == document.K[1].K[0].objgen and entry[2] is None


def test_what_cannot_be_joined_is_refused() -> None:
    with pytest.raises(PdfJoinError, match="not a readable PDF"):
        join_bytes([b"%PDF-1.7 but nothing else"], [], IDENTIFIER)
    with pytest.raises(PdfJoinError, match="not made ready"):
        join_bytes(
            [chapter("a", 1)], [], IDENTIFIER
        )  # its margin boxes would be copied with its tree
    with pytest.raises(PdfJoinError, match="one page per page"):
        join_bytes([prepare(chapter("a", 2), "a" * 64)], [Stamp(stamp(3), [True] * 3)], IDENTIFIER)


def test_a_part_that_is_not_tagged_is_joined_as_it_is() -> None:
    plain = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    pdf.save(plain)
    data = join_bytes([plain.getvalue(), prepare(chapter("a", 1), "a" * 64)], [], IDENTIFIER)
    reader = PdfReader(io.BytesIO(data))
    assert [float(p.mediabox.width) for p in reader.pages] == [200, 100]
    assert isinstance(reader.trailer["/Root"].raw_get("/StructTreeRoot"), IndirectObject)


# --- one font program per font -------------------------------------------------------------

GLYPHS = {"A": (500, 0), "B": (600, 100), "C": (700, 200), "D": (800, 300)}  # width, shape


def make_font(shapes: dict[str, tuple[int, int]] = GLYPHS) -> bytes:
    """A TrueType font of a space and four glyphs, each a rectangle of its own."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.misc.timeTools import timestampSinceEpoch
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    order = [".notdef", "space", *shapes]
    builder = FontBuilder(1000, isTTF=True)
    made = timestampSinceEpoch(1_700_000_000)  # not the clock: one font, whenever it is made
    builder.updateHead(created=made, modified=made)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({32: "space", **{ord(name): name for name in shapes}})
    glyphs = {"space": TTGlyphPen(None).glyph()}
    for name in order[:1] + order[2:]:
        pen = TTGlyphPen(None)
        width, shape = shapes.get(name, (500, 0))
        pen.moveTo((50, 0))
        pen.lineTo((50, 700 - shape))
        pen.lineTo((width - 50, 700))
        pen.lineTo((width - 50, 0))
        pen.closePath()
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({n: (shapes.get(n, (250, 0))[0], 50) for n in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test Sans", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


def font_chapter(
    text: str,
    font: bytes = b"",
    to_unicode: dict[int, str] | None = None,
    keep: tuple[int, ...] = (),
) -> bytes:
    """A page drawing `text` in a subset of `font` (keeping glyph ids, and the glyphs `keep`),
    as WeasyPrint embeds one: a Type0 font over a TrueType CID font, with its widths and
    ToUnicode map."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # as HarfBuzz subsets: the font-wide bounds and maxima stay the font's
    program = TTFont(io.BytesIO(font or make_font()), recalcBBoxes=False, recalcTimestamp=False)
    cmap = program.getBestCmap()
    gids = [program.getGlyphID(cmap[ord(c)]) for c in text]
    options = subset.Options(retain_gids=True, notdef_outline=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids + list(keep))
    subsetter.subset(program)
    data = io.BytesIO()
    program.save(data)
    metrics = program["hmtx"].metrics
    order = program.getGlyphOrder()
    advances = {gid: metrics[order[gid]][0] for gid in gids}
    widths: list[Any] = []
    for gid in sorted(advances):
        widths += [gid, Array([advances[gid]])]
    chars = to_unicode or dict(zip(gids, text, strict=True))
    pairs = b"\n".join(
        b"<%04x> <%s>" % (g, c.encode("utf-16-be").hex().encode()) for g, c in chars.items()
    )
    cmap_stream = (
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
        b"<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n"
        b"<0000> <ffff>\nendcodespacerange\n%d beginbfchar\n%s\nendbfchar\nendcmap\n"
        b"CMapName currentdict /CMap defineresource pop\nend\nend" % (len(chars), pairs)
    )
    pdf = pikepdf.new()
    name = Name("/AAAAAA+Test-Sans")
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=name,
        FontFamily=String("Test Sans"),
        Flags=4,
        FontBBox=Array([0, -200, max(advances.values()), 800]),
        ItalicAngle=0,
        Ascent=800,
        Descent=-200,
        CapHeight=800,
        StemV=80,
        StemH=80,
        FontFile2=pdf.make_stream(data.getvalue(), Length1=len(data.getvalue())),
    )
    cid = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=name,
        CIDSystemInfo=Dictionary(
            Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0
        ),
        CIDToGIDMap=Name.Identity,
        W=Array(widths),
        FontDescriptor=pdf.make_indirect(descriptor),
    )
    type0 = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=name,
        Encoding=Name("/Identity-H"),
        ToUnicode=pdf.make_stream(cmap_stream),
        DescendantFonts=Array([pdf.make_indirect(cid)]),
    )
    pdf.add_blank_page(page_size=(200, 100))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(Font=Dictionary(F1=pdf.make_indirect(type0)))
    drawn = "".join(f"{gid:04x}" for gid in gids).encode()
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 10 50 Td <%s> Tj ET" % drawn)
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


def programs(data: bytes) -> list[bytes]:
    """The font programs the pages use, one per font dictionary, in page order."""
    pdf = pikepdf.Pdf.open(io.BytesIO(data))
    found: dict[tuple[int, int], bytes] = {}
    for page in pdf.pages:
        for font in page.obj.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            found.setdefault(font.objgen, descriptor.FontFile2.read_bytes())
    return list(found.values())


def test_subsets_of_one_font_are_merged_into_one_program() -> None:
    from fontTools.ttLib import TTFont

    chapters = [font_chapter("A B"), font_chapter("B D")]
    data = join_bytes(chapters, [], IDENTIFIER)
    reader = PdfReader(io.BytesIO(data))
    assert [p.extract_text() for p in reader.pages] == ["A B", "B D"]
    assert [p.extract_text() for c in chapters for p in PdfReader(io.BytesIO(c)).pages] == [
        "A B",
        "B D",
    ]
    [program] = programs(data)  # both pages draw with one font
    merged, full = TTFont(io.BytesIO(program)), TTFont(io.BytesIO(make_font()))
    glyf, original = merged["glyf"], full["glyf"]
    for gid in (1, 2, 3, 5):  # space, A, B, D: each from the chapter that holds it
        a, b = glyf[merged.getGlyphName(gid)], original[full.getGlyphName(gid)]
        assert a.getCoordinates(glyf)[:2] == b.getCoordinates(original)[:2], gid
        assert merged["hmtx"][merged.getGlyphName(gid)] == full["hmtx"][full.getGlyphName(gid)]
    assert glyf[merged.getGlyphName(4)].numberOfContours == 0  # C: drawn by neither
    pdf = pikepdf.Pdf.open(io.BytesIO(data))
    font = pdf.pages[0].obj.Resources.Font.F1
    cid = font.DescendantFonts[0]
    assert list(cid.W) == [1, Array([250, 500, 600]), 5, Array([800])]
    assert list(cid.FontDescriptor.FontBBox) == [0, -200, 800, 800]
    mapped = b"<0001> <0020>\n<0002> <0041>\n<0003> <0042>\n<0005> <0044>"
    assert mapped in font.ToUnicode.read_bytes()
    assert str(font.BaseFont).endswith("+Test-Sans") and "AAAAAA" not in str(font.BaseFont)
    assert pdf.check_pdf_syntax() == []


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(lambda: font_chapter("A C", to_unicode={1: " ", 2: "Z", 4: "C"}), id="text"),
        pytest.param(
            lambda: font_chapter("A C", make_font({**GLYPHS, "A": (500, 50)})), id="outline"
        ),
        pytest.param(lambda: font_chapter("A C", make_font({**GLYPHS, "A": (550, 0)})), id="width"),
    ],
)
def test_subsets_that_disagree_on_a_glyph_keep_their_own_program(other: Any) -> None:
    chapters = [font_chapter("A B"), other(), font_chapter("B D")]
    data = join_bytes(chapters, [], IDENTIFIER)
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert texts == [p.extract_text() for c in chapters for p in PdfReader(io.BytesIO(c)).pages]
    assert len(programs(data)) == 2  # the first and last chapters' merged, the other apart
    pdf = pikepdf.Pdf.open(io.BytesIO(data))
    fonts = [page.obj.Resources.Font.F1 for page in pdf.pages]
    assert fonts[0].objgen == fonts[2].objgen != fonts[1].objgen
    assert fonts[0].BaseFont != fonts[1].BaseFont


def test_glyphs_after_the_last_one_drawn_are_not_taken_from_a_subset() -> None:
    """WeasyPrint's second subsetting renumbers the glyphs HarfBuzz adds after the last glyph
    drawn: here the first chapter holds another D where the second draws its own."""
    from fontTools.ttLib import TTFont

    other = make_font({**GLYPHS, "D": (800, 250)})
    chapters = [font_chapter("A B", other, keep=(5,)), font_chapter("B D")]
    data = join_bytes(chapters, [], IDENTIFIER)
    assert [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages] == ["A B", "B D"]
    [program] = programs(data)
    merged, full = TTFont(io.BytesIO(program)), TTFont(io.BytesIO(make_font()))
    a, b = merged["glyf"][merged.getGlyphName(5)], full["glyf"][full.getGlyphName(5)]
    assert a.getCoordinates(merged["glyf"])[:2] == b.getCoordinates(full["glyf"])[:2]


@pytest.mark.parametrize(
    "chapters",
    [
        pytest.param(lambda: [font_chapter("A B"), font_chapter("B D")], id="merged"),
        pytest.param(
            lambda: [
                font_chapter("A B"),
                font_chapter("A C", make_font({**GLYPHS, "A": (550, 0)})),
                font_chapter("B D"),
            ],
            id="one-apart",
        ),
        pytest.param(
            lambda: [prepare(chapter("a", 2), "a" * 64), prepare(chapter("b", 1), "b" * 64)],
            id="not-merged",
        ),
    ],
)
def test_fonts_read_where_chapters_are_laid_out_join_as_if_read_in_the_join(
    chapters: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = chapters()
    ahead = [fonts.read_ahead(pikepdf.Pdf.open(io.BytesIO(c))) for c in made]
    read_in_the_join = join_bytes(made, [], IDENTIFIER)
    real, calls = fonts._read, []
    monkeypatch.setattr(fonts, "_read", lambda font: calls.append(font) or real(font))
    assert join_bytes(made, [], IDENTIFIER, ahead) == read_in_the_join
    assert calls == []  # no font is read again
    # what is not a read ahead (damaged, or from another version) leaves its fonts to the join
    assert join_bytes(made, [], IDENTIFIER, [b"not one", *ahead[1:]]) == read_in_the_join
    first = pikepdf.Pdf.open(io.BytesIO(made[0]))
    assert len(calls) == len(list(fonts._used_fonts(first))) > 0


def test_the_join_decodes_each_chapters_font_reads_once_as_it_meets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fonts read ahead are decoded a chapter at a time, in page order, when the join meets
    that chapter's fonts, not all of them as the chapters are added and held to the end."""
    made = [font_chapter("A B"), font_chapter("B D"), font_chapter("D A")]
    ahead = [fonts.read_ahead(pikepdf.Pdf.open(io.BytesIO(c))) for c in made]
    read_at_once = join_bytes(made, [], IDENTIFIER)
    events: list[str] = []
    reads_of, subset = fonts.reads_of, fonts._subset

    def decoding(data: bytes, renamed: Any) -> Any:
        events.append(f"decode {ahead.index(data)}")
        return reads_of(data, renamed)

    def using(font: Any, read: Any) -> Any:
        events.append("use")
        return subset(font, read)

    monkeypatch.setattr(fonts, "reads_of", decoding)
    monkeypatch.setattr(fonts, "_subset", using)
    assert join_bytes(made, [], IDENTIFIER, ahead) == read_at_once
    assert events == ["decode 0", "use", "decode 1", "use", "decode 2", "use"]
