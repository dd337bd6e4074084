"""An IMS content package: imsmanifest.xml (metadata, organizations, resources) and its zip.

Edition-neutral: nothing here is SCORM's. A profile (a SCORM edition; later Common Cartridge)
fills the model: the IMS CP namespace it binds, the other namespaces and schema locations, the
metadata schema and version, resource types (`webcontent`, CC's
`imsqti_xmlv1p2/imscc_xmlv1p1/assessment`, ...), and its own elements and attributes as plain
data (`Node`, `Attributes`: SCORM's `adlcp:scormType`, `imsss:sequencing`, a LOM record). The
writer puts them where IMS CP lets other schemas in: a profile's elements after an
organization's or item's title and child items, after the metadata's schema and version.

`manifest_bytes` writes the manifest; `write_package` writes the zip, with the manifest at its
root and exactly the files the resources list. A cmi5 package has no IMS manifest (its course
structure is cmi5.xml) and zips with `coursec.output.write_zip` directly.

Pure until `write_package`: checking and writing the manifest read and write no file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from coursec.output import OutputFile, write_zip

__all__ = [
    "MANIFEST",
    "Attributes",
    "ContentPackage",
    "Item",
    "Metadata",
    "Node",
    "Organization",
    "Resource",
    "check",
    "manifest_bytes",
    "manifest_tree",
    "write_package",
    "xml_id",
]

MANIFEST = "imsmanifest.xml"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

Attributes = tuple[tuple[str, str], ...]
"""Attribute names (Clark notation, `{namespace}name`, for another schema's) and values, in the
order they are written."""

_XS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_.-]")
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class Node:
    """An element of a profile's own schema, with its subtree: `tag` in Clark notation."""

    tag: str
    text: str | None = None
    attributes: Attributes = ()
    children: tuple[Node, ...] = ()
    namespaces: tuple[tuple[str | None, str], ...] = ()  # declared on this element (None: default)


@dataclass(frozen=True, slots=True)
class Item:
    """A node of an organization's tree: it launches `resource` (an identifier), or groups
    `children`, or both. Only a profile's untitled root (Common Cartridge's) has no title."""

    identifier: str
    title: str | None
    resource: str | None = None
    children: tuple[Item, ...] = ()
    extensions: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Organization:
    """One way through the content: a title and a tree of items."""

    identifier: str
    title: str
    items: tuple[Item, ...]
    attributes: Attributes = ()  # a profile's (e.g. CC's structure="rooted-hierarchy")
    extensions: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    """Files that belong together: `href` (one of `files`) launches it, `dependencies` name the
    resources it also needs."""

    identifier: str
    type: str
    files: tuple[str, ...]  # package paths (posix, relative), in the order listed
    href: str | None = None
    dependencies: tuple[str, ...] = ()
    attributes: Attributes = ()  # a profile's (e.g. SCORM's adlcp:scormType)


@dataclass(frozen=True, slots=True)
class Metadata:
    schema: str
    schemaversion: str
    extensions: tuple[Node, ...] = ()  # e.g. a LOM record


@dataclass(frozen=True, slots=True)
class ContentPackage:
    """A whole manifest. `namespace` is the IMS CP namespace the profile binds (its default
    namespace); `prefixes` declares the others on the root; the first organization is the
    default one (`organizations/@default`, unless `default_organization` is off: Common
    Cartridge allows one organization and no such attribute)."""

    identifier: str
    namespace: str
    metadata: Metadata
    organizations: tuple[Organization, ...]
    resources: tuple[Resource, ...]
    prefixes: tuple[tuple[str, str], ...] = ()
    schema_locations: tuple[tuple[str, str], ...] = ()  # (namespace, schema file)
    version: str | None = None
    default_organization: bool = True

    def files(self) -> set[str]:
        """Every file the resources list: what the package holds besides the manifest."""
        return {path for resource in self.resources for path in resource.files}


def xml_id(prefix: str, raw: str) -> str:
    """A valid xs:ID (letter first, as some LMSs also need) made from `prefix` (starting with a
    letter) and an arbitrary id."""
    return prefix + _NOT_ID_CHAR.sub("_", raw)


def _items(items: Iterable[Item]) -> Iterable[Item]:
    for item in items:
        yield item
        yield from _items(item.children)


def _check_path(path: str, what: str) -> None:
    parts = path.split("/")
    if (
        not path
        or "\\" in path
        or path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or _URI_SCHEME.match(path)
    ):
        raise ValueError(f"{what} {path!r} is not a relative posix path inside the package")


def check(package: ContentPackage) -> None:
    """Raise ValueError unless the manifest can be written as a valid IMS CP one: identifiers
    that are unique xs:IDs, references that resolve, paths inside the package."""
    owners: dict[str, str] = {}

    def identify(identifier: str, owner: str) -> None:
        if not _XS_ID.fullmatch(identifier):
            raise ValueError(f"identifier {identifier!r} of {owner} is not an xs:ID")
        if identifier in owners:
            raise ValueError(
                f"identifier {identifier!r} of {owner} collides with {owners[identifier]}"
            )
        owners[identifier] = owner

    identify(package.identifier, "the manifest")
    for org in package.organizations:
        identify(org.identifier, f"organization {org.title!r}")
        for item in _items(org.items):
            identify(item.identifier, f"item {item.title!r}")
    for resource in package.resources:
        identify(resource.identifier, "a resource")
        where = f"resource {resource.identifier!r}"
        for path in resource.files:
            _check_path(path, f"file of {where}")
        if resource.href is not None and resource.href not in resource.files:
            raise ValueError(f"{where} launches {resource.href!r}, which it does not list")
    resources = {r.identifier for r in package.resources}
    for org in package.organizations:
        for item in _items(org.items):
            if item.resource is not None and item.resource not in resources:
                raise ValueError(f"item {item.identifier!r} names no resource: {item.resource!r}")
    for resource in package.resources:
        for needed in resource.dependencies:
            if needed not in resources:
                raise ValueError(f"{resource.identifier!r} depends on no resource: {needed!r}")


def _href(path: str) -> str:
    """Percent-encode a package path for use as a URI reference."""
    return quote(path, safe="/")


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, attributes: Attributes = ()
) -> etree._Element:
    el = etree.SubElement(parent, tag, dict(attributes))
    if text is not None:
        el.text = text
    return el


