"""The imsmanifest.xml of a cartridge: Common Cartridge 1.1's profile of IMS CP 1.2, described
with the shared content-packaging model (coursec.exporters.content_package).

Shape (identifiers in brackets), as both importers walk it: Moodle's (backup/cc/cc2moodle.php,
`organization/item` and below: the items under the root become course sections, their children
activities) and Canvas's (lib/cc/importer/standard/org_converter.rb, `organization > item >
item`: one course module each):

* organization [ORG-<course>] > one untitled root item [ROOT-<course>]
  > one item per module [MODULE-<module>], titled, launching nothing
  > its page [PAGE-<module>] and, with a knowledge check, its quiz [QUIZ-<module>];
* resources: each page a `webcontent` resource [RES-<module>] that depends on the files every
  page uses [SHARED-ASSETS]; each quiz an `imsqti_xmlv1p2/imscc_xmlv1p1/assessment` resource
  [QTI-<module>] holding its one QTI file and no href.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content_package import ContentPackage, Item, Metadata, Organization, Resource, xml_id
from ..lom import CC_MANIFEST_LOM, lom_record

CC = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOMIMSCC = CC_MANIFEST_LOM.namespace
LOM_RESOURCE = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
PROFILE = "http://www.imsglobal.org/profile/cc/ccv1p1"
WEBCONTENT = "webcontent"
ASSESSMENT = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"
SHARED_RESOURCE_ID = "SHARED-ASSETS"


@dataclass(frozen=True, slots=True)
class ModuleEntry:
    """A module in the cartridge: its page, and its quiz's title and file if it has one."""

    id: str
    title: str
    page: str
    quiz_title: str | None = None
    quiz_file: str | None = None


@dataclass(frozen=True, slots=True)
class CartridgeSpec:
    course_id: str
    title: str
    description: str
    language: str
    version: str
    keywords: tuple[str, ...]
    modules: tuple[ModuleEntry, ...]
    shared_files: tuple[str, ...]
    languages: tuple[str, ...] = ()  # every language of the course, its own first (LOM lists them)


def content_package(spec: CartridgeSpec) -> ContentPackage:
    needs = (SHARED_RESOURCE_ID,) if spec.shared_files else ()
    items: list[Item] = []
    resources: list[Resource] = []
    for module in spec.modules:
        page_resource = xml_id("RES-", module.id)
        children = [Item(xml_id("PAGE-", module.id), module.title, page_resource)]
        resources.append(Resource(page_resource, WEBCONTENT, (module.page,), module.page, needs))
        if module.quiz_file is not None and module.quiz_title is not None:
            quiz_resource = xml_id("QTI-", module.id)
            children.append(Item(xml_id("QUIZ-", module.id), module.quiz_title, quiz_resource))
            resources.append(Resource(quiz_resource, ASSESSMENT, (module.quiz_file,)))
        items.append(Item(xml_id("MODULE-", module.id), module.title, None, tuple(children)))
    if spec.shared_files:
        shared = tuple(sorted(set(spec.shared_files)))
        resources.append(Resource(SHARED_RESOURCE_ID, WEBCONTENT, shared))
    root = Item(xml_id("ROOT-", spec.course_id), None, None, tuple(items))
    organization = Organization(
        xml_id("ORG-", spec.course_id), spec.title, (root,), (("structure", "rooted-hierarchy"),)
    )
    return ContentPackage(
        identifier=xml_id("MANIFEST-", spec.course_id),
        namespace=CC,
        metadata=Metadata("IMS Common Cartridge", "1.1.0", (lom_record(CC_MANIFEST_LOM, spec),)),
        organizations=(organization,),
        resources=tuple(resources),
        prefixes=(("lomimscc", LOMIMSCC), ("lom", LOM_RESOURCE)),
        schema_locations=(
            (CC, f"{PROFILE}/ccv1p1_imscp_v1p2_v1p0.xsd"),
            (LOMIMSCC, f"{PROFILE}/LOM/ccv1p1_lommanifest_v1p0.xsd"),
            (LOM_RESOURCE, f"{PROFILE}/LOM/ccv1p1_lomresource_v1p0.xsd"),
        ),
        default_organization=False,
    )
