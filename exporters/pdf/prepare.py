"""Make a chapter of the handout ready to join, once, when it is laid out (the store keeps it so).

What needs only the chapter itself is done here rather than at every join:
- structure element ids (`/ID`, and the `/Headers` of table cells that name them; WeasyPrint
  makes them from the chapter's object numbers) get a prefix from the chapter's digest, so they are
  unique in the whole;
- a link to another chapter's anchor, which the chapter cannot hold, is laid out as a link to
  `LINK_ORIGIN#anchor`; it becomes a link to the named destination `anchor`;
- what the margin boxes draw (the running headers) becomes a pagination artifact: WeasyPrint
  tags it with elements whose parent is the `Document` element but that it does not list (PDF
  1.7 has no artifact element), so a reader of the structure never met it, yet it was marked
  content of no artifact, and four elements a page for the join to copy and hold (a margin box
  holding a link stays content, listed last in the `Document`: an annotation must be tagged);
- a `Span` or `NonStruct` element with nothing but its kids (WeasyPrint makes a `Span` for each
  run of text: 300 of a module chapter's 480 elements, and 36 `NonStruct`) gives its kids to its
  parent on the same page: a `Span` without attributes says nothing, a `NonStruct` only groups
  (its kids are read as its parent's), and each element is an object the join copies and holds;
  so does a `Link` with nothing but marked content inside a `Link` (WeasyPrint tags each box
  inside a link as a link of its own: a link's text, its page number, its leader);
- an object reference (a link annotation's place in the structure: one per link, 12,000 in a
  200-module handout) is written inside its `Link` element rather than as an object of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import unquote

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .objects import items, number_tree, open_pdf, save_pdf, structure

# A link to another chapter: WeasyPrint keeps it as a URI action, joined into an internal link here.
LINK_ORIGIN = "https://coursec.invalid/part-link"
PREPARED = Name("/CsPrepared")  # in a prepared chapter's structure tree root (never in the whole)


def prepare(data: bytes, digest: str) -> bytes:
    """A chapter as WeasyPrint wrote it, made ready to join; `digest` names what it holds."""
    pdf = open_pdf(data)
    found = structure(pdf)
    if found is not None:
        tree, document = found
        prefix = f"{digest[:12]}-"
        elements = list(_elements(document))  # the loop changes object references, no element
        for element in elements:
            if Name.ID in element:
                element.ID = String(prefix + str(element.ID))
            for attributes in items(element.get(Name.A)):
                if isinstance(attributes, Dictionary) and Name.Headers in attributes:
                    headers = items(attributes.Headers)
                    attributes.Headers = Array([String(prefix + str(h)) for h in headers])
            _inline_object_references(element)
        _merge_bare(elements, tree.get(Name.ParentTree))
        _margin_artifacts(pdf, tree, document)
        tree[PREPARED] = True
    for page in pdf.pages:
        for annotation in items(page.obj.get(Name.Annots)):
            if isinstance(annotation, Dictionary):
                _link(annotation)
    return save_pdf(pdf, pdf.pdf_version)


def margins_as_artifacts(data: bytes) -> bytes:
    """A document laid out whole (a module's own PDF) with what its margin boxes draw made a
    pagination artifact, as `prepare` does for a chapter."""
    pdf = open_pdf(data)
    found = structure(pdf)
    if found is None:
        return data
    _margin_artifacts(pdf, *found)
    return save_pdf(pdf, pdf.pdf_version)


def _margin_artifacts(pdf: pikepdf.Pdf, tree: Dictionary, document: Dictionary) -> None:
    """What the margin boxes draw made a pagination artifact (`_as_artifacts`); a margin box
    holding a link is listed as the last kid of `document` instead."""
    entries = dict(number_tree(tree.get(Name.ParentTree)))
    kept = _as_artifacts(pdf, _unlisted(document, list(entries.values())), entries)
    if kept:
        document.K = Array([*items(document.get(Name.K)), *kept])


def _elements(document: Dictionary) -> Iterator[Dictionary]:
    """Every structure element under `document`, depth first."""
    stack = [document]
    while stack:
        element = stack.pop()
        yield element
        for kid in items(element.get(Name.K)):
            if isinstance(kid, Dictionary) and kid.get(Name.Type) not in (Name.OBJR, Name.MCR):
                stack.append(kid)


_BARE = {"/Type", "/S", "/P", "/K", "/Pg"}
_GROUPING = (Name.Span, Name.NonStruct)


def _merge_bare(elements: Sequence[Dictionary], parent_tree: object) -> None:
    """Each `Span` or `NonStruct` with no key but `_BARE`'s, under one of `elements` (all of
    the tree's, depth first) on the same page, replaced by its kids in its parent's; the parent
    tree's entries follow (see the module's docstring)."""
    into: dict[tuple[int, int], Dictionary] = {}  # a merged element -> the element that took it
    for element in reversed(elements):  # an element after the elements in it
        kids = items(element.get(Name.K))
        bare = [_bare(kid, element) for kid in kids]
        if not any(bare):
            continue
        merged: list[pikepdf.Object] = []
        for kid, merge in zip(kids, bare, strict=True):
            if not merge:
                merged.append(kid)
                continue
            for inner in items(kid.get(Name.K)):
                if isinstance(inner, Dictionary) and inner.get(Name.Type) == Name.StructElem:
                    inner.P = element
                merged.append(inner)
            into[kid.objgen] = element
        element.K = Array(merged)
    if into:
        _follow(parent_tree, into)


def _bare(kid: object, parent: Dictionary) -> bool:
    """Whether `kid` of `parent` is a `Span` or `NonStruct` with nothing but its kids, or a
    `Link` in a `Link` with nothing but marked content, on `parent`'s page (its marked content
    is numbered on its page: so is its parent's)."""
    if not isinstance(kid, Dictionary) or not kid.is_indirect:
        return False
    kind = kid.get(Name.S)
    if kind == Name.Link:
        if parent.get(Name.S) != Name.Link or not all(
            isinstance(inner, int) for inner in items(kid.get(Name.K))
        ):
            return False
    elif kind not in _GROUPING:
        return False
    page, own = parent.get(Name.Pg), kid.get(Name.Pg)
    return (
        not set(kid.keys()) - _BARE
        and parent.get(Name.Type) == Name.StructElem
        and isinstance(page, Dictionary)
        and isinstance(own, Dictionary)
        and page.objgen == own.objgen
    )