def _node(parent: etree._Element, node: Node) -> None:
    namespaces = dict(node.namespaces) or None
    el = etree.SubElement(parent, node.tag, dict(node.attributes), nsmap=namespaces)  # type: ignore[arg-type]
    if node.text is not None:
        el.text = node.text
    for child in node.children:
        _node(el, child)


def _item(parent: etree._Element, cp: str, item: Item) -> None:
    attributes: Attributes = (("identifier", item.identifier),)
    if item.resource is not None:
        attributes += (("identifierref", item.resource),)
    el = _sub(parent, f"{{{cp}}}item", attributes=attributes)
    if item.title is not None:
        _sub(el, f"{{{cp}}}title", item.title)
    for child in item.children:
        _item(el, cp, child)
    for node in item.extensions:
        _node(el, node)


def manifest_tree(package: ContentPackage) -> etree._ElementTree:
    """The imsmanifest.xml tree of `package`; raises ValueError if it could not be valid."""
    check(package)
    cp = package.namespace
    nsmap: dict[str | None, str] = {None: cp, **dict(package.prefixes)}
    if package.schema_locations:
        nsmap["xsi"] = XSI
    manifest = etree.Element(f"{{{cp}}}manifest", nsmap=nsmap)  # type: ignore[arg-type]
    manifest.set("identifier", package.identifier)
    if package.version is not None:
        manifest.set("version", package.version)
    if package.schema_locations:
        pairs = " ".join(f"{ns} {loc}" for ns, loc in package.schema_locations)
        manifest.set(f"{{{XSI}}}schemaLocation", pairs)

    metadata = _sub(manifest, f"{{{cp}}}metadata")
    _sub(metadata, f"{{{cp}}}schema", package.metadata.schema)
    _sub(metadata, f"{{{cp}}}schemaversion", package.metadata.schemaversion)
    for node in package.metadata.extensions:
        _node(metadata, node)

    organizations = _sub(manifest, f"{{{cp}}}organizations")
    if package.organizations and package.default_organization:
        organizations.set("default", package.organizations[0].identifier)
    for org in package.organizations:
        el = _sub(
            organizations,
            f"{{{cp}}}organization",
            attributes=(("identifier", org.identifier), *org.attributes),
        )
        _sub(el, f"{{{cp}}}title", org.title)
        for item in org.items:
            _item(el, cp, item)
        for node in org.extensions:
            _node(el, node)

    resources = _sub(manifest, f"{{{cp}}}resources")
    for resource in package.resources:
        attributes: Attributes = (("identifier", resource.identifier), ("type", resource.type))
        attributes += resource.attributes
        if resource.href is not None:
            attributes += (("href", _href(resource.href)),)
        el = _sub(resources, f"{{{cp}}}resource", attributes=attributes)
        for path in resource.files:
            _sub(el, f"{{{cp}}}file", attributes=(("href", _href(path)),))
        for needed in resource.dependencies:
            _sub(el, f"{{{cp}}}dependency", attributes=(("identifierref", needed),))
    return etree.ElementTree(manifest)


def manifest_bytes(package: ContentPackage) -> bytes:
    """The manifest as pretty-printed UTF-8 with an XML declaration; same package, same bytes."""
    body = etree.tostring(
        manifest_tree(package), encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_package(
    path: Path, package: ContentPackage, files: Iterable[OutputFile], when: datetime
) -> None:
    """The package's zip (reproducible: coursec.output.write_zip): the manifest at its root and
    `files`, which must be exactly the files the resources list (ValueError otherwise)."""
    files = list(files)
    given = Counter(f.path for f in [*files, OutputFile(MANIFEST, b"")])
    listed = package.files() | {MANIFEST}
    missing = sorted(listed - set(given))
    unlisted = sorted(set(given) - listed)
    twice = sorted(p for p, n in given.items() if n > 1)
    if missing or unlisted or twice:
        raise ValueError(
            f"the files of package {package.identifier!r} are not the ones its manifest lists: "
            f"missing {missing}, not listed {unlisted}, given twice {twice}"
        )
    write_zip(path, [OutputFile(MANIFEST, manifest_bytes(package)), *files], when)
