"""Join PDFs laid out separately by WeasyPrint into one tagged PDF, and stamp page numbers on it.

Each part is a complete PDF/UA document. Joining keeps what makes the whole a tagged PDF:
- one structure tree: the parts' `Document` elements become one, in page order, and every
  element that pointed to a part's `Document` points to the new one;
- one parent tree: page *i* of the whole has `/StructParents i`, and the link annotations get
  the keys after the last page, in order, each with its `/StructParent` changed to match;
- table header ids (`/ID`, `/Headers`, made from a part's object numbers) made unique again;
- the outline (bookmarks) and named destinations of all parts, and links between parts: a part
  cannot link to an anchor it does not hold, so it links to `LINK_ORIGIN#anchor`, which becomes
  a link to the named destination `anchor` here;
- catalog entries (`/Lang`, `/MarkInfo`, `/ViewerPreferences`), the XMP metadata (PDF/UA
  identification) and the document information of the first part, whose `<head>` all parts share.

The stamp is a PDF with one page per page of the whole, holding only the page numbers; each of
its pages is drawn over the page of the whole as a form XObject, marked as an artifact. Nothing
here reads a clock or makes random ids: the same parts give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ._pdf_syntax import (
    Name,
    PdfFile,
    PdfSyntaxError,
    Ref,
    Stream,
    Token,
    dumps,
    remap,
    renumber,
    string,
)

# A link to another part: WeasyPrint keeps it as a URI action, joined into an internal link here.
LINK_ORIGIN = "https://coursec.invalid/part-link"
# A subset font's name starts with a tag of six capitals, which WeasyPrint makes from the font
# alone: two parts' different subsets of a font would share a name in the whole.
_SUBSET_TAG = re.compile(rb"/([A-Z]{6})\+")
# WeasyPrint names a table's header cells "<table element's object number>-<row>-<column>".
_TABLE_ID = re.compile(rb"\((\d+)(-\d+-\d+)\)")


@dataclass(slots=True)
class _Writer:
    """Numbers and collects the objects of the joined PDF."""

    objects: dict[int, bytes] = field(default_factory=dict)
    streams: dict[int, Stream] = field(default_factory=dict)
    count: int = 0

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def put(self, value: Any, num: int | None = None) -> Ref:
        num = self.reserve() if num is None else num
        self.objects[num] = dumps(value)
        return Ref(num)

    def write(self, root: Ref, info: Ref | None, identifier: bytes) -> bytes:
        """The file: streams as objects, the rest in one compressed object stream."""
        out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
        offsets: dict[int, int] = {}
        for num in sorted(self.streams):
            stream = self.streams[num]
            offsets[num] = len(out)
            out += _stream(num, stream.head, stream.data)
        packed = sorted(self.objects)
        bodies, header, position = [], [], 0
        for num in packed:
            header.append(b"%d %d" % (num, position))
            bodies.append(self.objects[num])
            position += len(self.objects[num]) + 1
        head_bytes = b" ".join(header)
        content = zlib.compress(head_bytes + b"\n" + b"\n".join(bodies), 6)
        container = self.count + 1
        offsets[container] = len(out)
        objstm = {"Type": Name("ObjStm"), "N": len(packed), "First": len(head_bytes) + 1}
        out += _stream(container, dict(objstm, Filter=Name("FlateDecode")), content)
        xref_num = container + 1
        offsets[xref_num] = len(out)
        index = {num: i for i, num in enumerate(packed)}
        # field widths: offsets and object numbers; generations and places in the object stream
        # (a long course's structure tree holds more than 65,535 objects)
        width = max(4, (max(len(out), xref_num).bit_length() + 7) // 8)
        third = max(2, (len(packed).bit_length() + 7) // 8)
        rows = bytearray(b"\x00" + bytes(width) + (0xFFFF).to_bytes(third, "big"))
        for num in range(1, xref_num + 1):
            if num in index:
                place = index[num].to_bytes(third, "big")
                rows += b"\x02" + container.to_bytes(width, "big") + place
            elif num in offsets:
                rows += b"\x01" + offsets[num].to_bytes(width, "big") + bytes(third)
            else:
                rows += b"\x00" + bytes(width) + bytes(third)
        digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().encode()
        xref: dict[str, Any] = {
            "Type": Name("XRef"),
            "Index": [0, xref_num + 1],
            "W": [1, width, third],
            "Size": xref_num + 1,
            "Root": root,
        }
        if info is not None:
            xref["Info"] = info
        xref["ID"] = [string(identifier.decode()), string(digest.decode())]
        xref["Filter"] = Name("FlateDecode")
        out += _stream(xref_num, xref, zlib.compress(bytes(rows), 6))
        out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
        return bytes(out)


def _retag(data: bytes, source: int) -> bytes:
    """`data` with its font subset tags made unique to the PDF it came from (`source`)."""
    if b"/BaseFont" not in data and b"/FontName" not in data:
        return data

    def one(match: re.Match[bytes]) -> bytes:
        digest = hashlib.sha256(b"%d:%s" % (source, match[1])).digest()
        return b"/" + bytes(65 + b % 26 for b in digest[:6]) + b"+"

    return _SUBSET_TAG.sub(one, data)


def _table_ids(data: bytes, number: Callable[[int], int]) -> bytes:
    """`data` with its table header ids renamed after the renumbered table element."""
    if b"/ID " not in data and b"/Headers" not in data:
        return data
    return _TABLE_ID.sub(lambda m: b"(%d%s)" % (number(int(m[1])), m[2]), data)


def _stream(num: int, head: dict[str, Any], data: bytes) -> bytes:
    head = dict(head, Length=len(data))
    return b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (num, dumps(head), data)


@dataclass(slots=True)
class _Part:
    """One part's special objects, found through its catalog."""

    pdf: PdfFile
    catalog: dict[str, Any]
    pages: list[int]
    document: int | None  # the part's `Document` structure element
    nums: list[Any]  # its parent tree, flattened: key, value, key, value...
    skip: set[int]  # objects the whole replaces (catalog, trees, outline items...)


