"""Crawl a built output (the site folder or an extracted SCORM package) for broken references.

``reference_problems(root)`` reads every HTML, CSS and SVG file under ``root`` and reports each
local reference that names no file of the output (compared case for case, as a Linux web server
or LMS would): ``href``, ``src``, ``srcset``, ``poster``, ``data`` and ``xlink:href``
attributes, ``url()`` and ``@import`` in stylesheets, ``<style>`` blocks and ``style``
attributes. Unless ``fragments=False``, in-page and cross-page ``#fragments`` must name an
element ``id`` of their page too.

``package_problems(zip_path, dest)`` extracts a SCORM package into ``dest`` and adds the
package's own rules: every ``<file href>`` and launch page of ``imsmanifest.xml`` exists, and no
SCO refers to the page of another SCO (moving the frame there would bypass the LMS).

Each checker returns a list of problems as strings ("page.html: href "x.html": no such file"),
empty when the output is whole, so that a test asserts ``== []`` and sees them all at once.

``tree_digest(root)`` maps each file under ``root`` to its SHA-256, to compare two outputs byte
for byte.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from support.scorm_package import MANIFEST, manifest_paths

__all__ = ["html_pages", "package_problems", "reference_problems", "sco_pages", "tree_digest"]

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_URL_ATTRIBUTES = frozenset({"href", "src", "poster", "data", "xlink:href", "action", "formaction"})


@dataclass(frozen=True, slots=True)
class Reference:
    attribute: str  # where it was found: "href", "src", "url()" ...
    url: str


class _Page(HTMLParser):
    """The references and element ids of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[Reference] = []
        self.ids: set[str] = set()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in _URL_ATTRIBUTES:
                self.references.append(Reference(name, value.strip()))
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    if candidate.strip():
                        self.references.append(Reference(name, candidate.split()[0]))
            elif name == "style":
                self.references += _css_references(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.references += _css_references(data)


def _css_references(css: str) -> list[Reference]:
    found = [Reference("url()", _first(m)) for m in _CSS_URL.finditer(css)]
    return found + [Reference("@import", _first(m)) for m in _CSS_IMPORT.finditer(css)]


def _first(match: re.Match[str]) -> str:
    """The one alternative of a quoted-or-bare URL pattern that matched."""
    return next(g for g in match.groups() if g is not None).strip()


def _svg(data: bytes) -> tuple[list[Reference], set[str]]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    root = etree.fromstring(data, parser)
    references: list[Reference] = []
    ids: set[str] = set()
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            local = etree.QName(name).localname
            if local == "id":
                ids.add(value)
            elif local == "href":
                references.append(Reference("href", value.strip()))
            elif local == "style":
                references += _css_references(value)
        if etree.QName(element).localname == "style" and element.text:
            references += _css_references(element.text)
    return references, ids


@dataclass(frozen=True, slots=True)
class _Document:
    references: tuple[Reference, ...]
    ids: frozenset[str]


def _read(path: Path) -> _Document | None:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        return _Document(tuple(page.references), frozenset(page.ids))
    if suffix == ".css":
        return _Document(tuple(_css_references(path.read_text(encoding="utf-8"))), frozenset())
    if suffix == ".svg":
        references, ids = _svg(path.read_bytes())
        return _Document(tuple(references), frozenset(ids))
    return None


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def html_pages(root: Path) -> list[str]:
    """Every HTML page of an output, as a path relative to ``root``, sorted."""
    return sorted(p for p in _files(root) if p.endswith((".html", ".htm")))


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def _target(source: str, url: str) -> tuple[str, str]:
    """(path relative to the output root, fragment) of a local reference made in ``source``."""
    parts = urlsplit(url)
    if not parts.path:
        return source, unquote(parts.fragment)
    joined = posixpath.join(posixpath.dirname(source), unquote(parts.path))
    return posixpath.normpath(joined), unquote(parts.fragment)


def _documents(root: Path, files: Collection[str]) -> Iterator[tuple[str, _Document]]:
    for name in sorted(files):
        document = _read(root / name)
        if document is not None:
            yield name, document


def reference_problems(
    root: Path, sco_launches: Collection[str] = (), *, fragments: bool = True
) -> list[str]:
    """Every reference under ``root`` to a file (or, with ``fragments``, an element id of a page)
    that the output does not have.

    ``sco_launches`` are the launch pages of a package's SCOs: a SCO page that refers to another
    one is a problem too.
    """
    files = _files(root)
    documents = dict(_documents(root, files))
    problems: list[str] = []
    for name, document in documents.items():
        for ref in document.references:
            if _is_external(ref.url):
                if urlsplit(ref.url).scheme.lower() == "javascript":
                    problems.append(f"{name}: {ref.attribute} {ref.url!r}: a javascript: URL")
                continue
            path, fragment = _target(name, ref.url)
            where = f"{name}: {ref.attribute} {ref.url!r}"
            if path.startswith("../") or path not in files:
                problems.append(f"{where}: no such file in the output")
                continue
            if name in sco_launches and path in sco_launches and path != name:
                problems.append(f"{where}: a SCO must not refer to another SCO's page")
            target = documents.get(path)
            if fragments and fragment and target is not None and fragment not in target.ids:
                problems.append(f"{where}: {path} has no element with id {fragment!r}")
    return problems


def sco_pages(root: Path) -> list[str]:
    """The launch pages of the SCOs of an extracted package, in manifest order."""
    manifest = etree.parse(str(root / MANIFEST), etree.XMLParser(no_network=True)).getroot()
    launches = []
    for resource in manifest.iterfind("{*}resources/{*}resource"):
        kind = next(
            (v for k, v in resource.attrib.items() if k.lower().endswith("}scormtype")), None
        )
        href = resource.get("href")
        if kind == "sco" and href:
            launches.append(posixpath.normpath(unquote(href)))
    return launches


def package_problems(zip_path: Path, dest: Path, *, fragments: bool = True) -> list[str]:
    """Extract a SCORM package into ``dest``; every missing file or SCO-to-SCO reference (and
    missing fragment, see ``reference_problems``)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(dest)
    files = _files(dest)
    manifest = etree.parse(str(dest / MANIFEST), etree.XMLParser(no_network=True)).getroot()
    listed, launches = manifest_paths(manifest)
    problems = [
        f"{MANIFEST}:{line}: {path!r}: no such file in the package"
        for line, path in listed + launches
        if path not in files
    ]
    return problems + reference_problems(dest, sco_pages(dest), fragments=fragments)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
