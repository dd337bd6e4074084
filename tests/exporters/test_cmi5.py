"""The cmi5 package: cmi5.xml as CourseStructure.xsd lays it out, one AU per published module
with moveOn and masteryScore from its completion rule and knowledge check, relative launch
URLs, and exactly the files the AU pages use.

The official CourseStructure.xsd is not available to the tests (it was validated against by
hand): the structure is asserted element by element here, in the order the schema's sequences
require.
"""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from coursec.build import build
from coursec.exporters.cmi5 import Cmi5Options
from coursec.exporters.cmi5.package import course_structure
from coursec.exporters.cmi5.structure import (
    NAMESPACE,
    AssignableUnit,
    CourseStructure,
    MoveOn,
    course_structure_bytes,
    move_on,
)
from coursec.exporters.scorm import Packaging
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.quiz import quiz_view
from coursec.schema import CompletionRule
from support.builds import FORMATS, Builds
from support.languages import DATA
from support.outputs import reference_problems

C = f"{{{NAMESPACE}}}"
NS = {"c": NAMESPACE}


def _course(course_dir: Path) -> Course:
    course = load_course(course_dir).course
    assert course is not None
    return course


def _children(el: etree._Element) -> list[str]:
    return [str(child.tag).removeprefix(C) for child in el]


def test_course_structure_follows_the_course(course_dir: Path, built: Builds) -> None:
    course = _course(course_dir)
    package = built.cmi5(course_dir)
    root = etree.parse(str(package / "cmi5.xml")).getroot()
    assert root.tag == f"{C}courseStructure" and root.nsmap == {None: NAMESPACE}
    modules = course.published_modules
    has_objectives = any(m.objectives for m in modules)
    assert _children(root) == ["course"] + ["objectives"] * has_objectives + ["au"] * len(modules)

    [course_el] = root.iterfind("c:course", NS)
    assert course_el.get("id") == f"urn:coursec:{course.id}"
    assert _children(course_el) == ["title", "description"]
    assert course_el.findtext("c:title/c:langstring", namespaces=NS) == course.spec.title
    langs = {el.get("lang") for el in root.iterfind(".//c:langstring", NS)}
    assert langs == {course.spec.language}

    listed = [o.get("id") for o in root.iterfind("c:objectives/c:objective", NS)]
    expected = [f"urn:coursec:{course.id}/objective/{o.id}" for m in modules for o in m.objectives]
    assert listed == expected

    for module, au in zip(modules, root.iterfind("c:au", NS), strict=True):
        assert au.get("id") == f"urn:coursec:{course.id}/au/{module.id}"
        quiz = quiz_view(course, module)
        rule = course.completion_rule(module)
        if quiz is None:
            assert (au.get("moveOn"), au.get("masteryScore")) == ("Completed", None)
        else:
            wanted = "Passed" if rule is CompletionRule.QUIZ else "CompletedAndPassed"
            assert au.get("moveOn") == wanted
            assert Decimal(str(au.get("masteryScore"))) * 100 == quiz.quiz.passing_score
        assert au.get("launchMethod") == "AnyWindow"
        order = ["title", "description"] + ["objectives"] * bool(module.objectives) + ["url"]
        assert _children(au) == order
        assert au.findtext("c:title/c:langstring", namespaces=NS) == module.title
        refs = [o.get("idref") for o in au.iterfind("c:objectives/c:objective", NS)]
        assert refs == [f"urn:coursec:{course.id}/objective/{o.id}" for o in module.objectives]
        url = au.findtext("c:url", namespaces=NS)
        assert url == module.page and (package / url).is_file()  # relative, in the package


def test_the_sql_course_asks_for_each_rule(built: Builds) -> None:
    """sql-201's modules cover the three rules: the mapping is seen on real output."""
    root = Path(__file__).parents[2] / "courses" / "sql-201"
    tree = etree.parse(str(built.cmi5(root) / "cmi5.xml"))
    move_ons = [au.get("moveOn") for au in tree.iterfind("c:au", NS)]
    assert move_ons == ["CompletedAndPassed", "Passed", "CompletedAndPassed", "CompletedAndPassed"]


def test_au_pages_load_the_cmi5_runtime_first(course_dir: Path, built: Builds) -> None:
    package = built.cmi5(course_dir)
    course = _course(course_dir)
    for module in course.published_modules:
        page = etree.parse(str(package / module.page), etree.HTMLParser())
        scripts = [str(s.get("src")) for s in page.iterfind(".//script[@src]")]
        assert (
            scripts
            == [
                "static/coursec-cmi5.js",
                "static/coursec-scorm.js",
                "static/coursec-quiz.js",
            ][: 2 + bool(quiz_view(course, module))]
        )
        [config] = page.iterfind(".//script[@id='coursec-sco']")
        assert '"edition": "2004"' in str(config.text)


def test_package_holds_the_au_pages_and_their_files(course_dir: Path, built: Builds) -> None:
    package = built.cmi5(course_dir)
    course = _course(course_dir)
    files = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    pages = {m.page for m in course.published_modules}
    assert {f for f in files if f.endswith(".html")} == pages  # no course home, no glossary
    assert {"cmi5.xml", "static/coursec-cmi5.js", "static/coursec-scorm.js"} <= files
    assert not any(name.startswith("imsmanifest") for name in files)
    # every file a page asks for is there, and no AU links to another AU's page
    assert reference_problems(package, sorted(pages)) == []