def _follow(node: object, into: dict[tuple[int, int], Dictionary]) -> None:
    """The values of the number tree at `node` with each merged element replaced by the element
    that took its kids (in the end: one merged into one merged is followed further)."""

    def taker(value: pikepdf.Object) -> pikepdf.Object:
        while isinstance(value, Dictionary) and value.is_indirect and value.objgen in into:
            value = into[value.objgen]
        return value

    if not isinstance(node, Dictionary):
        return
    nums = node.get(Name.Nums)
    if isinstance(nums, Array):
        for i in range(1, len(nums), 2):
            value = nums[i]
            if isinstance(value, Array):
                for j, element in enumerate(value):
                    value[j] = taker(element)
            else:
                nums[i] = taker(value)
    for kid in items(node.get(Name.Kids)):
        _follow(kid, into)


def _inline_object_references(element: Dictionary) -> None:
    """Each object reference kid (`/Type /OBJR`) of `element` written in it."""
    kids = element.get(Name.K)
    listed = items(kids)
    if any(_object_reference(kid) for kid in listed):
        inline = [
            Dictionary(dict(kid.items())) if _object_reference(kid) else kid for kid in listed
        ]
        element.K = Array(inline) if isinstance(kids, Array) else inline[0]


def _object_reference(kid: object) -> bool:
    return isinstance(kid, Dictionary) and kid.is_indirect and kid.get(Name.Type) == Name.OBJR