def _part(pdf: PdfFile) -> _Part:
    catalog = pdf.get(pdf.root)
    skip = {pdf.root, catalog["Pages"].num}
    pages = [kid.num for kid in pdf.get(catalog["Pages"].num)["Kids"]]
    document, nums = None, []
    if "StructTreeRoot" in catalog:
        tree = pdf.get(catalog["StructTreeRoot"].num)
        [document_ref] = tree["K"] if isinstance(tree["K"], list) else [tree["K"]]
        document = document_ref.num
        nums = pdf.resolve(tree["ParentTree"])["Nums"]
        skip |= {catalog["StructTreeRoot"].num, document}
        if isinstance(tree["ParentTree"], Ref):
            skip.add(tree["ParentTree"].num)
    if "Outlines" in catalog:
        skip.add(catalog["Outlines"].num)
        stack = [pdf.get(catalog["Outlines"].num).get("First")]
        while stack:
            item = stack.pop()
            if isinstance(item, Ref):
                skip.add(item.num)
                entry = pdf.get(item.num)
                stack += [entry.get("First"), entry.get("Next")]
    if isinstance(catalog.get("Metadata"), Ref):
        skip.add(catalog["Metadata"].num)
    if pdf.info is not None:
        skip.add(pdf.info)
    return _Part(pdf, catalog, pages, document, nums, skip)


def _outline(pdf: PdfFile, first: Any, number: Any) -> list[tuple[Any, Any, list[Any], bool]]:
    """(title, destination, children, closed) of each outline item from `first` on."""
    items = []
    while isinstance(first, Ref):
        entry = pdf.get(first.num)
        children = _outline(pdf, entry.get("First"), number)
        closed = isinstance(entry.get("Count"), int) and entry["Count"] < 0
        items.append((entry["Title"], remap(entry["Dest"], number), children, closed))
        first = entry.get("Next")
    return items


def _write_outline(
    writer: _Writer, items: Sequence[tuple[Any, Any, list[Any], bool]], parent: Ref
) -> tuple[list[Ref], int]:
    """Outline items as WeasyPrint writes them; returns their references and visible count."""
    refs = [Ref(writer.reserve()) for _ in items]
    visible = len(items)
    for i, (title, dest, children, closed) in enumerate(items):
        entry: dict[str, Any] = {"Title": title, "Dest": dest}
        kids, count = _write_outline(writer, children, refs[i])
        entry["Count"] = -count if closed else count
        if not closed:
            visible += count
        if i:
            entry["Prev"] = refs[i - 1]
        if i + 1 < len(items):
            entry["Next"] = refs[i + 1]
        if kids:
            entry["First"], entry["Last"] = kids[0], kids[-1]
        entry["Parent"] = parent
        writer.put(entry, refs[i].num)
    return refs, visible


def _link(annotation: dict[str, Any]) -> dict[str, Any]:
    """A link to another part's anchor turned into a link to the named destination."""
    action = annotation.get("A")
    if not isinstance(action, dict) or not isinstance(action.get("URI"), Token):
        return annotation
    uri = action["URI"].text()
    if not uri.startswith(LINK_ORIGIN + "#"):
        return annotation
    target = string(unquote(uri.removeprefix(LINK_ORIGIN + "#")))
    joined = {k: v for k, v in annotation.items() if k != "A"}
    if "Contents" in joined:
        joined["Contents"] = target
    joined["Dest"] = target
    return joined


