"""The imsmanifest.xml of a SCORM package: coursec's layout, in either edition.

Pure data in, content package (coursec.exporters.content_package) out: the exporter decides
what goes into the zip, this module only describes it, and the edition
(coursec.exporters.scorm.editions) says it in its own schemas.

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
from typing import TYPE_CHECKING

from ..content_package import (
    ContentPackage,
    Item,
    Metadata,
    Organization,
    Resource,
    manifest_tree,
    xml_id,
)
from ..content_package import manifest_bytes as package_bytes
from .editions import ScormEdition, edition_named
from .identifiers import item_identifier, module_objective_id, objective_global_id

if TYPE_CHECKING:
    from lxml import etree

    from coursec.questions.interactions import Edition

__all__ = [
    "SHARED_RESOURCE_ID",
    "ManifestItem",
    "ManifestSpec",
    "build_manifest",
    "content_package",
    "manifest_bytes",
]

SHARED_RESOURCE_ID = "SHARED-ASSETS"

_COURSE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_XS_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One SCO: a module, or the whole course on one page."""

    identifier: str
    title: str
    launch: str
    files: tuple[str, ...]
    objective_ids: tuple[str, ...]
    mastery_score: int | None = None


@dataclass(frozen=True, slots=True)
class ManifestSpec:
    edition: Edition
    course_id: str
    title: str
    description: str
    language: str
    version: str
    keywords: tuple[str, ...]
    items: tuple[ManifestItem, ...]
    shared_files: tuple[str, ...]
    languages: tuple[str, ...] = ()  # every language of the course, its own first (LOM lists them)


def _validate(spec: ManifestSpec) -> None:
    """What SCORM needs beyond a valid content package (coursec.exporters.content_package
    checks identifiers, references and paths)."""
    if not _COURSE_ID.fullmatch(spec.course_id):
        raise ValueError(f"course_id {spec.course_id!r} must be a slug of [a-z0-9-]")
    if not _XS_LANGUAGE.fullmatch(spec.language):
        raise ValueError(f"language {spec.language!r} is not a BCP 47 tag")
    if not spec.title.strip():
        raise ValueError("the course needs a title")
    if not spec.items:
        raise ValueError("a SCORM package needs at least one item")
    seen_objectives: set[str] = set()
    for item in spec.items:
        if not item.title.strip():
            raise ValueError(f"item {item.identifier!r} needs a title")
        ms = item.mastery_score
        if ms is not None and (isinstance(ms, bool) or not 0 <= ms <= 100):
            raise ValueError(f"mastery_score of {item.identifier!r} must be 0..100, got {ms!r}")
        globals_ = {objective_global_id(spec.course_id, o) for o in item.objective_ids}
        globals_.add(module_objective_id(spec.course_id, item.identifier))
        clash = seen_objectives & globals_
        if clash or len(globals_) != len(item.objective_ids) + 1:
            raise ValueError(f"objective ids of {item.identifier!r} are not unique in the course")
        seen_objectives |= globals_


def _sco(
    edition: ScormEdition, course_id: str, item: ManifestItem, needs: tuple[str, ...]
) -> tuple[Item, Resource]:
    """A SCO's item and resource; `needs`: the resources every SCO depends on."""
    resource_id = xml_id("RES-", item.identifier)
    extensions = edition.sco_extensions(
        item.mastery_score,
        module_objective_id(course_id, item.identifier),
        tuple(objective_global_id(course_id, o) for o in item.objective_ids),
    )
    launchable = Item(item_identifier(item.identifier), item.title, resource_id, (), extensions)
    resource = Resource(
        resource_id,
        "webcontent",
        tuple(sorted({*item.files, item.launch})),
        item.launch,
        needs,
        edition.resource_attributes("sco"),
    )
    return launchable, resource


def content_package(spec: ManifestSpec) -> ContentPackage:
    """The content package of `spec`; raises ValueError on an unusable spec."""
    edition = edition_named(spec.edition)
    _validate(spec)
    needs = (SHARED_RESOURCE_ID,) if spec.shared_files else ()
    scos = [_sco(edition, spec.course_id, item, needs) for item in spec.items]
    items = tuple(item for item, _ in scos)
    resources = [resource for _, resource in scos]
    if spec.shared_files:
        shared = tuple(sorted(set(spec.shared_files)))
        asset = edition.resource_attributes("asset")
        resources.append(Resource(SHARED_RESOURCE_ID, "webcontent", shared, attributes=asset))

    # Several modules hang under ONE non-launchable cluster item (scorm-notes quirk #12):
    # Moodle's stock player disables its sibling skip buttons between top-level items
    # unless they share such a root (exelearning PR #2244). Modules are leaves today, so
    # Next/Previous would work without it, but the wrap costs only one extra menu level
    # (named after the course) and keeps skipping working once modules get sub-pages.
    # A single SCO stays directly under the organization: there is nothing to step
    # through, and the cluster would only add an empty menu level.
    if len(items) > 1:
        cluster_id = xml_id("ROOT-", spec.course_id)
        items = (Item(cluster_id, spec.title, None, items, edition.parent_extensions),)
    organization = Organization(
        xml_id("ORG-", spec.course_id),
        spec.title,
        items,
        edition.organization_attributes,
        edition.parent_extensions,
    )
    return ContentPackage(
        identifier=xml_id("MANIFEST-", spec.course_id),
        namespace=edition.namespace,
        metadata=Metadata("ADL SCORM", edition.schemaversion, (edition.metadata(spec),)),
        organizations=(organization,),
        resources=tuple(resources),
        prefixes=edition.prefixes,
        schema_locations=edition.schema_locations,
        version=spec.version,
    )


def build_manifest(spec: ManifestSpec) -> etree._ElementTree:
    """The imsmanifest.xml tree for ``spec``; raises ValueError on an unusable spec."""
    return manifest_tree(content_package(spec))


def manifest_bytes(spec: ManifestSpec) -> bytes:
    """The manifest as pretty-printed UTF-8 with an XML declaration; same spec, same bytes."""
    return package_bytes(content_package(spec))
