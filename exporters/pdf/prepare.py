"""Make a chapter of the handout ready to join, once, when it is laid out (the store keeps it so).

What needs only the chapter itself is done here rather than at every join:
- structure element ids (`/ID`, and the `/Headers` of table cells that name them; WeasyPrint
  makes them from the chapter's object numbers) get a prefix from the chapter's digest, so they are
  unique in the whole;
- a link to another chapter's anchor, which the chapter cannot hold, is laid out as a link to
  `LINK_ORIGIN#anchor`; it becomes a link to the named destination `anchor`;
- the elements whose parent is the `Document` element without being listed in it (WeasyPrint
  tags the margin boxes that way) are listed under `UNLISTED` in the structure tree root, so
  the join gives them the whole's `Document` as parent without searching the chapter for them;
- a `Span` or `NonStruct` element with nothing but its kids (WeasyPrint makes a `Span` for each
  run of text: 300 of a module chapter's 480 elements, and 36 `NonStruct`) gives its kids to its
  parent on the same page: a `Span` without attributes says nothing, a `NonStruct` only groups
  (its kids are read as its parent's), and each element is an object the join copies and holds;
- an object reference (a link annotation's place in the structure: one per link, 12,000 in a
  200-module handout) is written inside its `Link` element rather than as an object of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import unquote

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .objects import items, number_tree, open_pdf, save_pdf, structure

# A link to another chapter: WeasyPrint keeps it as a URI action, joined into an internal link here.
LINK_ORIGIN = "https://coursec.invalid/part-link"
UNLISTED = Name("/CsUnlisted")  # in a prepared chapter's structure tree root (never in the whole)


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
        entries = [value for _, value in number_tree(tree.get(Name.ParentTree))]
        tree[UNLISTED] = Array(_unlisted(document, entries))
    for page in pdf.pages:
        for annotation in items(page.obj.get(Name.Annots)):
            if isinstance(annotation, Dictionary):
                _link(annotation)
    return save_pdf(pdf, pdf.pdf_version)


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
    """Whether `kid` of `parent` is a `Span` or `NonStruct` with nothing but its kids, on
    `parent`'s page (its marked content is numbered on its page: so is its parent's)."""
    if not isinstance(kid, Dictionary) or kid.get(Name.S) not in _GROUPING or not kid.is_indirect:
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
