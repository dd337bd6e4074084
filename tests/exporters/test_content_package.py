"""The edition-neutral content package: a package of no SCORM edition (plain IMS CP 1.1.4, a
profile's own elements and attributes, a Common Cartridge-style assessment resource) written,
read back and validated; the checks that refuse a package that could not be valid."""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from conftest import MODULE_MD, MakeCourse
from coursec.build import build
from coursec.exporters.content_package import (
    MANIFEST,
    XSI,
    ContentPackage,
    Item,
    Metadata,
    Node,
    Organization,
    Resource,
    manifest_bytes,
    manifest_tree,
    write_package,
    xml_id,
)
from coursec.exporters.lom import IEEE_LOM, IMS_MD_1_2_1, lom_record
from coursec.options import BuildOptions
from coursec.output import OutputFile
from support.scorm_package import CP, validate_imscp_xsd

PROFILE = "urn:example:profile"  # stands for a profile's own schema (SCORM's adlcp, CC's ...)
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
NS = {"cp": CP, "p": PROFILE}


@dataclasses.dataclass(frozen=True)
class About:
    title: str = "Databases: first steps"
    language: str = "en"
    description: str = "Tables, keys and queries."
    keywords: tuple[str, ...] = ("sql",)
    version: str = "2.0"
    languages: tuple[str, ...] = ()


def package() -> ContentPackage:
    """Two pages under one cluster, a shared stylesheet, and an assessment that no item launches
    (as Common Cartridge packages a QTI file)."""
    pages = (
        Item("ITEM-a", "Page A", "RES-a", extensions=(Node(f"{{{PROFILE}}}note", "first"),)),
        Item("ITEM-b", "Page B", "RES-b"),
    )
    return ContentPackage(
        identifier="MANIFEST-demo",
        namespace=CP,
        metadata=Metadata("IMS Content", "1.1.4", (lom_record(IEEE_LOM, About(), declare=True),)),
        organizations=(
            Organization(
                "ORG-demo",
                "Demo",
                (Item("ROOT-demo", "Demo", None, pages),),
                attributes=(("structure", "rooted-hierarchy"),),
                extensions=(Node(f"{{{PROFILE}}}flag", attributes=(("on", "yes"),)),),
            ),
        ),
        resources=(
            Resource(
                "RES-a",
                "webcontent",
                ("a/index.html", "a/pic one.png"),
                "a/index.html",
                ("RES-shared",),
                ((f"{{{PROFILE}}}kind", "page"),),
            ),
            Resource("RES-b", "webcontent", ("b/index.html",), "b/index.html", ("RES-shared",)),
            Resource("RES-shared", "webcontent", ("shared/style.css",)),
            Resource(
                "RES-quiz", "imsqti_xmlv1p2/imscc_xmlv1p1/assessment", ("quiz/assessment.xml",)
            ),
        ),
        prefixes=(("p", PROFILE),),
        schema_locations=((CP, "imscp_v1p1.xsd"),),
        version="2.0",
    )


def files(pkg: ContentPackage) -> list[OutputFile]:
    return [OutputFile(path, f"<!-- {path} -->".encode()) for path in sorted(pkg.files())]