def _unlisted(document: Dictionary, entries: Sequence[pikepdf.Object]) -> list[Dictionary]:
    """The elements whose parent is `document` but that it does not list, found from the
    entries of the parent tree (every marked element, and so every element above one)."""
    parent = document.objgen
    seen = {kid.objgen for kid in items(document.get(Name.K)) if isinstance(kid, Dictionary)}
    found = []
    for value in entries:
        element: object
        for element in items(value):
            while isinstance(element, Dictionary) and element.objgen not in seen:
                seen.add(element.objgen)
                above = element.get(Name.P)
                if isinstance(above, Dictionary) and above.objgen == parent:
                    found.append(element)
                    break
                element = above
    return found


_MARKED = re.compile(rb"/[^\s/<>\[\]()%{}]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
_PAGINATION = b"/Artifact\n<</Type /Pagination>>\nBDC"


def _as_artifacts(
    pdf: pikepdf.Pdf, elements: Sequence[Dictionary], entries: Mapping[int, pikepdf.Object]
) -> list[Dictionary]:
    """The marked content of `elements` (the margin boxes') made a pagination artifact, and
    their entries in the parent tree (`entries`, by key) emptied (nothing refers to the elements
    then: they are not written). Returns those that hold an annotation, left as they are: a
    link stays tagged."""
    kept: list[Dictionary] = []
    marked: dict[tuple[int, int], set[int]] = {}  # page -> its marked-content ids to change
    for element in elements:
        found = _marked_content(element)
        if found is None:
            kept.append(element)
        for where, mcid in found or ():
            marked.setdefault(where, set()).add(mcid)
    for page in pdf.pages:
        mcids = marked.get(page.obj.objgen)
        if not mcids:
            continue
        done: set[int] = set()
        for stream in items(page.obj.get(Name.Contents)):
            data = stream.read_bytes()
            changed = _artifacts_in(data, mcids, done)
            if changed != data:
                stream.write(changed)  # compressed again when the chapter is saved
        key = page.obj.get(Name.StructParents)
        held = entries.get(int(key)) if isinstance(key, int) else None
        if isinstance(held, Array):
            for mcid in done:
                if mcid < len(held):
                    held[mcid] = None
    return kept


def _artifacts_in(content: bytes, mcids: set[int], done: set[int]) -> bytes:
    """A page's content with the marked content numbered `mcids` made a pagination artifact;
    the numbers it found go into `done`."""

    def artifact(found: re.Match[bytes]) -> bytes:
        mcid = int(found[1])
        if mcid not in mcids:
            return found[0]
        done.add(mcid)
        return _PAGINATION

    return _MARKED.sub(artifact, content)


def _marked_content(element: Dictionary) -> list[tuple[tuple[int, int], int]] | None:
    """(page, marked-content id) of everything `element` holds, or None if it holds an
    object (an annotation) or a page cannot be told."""
    found: list[tuple[tuple[int, int], int]] = []
    stack: list[tuple[Dictionary, object]] = [(element, None)]
    while stack:
        node, page = stack.pop()
        page = node.get(Name.Pg, page)
        for kid in items(node.get(Name.K)):
            if isinstance(kid, int):
                if not isinstance(page, Dictionary):
                    return None
                found.append((page.objgen, int(kid)))
            elif isinstance(kid, Dictionary) and kid.get(Name.Type) == Name.MCR:
                at = kid.get(Name.Pg, page)
                if not isinstance(at, Dictionary) or Name.Stm in kid:
                    return None
                found.append((at.objgen, int(kid.MCID)))
            elif isinstance(kid, Dictionary) and kid.get(Name.Type) != Name.OBJR:
                stack.append((kid, page))
            else:
                return None
    return found


def _link(annotation: Dictionary) -> None:
    """A link to another chapter's anchor turned into a link to the named destination."""
    action = annotation.get(Name.A)
    uri = action.get(Name.URI) if isinstance(action, Dictionary) else None
    if not isinstance(uri, String) or not str(uri).startswith(LINK_ORIGIN + "#"):
        return
    target = String(unquote(str(uri).removeprefix(LINK_ORIGIN + "#")))
    del annotation.A
    if Name.Contents in annotation:
        annotation.Contents = target
    annotation.Dest = target
