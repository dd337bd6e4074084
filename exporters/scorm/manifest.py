"""Build the imsmanifest.xml of a SCORM 1.2 or SCORM 2004 4th Edition package.

Pure data in, lxml tree (or bytes) out: no file access, so the SCORM exporter decides
what goes into the zip and this module only describes it.

Shapes produced (identifiers in brackets):

* one item  -> organization [ORG-<course>] > launchable item [ITEM-<module>]
* several   -> organization [ORG-<course>] > one non-launchable cluster [ROOT-<course>]
  > one launchable item per module, in course order.

Each module is one SCO resource [RES-<module>] listing its own files; the files every
SCO uses form one asset resource [SHARED-ASSETS] that each SCO depends on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

from lxml import etree

__all__ = [
    "ManifestItem",
    "ManifestSpec",
    "build_manifest",
    "item_identifier",
    "manifest_bytes",
    "module_objective_id",
    "objective_global_id",
]

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# SCORM 1.2
CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

# SCORM 2004 4th Edition
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"

_SCHEMA_LOCATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "1.2": (
        (CP12, "imscp_rootv1p1p2.xsd"),
        (IMSMD, "imsmd_rootv1p2p1.xsd"),
        (ADLCP12, "adlcp_rootv1p2.xsd"),
    ),
    "2004": (
        (CP, "imscp_v1p1.xsd"),
        (ADLCP, "adlcp_v1p3.xsd"),
        (ADLSEQ, "adlseq_v1p3.xsd"),
        (ADLNAV, "adlnav_v1p3.xsd"),
        (IMSSS, "imsss_v1p0.xsd"),
        (LOM, "lom.xsd"),
    ),
}
_SCHEMAVERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}

SHARED_RESOURCE_ID = "SHARED-ASSETS"

_COURSE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_XS_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One module = one SCO."""

    identifier: str
    title: str
    launch: str
    files: tuple[str, ...]
    objective_ids: tuple[str, ...]
    mastery_score: int | None = None


@dataclass(frozen=True, slots=True)
class ManifestSpec:
    edition: Literal["1.2", "2004"]
    course_id: str
    title: str
    description: str
    language: str
    version: str
    keywords: tuple[str, ...]
    items: tuple[ManifestItem, ...]
    shared_files: tuple[str, ...]


def objective_global_id(course_id: str, objective_id: str) -> str:
    """ID of a learning objective, both in the manifest and in ``cmi.objectives.n.id``.

    The local ``objectiveID`` and the global ``targetObjectiveID`` are the same string, so
    whatever the runtime writes is linked to sequencing without a lookup table. The course
    prefix keeps it apart from other courses even on an LMS that ignores
    ``objectivesGlobalToSystem="false"``.
    """
    return f"{course_id}.{objective_id}"


def module_objective_id(course_id: str, module_id: str) -> str:
    """ID of a module's primary objective (the module as a whole is satisfied)."""
    return f"{course_id}.module.{module_id}"


def _xml_id(prefix: str, raw: str) -> str:
    """A valid xs:ID (and LMS-safe, letter first) made from an arbitrary module id."""
    return prefix + _NOT_ID_CHAR.sub("_", raw)


def item_identifier(module_identifier: str) -> str:
    """The identifier of a module's item: the activity a 2004 `{target=...}choice` names."""
    return _xml_id("ITEM-", module_identifier)


def _href(path: str) -> str:
    """Percent-encode a package path for use as a URI reference."""
    return quote(path, safe="/")


def _check_path(path: str, what: str) -> None:
    parts = path.split("/")
    if (
        not path
        or "\\" in path
        or path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path)
    ):
        raise ValueError(f"{what} {path!r} is not a relative posix path inside the package")


def _validate(spec: ManifestSpec) -> None:
    if spec.edition not in _SCHEMAVERSION:
        raise ValueError(f"unknown SCORM edition {spec.edition!r}; expected '1.2' or '2004'")
    if not _COURSE_ID.fullmatch(spec.course_id):
        raise ValueError(f"course_id {spec.course_id!r} must be a slug of [a-z0-9-]")
    if not _XS_LANGUAGE.fullmatch(spec.language):
        raise ValueError(f"language {spec.language!r} is not a BCP 47 tag")
    if not spec.title.strip():
        raise ValueError("the course needs a title")
    if not spec.items:
        raise ValueError("a SCORM package needs at least one item")
    for path in spec.shared_files:
        _check_path(path, "shared file")
    seen_objectives: set[str] = set()
    for item in spec.items:
        if not item.title.strip():
            raise ValueError(f"item {item.identifier!r} needs a title")
        _check_path(item.launch, f"launch page of {item.identifier!r}")
        for path in item.files:
            _check_path(path, f"file of {item.identifier!r}")
        ms = item.mastery_score
        if ms is not None and (isinstance(ms, bool) or not 0 <= ms <= 100):
            raise ValueError(f"mastery_score of {item.identifier!r} must be 0..100, got {ms!r}")
        globals_ = {objective_global_id(spec.course_id, o) for o in item.objective_ids}
        globals_.add(module_objective_id(spec.course_id, item.identifier))
        clash = seen_objectives & globals_
        if clash or len(globals_) != len(item.objective_ids) + 1:
            raise ValueError(f"objective ids of {item.identifier!r} are not unique in the course")
        seen_objectives |= globals_


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