def xpath(el: etree._Element, path: str) -> list[etree._Element]:
    found = el.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def test_a_package_of_no_scorm_edition_is_written_and_reads_back(tmp_path: Path) -> None:
    pkg = package()
    path = tmp_path / "demo.zip"
    write_package(path, pkg, files(pkg), WHEN)

    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == sorted([MANIFEST, *pkg.files()])
        xml = archive.read(MANIFEST)
        assert archive.read("a/index.html") == b"<!-- a/index.html -->"
    assert validate_imscp_xsd(xml) == []
    root = etree.fromstring(xml)
    assert root.nsmap == {None: CP, "p": PROFILE, "xsi": XSI}
    assert (root.get("identifier"), root.get("version")) == ("MANIFEST-demo", "2.0")
    assert root.get(f"{{{XSI}}}schemaLocation") == f"{CP} imscp_v1p1.xsd"

    metadata = xpath(root, "cp:metadata")[0]
    assert [etree.QName(c).localname for c in metadata] == ["schema", "schemaversion", "lom"]
    assert [c.text for c in metadata[:2]] == ["IMS Content", "1.1.4"]
    assert metadata[2].nsmap[None] == IEEE_LOM.namespace

    (org,) = xpath(root, "cp:organizations/cp:organization")
    assert xpath(root, "cp:organizations")[0].get("default") == "ORG-demo"
    assert org.get("structure") == "rooted-hierarchy"
    # a profile's elements come after the title and the child items
    assert [etree.QName(c).localname for c in org] == ["title", "item", "flag"]
    (cluster,) = xpath(org, "cp:item")
    assert cluster.get("identifierref") is None
    leaves = xpath(cluster, "cp:item")
    assert [(i.get("identifier"), i.get("identifierref")) for i in leaves] == [
        ("ITEM-a", "RES-a"),
        ("ITEM-b", "RES-b"),
    ]
    assert [etree.QName(c).localname for c in leaves[0]] == ["title", "note"]
    assert xpath(leaves[0], "p:note")[0].text == "first"

    resources = {r.get("identifier"): r for r in xpath(root, "cp:resources/cp:resource")}
    assert list(resources) == ["RES-a", "RES-b", "RES-shared", "RES-quiz"]
    page = resources["RES-a"]
    assert (page.get("type"), page.get("href"), page.get(f"{{{PROFILE}}}kind")) == (
        "webcontent",
        "a/index.html",
        "page",
    )
    assert [f.get("href") for f in xpath(page, "cp:file")] == ["a/index.html", "a/pic%20one.png"]
    assert [d.get("identifierref") for d in xpath(page, "cp:dependency")] == ["RES-shared"]
    quiz = resources["RES-quiz"]
    assert quiz.get("type") == "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"
    assert quiz.get("href") is None


def test_the_manifest_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    xml = manifest_bytes(package())
    assert xml == manifest_bytes(package())
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest ')
    write_package(tmp_path / "1.zip", package(), files(package()), WHEN)
    write_package(tmp_path / "2.zip", package(), reversed(files(package())), WHEN)
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()


def test_only_the_namespaces_given_are_declared() -> None:
    bare = dataclasses.replace(package(), prefixes=(), schema_locations=())
    bare = dataclasses.replace(
        bare,
        metadata=Metadata("IMS Content", "1.1.4"),
        organizations=(Organization("ORG-demo", "Demo", (Item("ITEM-b", "Page B", "RES-b"),)),),
        resources=(Resource("RES-b", "webcontent", ("b/index.html",), "b/index.html"),),
    )
    root = manifest_tree(bare).getroot()
    assert root.nsmap == {None: CP}
    assert root.get(f"{{{XSI}}}schemaLocation") is None
    assert validate_imscp_xsd(manifest_bytes(bare)) == []


def test_lom_bindings_spell_the_record_their_way() -> None:
    ims = lom_record(IMS_MD_1_2_1, About(version=""))
    general = ims.children[0]
    title = general.children[0].children[0]
    assert (title.tag, title.attributes) == (
        f"{{{IMS_MD_1_2_1.namespace}}}langstring",
        (("{http://www.w3.org/XML/1998/namespace}lang", "en"),),
    )
    assert ims.namespaces == ()
    assert len(ims.children) == 1  # no version: no life cycle
    ieee = lom_record(IEEE_LOM, About(description=" "), declare=True)
    assert ieee.namespaces == ((None, IEEE_LOM.namespace),)
    tags = [etree.QName(c.tag).localname for c in ieee.children[0].children]
    assert tags == ["title", "language", "keyword"]  # a blank description is left out
    assert etree.QName(ieee.children[1].tag).localname == "lifeCycle"


def test_xml_id_makes_any_id_an_xs_id() -> None:
    assert xml_id("ITEM-", "2 b'c") == "ITEM-2_b_c"
    assert xml_id("RES-", "intro.v2_x-y") == "RES-intro.v2_x-y"