def assemble(
    parts: Sequence[PdfFile], stamp: PdfFile | None, stamped: Sequence[bool], identifier: bytes
) -> bytes:
    """One PDF of all pages of `parts` in order, with page `i` of `stamp` drawn over page `i`
    when `stamped[i]`."""
    found = [_part(pdf) for pdf in parts]
    total = sum(len(p.pages) for p in found)
    if stamp is not None and len(stamped) != total:
        raise PdfSyntaxError("the stamp does not have one entry per page")
    writer = _Writer()
    catalog_ref, pages_ref = Ref(writer.reserve()), Ref(writer.reserve())
    tree_ref, document_ref = Ref(writer.reserve()), Ref(writer.reserve())
    begin, end = writer.reserve(), writer.reserve()  # the two content streams around a stamp
    writer.streams[begin] = Stream({}, b"q")
    writer.streams[end] = Stream({}, b"Q")
    forms = _stamp_forms(writer, stamp, stamped) if stamp is not None else {}

    kids: list[Ref] = []
    document_kids: list[Any] = []
    page_nums: list[Any] = []
    annotation_nums: list[Any] = []
    outline: list[tuple[Any, Any, list[Any], bool]] = []
    names: dict[str, dict[str, tuple[Any, Any]]] = {}
    tagged = False
    for index, part in enumerate(found):
        pdf = part.pdf
        numbers = {
            num: writer.reserve()
            for num in sorted([*pdf.objects, *pdf.streams])
            if num not in part.skip
        }
        if part.document is not None:
            numbers[part.document] = document_ref.num
            tagged = True

        def number(num: int, numbers: dict[int, int] = numbers) -> int:
            try:
                return numbers[num]
            except KeyError:
                raise PdfSyntaxError(f"reference to object {num}, which is not kept") from None

        first_page = len(kids)
        local_pages = len(part.pages)
        struct_parent: dict[int, int] = {}
        for key, value in zip(part.nums[0::2], part.nums[1::2], strict=True):
            if key < local_pages:
                page_nums += [first_page + key, remap(value, number)]
            else:
                struct_parent[key] = total + len(annotation_nums) // 2
                annotation_nums += [struct_parent[key], remap(value, number)]
        rewritten: dict[int, Any] = {}  # objects changed here, already renumbered
        stamps: dict[int, dict[Name, Ref]] = {}  # resources -> the stamps its pages draw
        for i, num in enumerate(part.pages):
            page = pdf.get(num)
            page = remap({k: v for k, v in page.items() if k != "Parent"}, number)
            page["Parent"] = pages_ref
            if "StructParents" in page:
                page["StructParents"] = first_page + i
            form = forms.get(first_page + i)
            if form is not None:
                resources = pdf.get(num)["Resources"]
                if not isinstance(resources, Ref):
                    raise PdfSyntaxError("page resources are not an indirect object")
                name = Name(f"CsStamp{first_page + i}")
                stamps.setdefault(resources.num, {})[name] = form
                call = writer.reserve()
                writer.streams[call] = Stream({}, b"/Artifact BMC q /%s Do Q EMC" % name.encode())
                contents = page["Contents"]
                listed = contents if isinstance(contents, list) else [contents]
                page["Contents"] = [Ref(begin), *listed, Ref(end), Ref(call)]
            for annotation in pdf.get(num).get("Annots", []):
                entry = _link(remap(pdf.get(annotation.num), number))
                if entry.get("StructParent") in struct_parent:
                    entry["StructParent"] = struct_parent[entry["StructParent"]]
                rewritten[annotation.num] = entry
            rewritten[num] = page
            kids.append(Ref(numbers[num]))
        for num, extra in stamps.items():
            resources = remap(pdf.get(num), number)
            xobjects = resources.setdefault("XObject", {})
            if not isinstance(xobjects, dict):
                raise PdfSyntaxError("page resources name their XObjects indirectly")
            xobjects.update(extra)
            rewritten[num] = resources
        for num, value in rewritten.items():
            writer.put(value, numbers[num])
        for num, raw in pdf.objects.items():
            if num in part.skip or num in rewritten:
                continue
            writer.objects[numbers[num]] = _retag(_table_ids(renumber(raw, number), number), index)
        for num, stream in pdf.streams.items():
            if num not in part.skip:
                writer.streams[numbers[num]] = Stream(remap(stream.head, number), stream.data)
        if part.document is not None:
            document_kids += remap(pdf.get(part.document)["K"], number)
        if "Outlines" in part.catalog:
            first = pdf.get(part.catalog["Outlines"].num).get("First")
            outline += _outline(pdf, first, number)
        for tree, value in part.catalog.get("Names", {}).items():
            entries = pdf.resolve(value).get("Names", [])
            known = names.setdefault(tree, {})
            for key, target in zip(entries[0::2], entries[1::2], strict=True):
                known.setdefault(key.text(), (key, remap(target, number)))

    first = found[0]
    catalog: dict[str, Any] = {"Type": Name("Catalog"), "Pages": pages_ref}
    writer.put({"Type": Name("Pages"), "Kids": kids, "Count": len(kids)}, pages_ref.num)
    if outline:
        outlines_ref = Ref(writer.reserve())
        refs, visible = _write_outline(writer, outline, outlines_ref)
        writer.put({"Count": visible, "First": refs[0], "Last": refs[-1]}, outlines_ref.num)
        catalog["Outlines"] = outlines_ref
    if names:
        catalog["Names"] = {
            tree: {"Names": [item for k in sorted(known) for item in known[k]]}
            for tree, known in names.items()
        }
    if tagged:
        parent_tree = writer.put({"Nums": page_nums + annotation_nums})
        writer.put(
            {
                "Type": Name("StructTreeRoot"),
                "ParentTree": parent_tree,
                "K": [document_ref],
                "ParentTreeNextKey": total + len(annotation_nums) // 2,
            },
            tree_ref.num,
        )
        writer.put(
            {"Type": Name("StructElem"), "S": Name("Document"), "K": document_kids, "P": tree_ref},
            document_ref.num,
        )
        catalog["StructTreeRoot"] = tree_ref
    for key in ("ViewerPreferences", "MarkInfo", "Lang"):
        if key in first.catalog:
            catalog[key] = first.pdf.resolve(first.catalog[key])
    metadata = first.catalog.get("Metadata")
    if isinstance(metadata, Ref):
        num = writer.reserve()
        writer.streams[num] = first.pdf.streams[metadata.num]
        catalog["Metadata"] = Ref(num)
    writer.put(catalog, catalog_ref.num)
    info = writer.put(first.pdf.get(first.pdf.info)) if first.pdf.info is not None else None
    return writer.write(catalog_ref, info, identifier)


