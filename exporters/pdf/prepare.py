"""Make a chapter of the handout ready to join, once, when it is laid out (the store keeps it so).

What needs only the chapter itself is done here rather than at every join:
- structure element ids (`/ID`, and the `/Headers` of table cells that name them; WeasyPrint
  makes them from the chapter's object numbers) get a prefix from the chapter's digest, so they are
  unique in the whole;
- a link to another chapter's anchor, which the chapter cannot hold, is laid out as a link to
  `LINK_ORIGIN#anchor`; it becomes a link to the named destination `anchor`;
- the elements whose parent is the `Document` element without being listed in it (WeasyPrint
  tags the margin boxes that way) are listed under `UNLISTED` in the structure tree root, so
  the join gives them the whole's `Document` as parent without searching the chapter for them.
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
        for element in _elements(document):
            if Name.ID in element:
                element.ID = String(prefix + str(element.ID))
            for attributes in items(element.get(Name.A)):
                if isinstance(attributes, Dictionary) and Name.Headers in attributes:
                    headers = items(attributes.Headers)
                    attributes.Headers = Array([String(prefix + str(h)) for h in headers])
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