class _Ids:
    """Hands out identifiers and refuses duplicates (xs:ID must be unique)."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def new(self, value: str, origin: str) -> str:
        if value in self._seen:
            raise ValueError(f"identifier {value!r} of {origin} collides with {self._seen[value]}")
        self._seen[value] = origin
        return value


def build_manifest(spec: ManifestSpec) -> etree._ElementTree:
    """The imsmanifest.xml tree for ``spec``; raises ValueError on an unusable spec."""
    _validate(spec)
    v12 = spec.edition == "1.2"
    cp = CP12 if v12 else CP
    adlcp = ADLCP12 if v12 else ADLCP
    nsmap: dict[str | None, str]
    if v12:
        nsmap = {None: CP12, "adlcp": ADLCP12, "imsmd": IMSMD, "xsi": XSI}
    else:
        nsmap = {
            None: CP,
            "adlcp": ADLCP,
            "adlseq": ADLSEQ,
            "adlnav": ADLNAV,
            "imsss": IMSSS,
            "xsi": XSI,
        }
    ids = _Ids()
    item_ids = [
        ids.new(item_identifier(it.identifier), f"item {it.identifier!r}") for it in spec.items
    ]
    res_ids = [
        ids.new(_xml_id("RES-", it.identifier), f"item {it.identifier!r}") for it in spec.items
    ]
    org_id = ids.new(_xml_id("ORG-", spec.course_id), "the organization")
    root_id = ids.new(_xml_id("ROOT-", spec.course_id), "the cluster item")
    shared_id = ids.new(SHARED_RESOURCE_ID, "the shared asset resource")

    manifest = etree.Element(f"{{{cp}}}manifest", nsmap=nsmap)  # type: ignore[arg-type]
    manifest.set("identifier", ids.new(_xml_id("MANIFEST-", spec.course_id), "the manifest"))
    manifest.set("version", spec.version)
    manifest.set(
        f"{{{XSI}}}schemaLocation",
        " ".join(f"{ns} {loc}" for ns, loc in _SCHEMA_LOCATIONS[spec.edition]),
    )

    metadata = _sub(manifest, f"{{{cp}}}metadata")
    _sub(metadata, f"{{{cp}}}schema", "ADL SCORM")
    _sub(metadata, f"{{{cp}}}schemaversion", _SCHEMAVERSION[spec.edition])
    if v12:
        _imsmd_metadata(metadata, spec)
    else:
        _lom_metadata(metadata, spec)

    organizations = _sub(manifest, f"{{{cp}}}organizations", default=org_id)
    org = _sub(organizations, f"{{{cp}}}organization", identifier=org_id)
    if not v12:
        org.set(f"{{{ADLSEQ}}}objectivesGlobalToSystem", "false")
    _sub(org, f"{{{cp}}}title", spec.title)

    # Several modules hang under ONE non-launchable cluster item (scorm-notes quirk #12):
    # Moodle's stock player disables its sibling skip buttons between top-level items
    # unless they share such a root (exelearning PR #2244). Modules are leaves today, so
    # Next/Previous would work without it, but the wrap costs only one extra menu level
    # (named after the course) and keeps skipping working once modules get sub-pages.
    # A single SCO stays directly under the organization: there is nothing to step
    # through, and the cluster would only add an empty menu level.
    parent = org
    if len(spec.items) > 1:
        parent = _sub(org, f"{{{cp}}}item", identifier=root_id)
        _sub(parent, f"{{{cp}}}title", spec.title)

    for item, item_id, res_id in zip(spec.items, item_ids, res_ids, strict=True):
        el = _sub(parent, f"{{{cp}}}item", identifier=item_id, identifierref=res_id)
        _sub(el, f"{{{cp}}}title", item.title)
        if v12:
            if item.mastery_score is not None:
                _sub(el, f"{{{ADLCP12}}}masteryscore", str(item.mastery_score))
        else:
            _item_sequencing(el, spec.course_id, item)

    if not v12:
        # The parent of the modules gets flow (Continue/Previous in course order) and choice
        # (the menu tree stays clickable). Flow must be on every ancestor too, or the LMS's
        # Start request cannot descend to the first module, so the organization gets it
        # as well (and is the parent itself for a single SCO).
        if parent is not org:
            _control_mode(parent)
        _control_mode(org)

    resources = _sub(manifest, f"{{{cp}}}resources")
    for item, res_id in zip(spec.items, res_ids, strict=True):
        res = _sub(resources, f"{{{cp}}}resource", identifier=res_id, type="webcontent")
        res.set(f"{{{adlcp}}}{'scormtype' if v12 else 'scormType'}", "sco")
        res.set("href", _href(item.launch))
        for path in sorted({*item.files, item.launch}):
            _sub(res, f"{{{cp}}}file", href=_href(path))
        if spec.shared_files:
            _sub(res, f"{{{cp}}}dependency", identifierref=shared_id)
    if spec.shared_files:
        res = _sub(resources, f"{{{cp}}}resource", identifier=shared_id, type="webcontent")
        res.set(f"{{{adlcp}}}{'scormtype' if v12 else 'scormType'}", "asset")
        for path in sorted(set(spec.shared_files)):
            _sub(res, f"{{{cp}}}file", href=_href(path))

    return etree.ElementTree(manifest)


def _control_mode(parent: etree._Element) -> None:
    seq = _sub(parent, f"{{{IMSSS}}}sequencing")
    _sub(seq, f"{{{IMSSS}}}controlMode", choice="true", flow="true")


def _item_sequencing(el: etree._Element, course_id: str, item: ManifestItem) -> None:
    """imsss:sequencing of one SCO; children in the order imsss_v1p0.xsd requires."""
    seq = _sub(el, f"{{{IMSSS}}}sequencing")
    if item.mastery_score is None:
        # No knowledge check: the module's satisfaction (if the SCO reports one at all)
        # and its absent score must not decide or dilute the course's pass state.
        _sub(
            seq,
            f"{{{IMSSS}}}rollupRules",
            rollupObjectiveSatisfied="false",
            objectiveMeasureWeight="0",
        )
    objectives = _sub(seq, f"{{{IMSSS}}}objectives")
    primary_id = module_objective_id(course_id, item.identifier)
    primary = _sub(objectives, f"{{{IMSSS}}}primaryObjective", objectiveID=primary_id)
    if item.mastery_score is None:
        primary.set("satisfiedByMeasure", "false")
    else:
        primary.set("satisfiedByMeasure", "true")
        measure = Decimal(item.mastery_score) / Decimal(100)
        _sub(primary, f"{{{IMSSS}}}minNormalizedMeasure", format(measure, "f"))
    _map_info(primary, primary_id)
    for objective in item.objective_ids:
        global_id = objective_global_id(course_id, objective)
        obj = _sub(objectives, f"{{{IMSSS}}}objective", objectiveID=global_id)
        _map_info(obj, global_id)
    _sub(
        seq,
        f"{{{IMSSS}}}deliveryControls",
        completionSetByContent="true",
        objectiveSetByContent="true",
    )


def _map_info(objective: etree._Element, target: str) -> None:
    # Reading stays at its default (true); writing is off by default and must be enabled.
    _sub(
        objective,
        f"{{{IMSSS}}}mapInfo",
        targetObjectiveID=target,
        writeSatisfiedStatus="true",
        writeNormalizedMeasure="true",
    )


def _lom_metadata(metadata: etree._Element, spec: ManifestSpec) -> None:
    """Inline IEEE LOM (lom.xsd, strict vocabularies: only free-text elements are used)."""
    lom = etree.SubElement(metadata, f"{{{LOM}}}lom", nsmap={None: LOM})  # type: ignore[dict-item]
    general = _sub(lom, f"{{{LOM}}}general")

    def lang_string(parent: etree._Element, tag: str, text: str, lang: str | None) -> None:
        container = _sub(parent, f"{{{LOM}}}{tag}")
        string = _sub(container, f"{{{LOM}}}string", text)
        if lang is not None:
            string.set("language", lang)

    lang_string(general, "title", spec.title, spec.language)
    _sub(general, f"{{{LOM}}}language", spec.language)
    if spec.description.strip():
        lang_string(general, "description", spec.description, spec.language)
    for keyword in spec.keywords:
        lang_string(general, "keyword", keyword, spec.language)
    if spec.version:
        lang_string(_sub(lom, f"{{{LOM}}}lifeCycle"), "version", spec.version, None)


def _imsmd_metadata(metadata: etree._Element, spec: ManifestSpec) -> None:
    """IMS Learning Resource Meta-data 1.2.1, the metadata binding of SCORM 1.2."""
    lom = _sub(metadata, f"{{{IMSMD}}}lom")
    general = _sub(lom, f"{{{IMSMD}}}general")

    def langstring(parent: etree._Element, tag: str, text: str, lang: str | None) -> None:
        container = _sub(parent, f"{{{IMSMD}}}{tag}")
        string = _sub(container, f"{{{IMSMD}}}langstring", text)
        if lang is not None:
            string.set(f"{{{XML_NS}}}lang", lang)

    langstring(general, "title", spec.title, spec.language)
    _sub(general, f"{{{IMSMD}}}language", spec.language)
    if spec.description.strip():
        langstring(general, "description", spec.description, spec.language)
    for keyword in spec.keywords:
        langstring(general, "keyword", keyword, spec.language)
    if spec.version:
        langstring(_sub(lom, f"{{{IMSMD}}}lifecycle"), "version", spec.version, None)


def manifest_bytes(spec: ManifestSpec) -> bytes:
    """The manifest as pretty-printed UTF-8 with an XML declaration; same spec, same bytes."""
    body = etree.tostring(
        build_manifest(spec), encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