def _stamp_forms(writer: _Writer, stamp: PdfFile, stamped: Sequence[bool]) -> dict[int, Ref]:
    """Each stamped page of `stamp` as a form XObject; returns them by page index."""
    catalog = stamp.get(stamp.root)
    pages = [kid.num for kid in stamp.get(catalog["Pages"].num)["Kids"]]
    if len(pages) != len(stamped):
        raise PdfSyntaxError("the stamp does not have one page per page of the handout")
    dropped = {stamp.root, catalog["Pages"].num, *pages}
    if stamp.info is not None:
        dropped.add(stamp.info)
    if isinstance(catalog.get("Metadata"), Ref):
        dropped.add(catalog["Metadata"].num)
    heads = {num: stamp.get(num) for num in pages}
    contents = set()
    for head in heads.values():
        listed = head["Contents"] if isinstance(head["Contents"], list) else [head["Contents"]]
        if len(listed) != 1:
            raise PdfSyntaxError("a stamp page has more than one content stream")
        contents.add(listed[0].num)
    numbers = {
        num: writer.reserve()
        for num in sorted([*stamp.objects, *stamp.streams])
        if num not in dropped
    }

    def number(num: int) -> int:
        return numbers[num]

    for num, raw in stamp.objects.items():
        if num not in dropped:
            writer.objects[numbers[num]] = _retag(renumber(raw, number), -1)
    for num, stream in stamp.streams.items():
        if num not in dropped and num not in contents:
            writer.streams[numbers[num]] = Stream(remap(stream.head, number), stream.data)
    forms: dict[int, Ref] = {}
    for i, num in enumerate(pages):
        head = heads[num]
        content = head["Contents"] if isinstance(head["Contents"], Ref) else head["Contents"][0]
        if not stamped[i]:
            continue
        stream = stamp.streams[content.num]
        form = dict(remap(stream.head, number))
        form.update(
            Type=Name("XObject"),
            Subtype=Name("Form"),
            BBox=head["MediaBox"],
            Resources=remap(head["Resources"], number),
        )
        writer.streams[numbers[content.num]] = Stream(form, stream.data)
        forms[i] = Ref(numbers[content.num])
    return forms