def test_site_and_scorm_packages_leave_the_cmi5_runtime_out(
    course_dir: Path, built: Builds
) -> None:
    site = built.site(course_dir)
    assert not (site / "static" / "coursec-cmi5.js").exists()
    assert not (site / "static" / "coursec-scorm.js").exists()
    for edition in FORMATS:
        with zipfile.ZipFile(built.archive(course_dir, edition, Packaging.MULTI_SCO)) as zf:
            names = set(zf.namelist())
        assert "static/coursec-scorm.js" in names and "static/coursec-cmi5.js" not in names


def test_options_set_ids_and_launch_method(tmp_path: Path) -> None:
    course_dir = Path(__file__).parents[2] / "courses" / "agai-302"
    settings = {"cmi5": {"id_base": "https://example.org/c/agai/", "launch_method": "OwnWindow"}}
    out = tmp_path / "out"
    result = build(course_dir, BuildOptions(formats=("cmi5",), out_dir=out, settings=settings))
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(out / "agai-302-cmi5.zip") as zf:
        root = etree.fromstring(zf.read("cmi5.xml"))
    assert root.find("c:course", NS).get("id") == "https://example.org/c/agai"  # type: ignore[union-attr]
    [au] = root.iterfind("c:au", NS)
    assert au.get("id") == "https://example.org/c/agai/au/instrumental-convergence"
    assert au.get("launchMethod") == "OwnWindow"


def test_a_relative_id_base_is_refused(tmp_path: Path) -> None:
    course_dir = Path(__file__).parents[2] / "courses" / "agai-302"
    settings = {"cmi5": {"id_base": "courses/agai"}}
    result = build(course_dir, BuildOptions(formats=("cmi5",), out_dir=tmp_path, settings=settings))
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["CS206"]
    assert "must be an absolute IRI" in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("rule", "check", "expected"),
    [
        (CompletionRule.VIEWED_ALL, False, MoveOn.COMPLETED),
        (CompletionRule.TIME, False, MoveOn.COMPLETED),
        (CompletionRule.QUIZ, False, MoveOn.COMPLETED),  # no check: the rule falls back
        (CompletionRule.VIEWED_ALL, True, MoveOn.COMPLETED_AND_PASSED),
        (CompletionRule.TIME, True, MoveOn.COMPLETED_AND_PASSED),
        (CompletionRule.QUIZ, True, MoveOn.PASSED),
    ],
)
def test_move_on(rule: CompletionRule, check: bool, expected: MoveOn) -> None:
    assert move_on(rule, check) is expected


def _unit(**changes: object) -> AssignableUnit:
    fields: dict[str, object] = {
        "id": "urn:x/au/a",
        "title": "A",
        "description": "",
        "url": "a.html",
        "move_on": MoveOn.COMPLETED,
        "mastery_score": None,
        "launch_method": "AnyWindow",
    }
    fields.update(changes)
    return AssignableUnit(**fields)  # type: ignore[arg-type]


def _structure(*units: AssignableUnit) -> CourseStructure:
    return CourseStructure("urn:x", "en", "X", "", (), units)


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (_unit(url="/abs.html"), "relative URL"),
        (_unit(url="https://elsewhere.example/a.html"), "relative URL"),
        (_unit(mastery_score=Decimal("1.5")), "0..1"),
        (_unit(id="urn:x"), "unique"),
        (_unit(objectives=("urn:x/objective/none",)), "does not list"),
    ],
)
def test_structure_refuses_what_the_schema_or_cmi5_would(
    unit: AssignableUnit, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        course_structure_bytes(_structure(unit))


def test_mastery_score_is_a_plain_decimal() -> None:
    xml = course_structure_bytes(_structure(_unit(mastery_score=Decimal(80) / 100)))
    assert b'masteryScore="0.8"' in xml
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<courseStructure')


def test_default_ids_come_from_the_course_id() -> None:
    course = _course(Path(__file__).parents[2] / "courses" / "sql-201")
    structure = course_structure(course, Cmi5Options().id_base)
    assert structure.id == "urn:coursec:sql-201"
    assert [u.id for u in structure.units] == [
        f"urn:coursec:sql-201/au/{m.id}" for m in course.published_modules
    ]


def test_an_au_in_another_language_says_so() -> None:
    """A module in another language than its course: its AU's and objectives' text carry its
    language; the others the course's."""
    course = _course(DATA)
    root = etree.fromstring(course_structure_bytes(course_structure(course, None)))
    langs = {
        au.get("id", "").rsplit("/", 1)[-1]: {el.get("lang") for el in au.iter(f"{C}langstring")}
        for au in root.iterfind("c:au", NS)
    }
    assert langs == {"alpha": {"en"}, "beta": {"fr"}, "gamma": {"ar"}, "delta": {"ja"}}
    objective_langs = {
        el.get("id", "").rsplit("/", 1)[-1]: {s.get("lang") for s in el.iter(f"{C}langstring")}
        for el in root.iterfind("c:objectives/c:objective", NS)
    }
    assert objective_langs["comprendre"] == {"fr"}
    assert len({frozenset(v) for v in objective_langs.values()}) > 1  # not all the same