def _item(pkg: ContentPackage, **changes: object) -> ContentPackage:
    """`pkg` with its first page item changed."""
    org = pkg.organizations[0]
    cluster = org.items[0]
    first = dataclasses.replace(cluster.children[0], **changes)
    cluster = dataclasses.replace(cluster, children=(first, *cluster.children[1:]))
    return dataclasses.replace(pkg, organizations=(dataclasses.replace(org, items=(cluster,)),))


def _resource(pkg: ContentPackage, **changes: object) -> ContentPackage:
    """`pkg` with its first resource changed."""
    first = dataclasses.replace(pkg.resources[0], **changes)
    return dataclasses.replace(pkg, resources=(first, *pkg.resources[1:]))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (_item(package(), identifier="ITEM-b"), "'ITEM-b' of item 'Page B' collides with item"),
        (_item(package(), identifier="RES-a"), "'RES-a' of a resource collides with item 'Page A'"),
        (_item(package(), identifier="1st"), "'1st' of item 'Page A' is not an xs:ID"),
        (_item(package(), resource="RES-gone"), "item 'ITEM-a' names no resource: 'RES-gone'"),
        (_resource(package(), dependencies=("NOPE",)), "'RES-a' depends on no resource: 'NOPE'"),
        (_resource(package(), href="a/other.html"), "launches 'a/other.html', which it does not"),
        (_resource(package(), files=("../a.html",)), "'../a.html' is not a relative posix path"),
        (_resource(package(), files=("C:/a.html",)), "is not a relative posix path"),
        (_resource(package(), files=("a\\b.html",)), "is not a relative posix path"),
    ],
)
def test_a_package_that_could_not_be_valid_is_refused(
    broken: ContentPackage, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=message):
        manifest_bytes(broken)
    with pytest.raises(ValueError, match=message):
        write_package(tmp_path / "broken.zip", broken, files(broken), WHEN)
    assert not (tmp_path / "broken.zip").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda fs: fs[1:], r"missing \['a/index.html'\], not listed \[\], given twice \[\]"),
        (lambda fs: [*fs, OutputFile("notes.txt", b"")], r"not listed \['notes.txt'\]"),
        (lambda fs: [*fs, fs[0]], r"given twice \['a/index.html'\]"),
        (lambda fs: [*fs, OutputFile(MANIFEST, b"")], r"given twice \['imsmanifest.xml'\]"),
    ],
)
def test_the_zip_holds_exactly_the_files_the_manifest_lists(
    change: Callable[[list[OutputFile]], list[OutputFile]], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=message):
        write_package(tmp_path / "demo.zip", package(), change(files(package())), WHEN)
    assert not (tmp_path / "demo.zip").exists()


def test_the_imscp_check_can_fail() -> None:
    """(The XSD check above must be able to fail.)"""
    xml = manifest_bytes(package())
    problems = validate_imscp_xsd(xml.replace(b' type="webcontent"', b"", 1))
    assert any("The attribute 'type' is required" in p for p in problems), problems


@pytest.mark.parametrize(
    ("formats", "settings"),
    [
        (("cmi5",), {}),
        (("scorm2004",), {}),
        (("scorm12",), {"scorm": {"packaging": "multi-sco"}}),
    ],
)
def test_a_package_of_units_with_no_published_module_is_a_diagnostic(
    make_course: MakeCourse,
    tmp_path: Path,
    formats: tuple[str, ...],
    settings: dict[str, dict[str, str]],
) -> None:
    """A course whose modules are all coming soon has no AU or SCO to package: CS541 at
    course.yml, not an internal error (CS902) from the manifest's own checks."""
    module = MODULE_MD.replace("summary:", "status: coming-soon\nsummary:")
    course_dir = make_course(modules={"modules/one.md": module})
    options = BuildOptions(formats=formats, out_dir=tmp_path / "out", settings=settings, jobs=1)
    result = build(course_dir, options)
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["CS541"]
    [diagnostic] = result.diagnostics
    assert diagnostic.span is not None and diagnostic.span.path == course_dir / "course.yml"
    assert not (tmp_path / "out").exists()
