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
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from coursec.exporters.pdf.join import PdfJoinError, Stamp, join
from coursec.exporters.pdf.prepare import LINK_ORIGIN, prepare
from support.pdf import outline

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


def stamp(pages: int) -> bytes:
    """Empty pages named like a handout's: the page numbers' marks only."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, BaseFont=Name("/ABCDEF+Serif")))
    for i in range(pages):
        pdf.add_blank_page(page_size=(100 + i, 100))
        pdf.pages[i].obj.Resources = Dictionary(Font=Dictionary(F1=font))
        pdf.pages[i].obj.Contents = pdf.make_stream(b"BT /F1 8 Tf (%d) Tj ET" % (i + 1))
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def joined() -> PdfReader:
    chapters = [
        prepare(chapter("a", 2), "a" * 64),
        prepare(chapter("b", 1, link_to="a-1", lang="de"), "b" * 64),
    ]
    data = join(chapters, Stamp(stamp(3), [False, True, True]), IDENTIFIER)
    return PdfReader(io.BytesIO(data))


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
    # each page's marked content maps to the P element of that page (and the margin box's span)
    for i, page in enumerate(joined.pages):
        marked = nums[2 * i + 1]
        assert (
            marked[0]["/S"] == "/P"
            and marked[0]["/Pg"].indirect_reference == page.indirect_reference
        )
    marks = [[m["/S"] for m in nums[k]] for k in (1, 3, 5)]
    assert marks == [["/P", "/Span"], ["/P"], ["/P", "/Span"]]
    # the link annotations get the keys after the last page, in order, mapped to their Link
    links = [p["/Annots"][0] for p in (joined.pages[0], joined.pages[2])]
    assert [a.get_object()["/StructParent"] for a in links] == [3, 4]
    for key, annotation in zip((3, 4), links, strict=True):
        [objr] = nums[2 * key + 1]["/K"]
        assert objr.raw_get("/Obj").idnum == annotation.idnum


def test_one_document_element_holds_every_part(joined: PdfReader) -> None:
    tree = joined.trailer["/Root"]["/StructTreeRoot"]
    [document] = tree["/K"]
    assert (
        document["/S"] == "/Document"
        and document["/P"].indirect_reference == tree.indirect_reference
    )
    kids = elements(joined)
    assert [k["/S"] for k in kids] == ["/P", "/P", "/Link", "/Table", "/P", "/Link", "/Table"]
    assert all(k.raw_get("/P").idnum == document.idnum for k in kids)
    # the margin boxes' elements, which no element lists, have the same Document as parent
    nums = tree["/ParentTree"]["/Nums"]
    boxes = [nums[k][1]["/P"] for k in (1, 5)]
    assert [b["/S"] for b in boxes] == ["/NonStruct"] * 2
    assert all(b.raw_get("/P").idnum == document.idnum for b in boxes)


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


def test_the_same_parts_give_the_same_bytes() -> None:
    chapters = [prepare(chapter("a", 2), "a" * 64), prepare(chapter("b", 1), "b" * 64)]
    assert prepare(chapter("a", 2), "a" * 64) == chapters[0]
    one = join(chapters, Stamp(stamp(3), [True] * 3), IDENTIFIER)
    assert one == join(chapters, Stamp(stamp(3), [True] * 3), IDENTIFIER)
    assert PdfReader(io.BytesIO(one)).trailer["/ID"][0] == IDENTIFIER.decode()


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
    back = pikepdf.Pdf.open(io.BytesIO(join([data, data], None, IDENTIFIER)))
    assert len(back.objects) > 68_000
    whole = back.Root.StructTreeRoot.K[0]
    sections = [kid for kid in whole.K if Name.Sect == kid.S]
    assert len(sections) == 2 and sections[0].objgen != sections[1].objgen
    assert all(len(s.K) == 34_000 and s.P.objgen == whole.objgen for s in sections)
    assert sections[1].K[-1].P.objgen == sections[1].objgen


def test_what_cannot_be_joined_is_refused() -> None:
    with pytest.raises(PdfJoinError, match="not a readable PDF"):
        join([b"%PDF-1.7 but nothing else"], None, IDENTIFIER)
    with pytest.raises(PdfJoinError, match="not made ready"):
        join([chapter("a", 1)], None, IDENTIFIER)  # its margin boxes would be copied with its tree
    with pytest.raises(PdfJoinError, match="one page per page"):
        join([prepare(chapter("a", 2), "a" * 64)], Stamp(stamp(3), [True] * 3), IDENTIFIER)


def test_a_part_that_is_not_tagged_is_joined_as_it_is() -> None:
    plain = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    pdf.save(plain)
    data = join([plain.getvalue(), prepare(chapter("a", 1), "a" * 64)], None, IDENTIFIER)
    reader = PdfReader(io.BytesIO(data))
    assert [float(p.mediabox.width) for p in reader.pages] == [200, 100]
    assert isinstance(reader.trailer["/Root"].raw_get("/StructTreeRoot"), IndirectObject)
