"""Each course's SCORM packages: valid manifests, and real tracking in scorm-again."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Frame, Page

from conftest import COURSE_YML, REFERENCE_COURSE, MakeCourse
from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.exporters.scorm.identifiers import objective_global_id
from coursec.exporters.scorm.state import SUSPEND_LIMITS
from coursec.loading import load_course
from coursec.options import BuildOptions
from support import settings
from support.builds import Builds, Edition
from support.lms import LmsServer, LmsSession
from support.scorm_package import check_package, sco_config, suspend_budget
from support.seed import seed_sentences

CASES: list[tuple[Edition, str, Packaging]] = [
    ("1.2", "scorm12", Packaging.MULTI_SCO),
    ("1.2", "scorm12", Packaging.SINGLE_SCO),
    ("2004", "scorm2004", Packaging.MULTI_SCO),
    ("2004", "scorm2004", Packaging.SINGLE_SCO),
]
IDS = [f"{c[1]}-{c[2].value}" for c in CASES]


def launch_href(pkg_dir: Path) -> str:
    manifest = (pkg_dir / "imsmanifest.xml").read_text()
    match = re.search(r'<resource [^>]*adlcp:scorm[tT]ype="sco"[^>]*href="([^"]+)"', manifest)
    if match is None:
        match = re.search(r'<resource [^>]*href="([^"]+)"[^>]*adlcp:scorm[tT]ype="sco"', manifest)
    assert match, manifest
    return match.group(1)


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_package_is_valid(
    course_dir: Path, built: Builds, edition: Edition, fmt: str, packaging: Packaging
) -> None:
    assert check_package(built.archive(course_dir, edition, packaging), edition) == []


def sco_objectives(course_dir: Path, packaging: Packaging) -> list[str]:
    """The objective ids the first SCO reports: its module's, or the whole course's."""
    course = load_course(course_dir).course
    assert course is not None
    modules = course.published_modules
    if packaging is Packaging.MULTI_SCO:
        modules = modules[:1]
    return [objective_global_id(course.id, o.id) for m in modules for o in m.objectives]


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_objective_ids_match_the_manifest(
    course_dir: Path, built: Builds, edition: Edition, fmt: str, packaging: Packaging
) -> None:
    pkg_dir = built.package(course_dir, edition, packaging)
    config = sco_config(pkg_dir, launch_href(pkg_dir))
    assert config["edition"] == edition
    assert config["objectives"] == sco_objectives(course_dir, packaging)
    if course_dir == REFERENCE_COURSE:
        assert len(config["objectives"]) == 4
    if edition == "2004":
        manifest = (pkg_dir / "imsmanifest.xml").read_text()
        for objective in config["objectives"]:
            assert f'objectiveID="{objective}"' in manifest
    assert suspend_budget(config) <= SUSPEND_LIMITS[edition]


def scroll_through(frame: Frame, sections: list[str]) -> None:
    """Bring each section in turn to the top of the viewport, and see it counted as viewed. A
    jump each time: the stylesheet's smooth scroll would spend half a second on each section
    (the smooth ways to the end are test_scorm_completion's)."""
    for section in sections:
        frame.evaluate(
            "id => document.getElementById(id).scrollIntoView({behavior: 'instant'})", section
        )
        frame.wait_for_function(
            "id => window.coursecScorm.state().viewed.includes(id)", arg=section, timeout=5000
        )


def status_of(edition: str, cmi: dict[str, Any]) -> str:
    return str(cmi["core"]["lesson_status"] if edition == "1.2" else cmi["completion_status"])


def expected_text(course_dir: Path, packaging: Packaging) -> list[str]:
    """What the first SCO must show: the reference course's whole seed text; for every course,
    the title and section headings of each module on the SCO."""
    course = load_course(course_dir).course
    assert course is not None
    modules = course.published_modules
    if packaging is Packaging.MULTI_SCO:
        modules = modules[:1]
    text = [m.title for m in modules]
    text += [s.title for m in modules for s in m.sections if not s.id.endswith("-intro")]
    if course_dir == REFERENCE_COURSE:
        text += [s for s in seed_sentences() if s != "Up next"]
    return text


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_learner_completes_and_resumes(
    course_dir: Path,
    built: Builds,
    page: Page,
    edition: Edition,
    fmt: str,
    packaging: Packaging,
) -> None:
    pkg_dir = built.package(course_dir, edition, packaging)
    launch = launch_href(pkg_dir)
    config = sco_config(pkg_dir, launch)
    sections: list[str] = config["sections"]
    with LmsServer(pkg_dir) as server:
        first = LmsSession(page, server.base_url, edition, launch)
        frame = first.launch()
        methods = [c["method"] for c in first.calls()]
        assert methods[0] == first.init_method
        status = "cmi.core.lesson_status" if edition == "1.2" else "cmi.completion_status"
        assert first.set_values().get(status) == "incomplete"
        text = " ".join(frame.inner_text("body").split())
        assert [s for s in expected_text(course_dir, packaging) if s not in text] == []
        scroll_through(frame, sections[: len(sections) // 2])
        middle = sections[len(sections) // 2 - 1]
        frame.wait_for_function("id => window.coursecScorm.state().current === id", arg=middle)
        cmi = first.unload()
        assert status_of(edition, cmi) == "incomplete"
        location = cmi["core"]["lesson_location"] if edition == "1.2" else cmi["location"]
        assert location == middle
        assert len(cmi["suspend_data"]) <= suspend_budget(config)
        assert [c["method"] for c in first.calls()].count(first.finish_method) == 1
        assert first.errors() == []

        second = LmsSession(page, server.base_url, edition, launch, cmi=first.next_launch_cmi())
        frame = second.launch()
        prompt = frame.locator("#coursec-status .cs-resume")
        prompt.wait_for()
        prompt.get_by_role("button", name="Resume", exact=True).click()
        frame.wait_for_function(
            "id => Math.abs(document.getElementById(id).getBoundingClientRect().top) < 2",
            arg=middle,
        )
        scroll_through(frame, sections[len(sections) // 2 :])
        frame.wait_for_function("() => window.coursecScorm.state().completed")
        final = second.unload()
        assert status_of(edition, final) == "completed"
        if edition == "2004":
            assert float(final["progress_measure"]) == 1.0
        objective_ids = {o["id"] for o in final["objectives"].values()}
        assert objective_ids == set(config["objectives"])
        assert second.errors() == []
        assert [c["method"] for c in second.calls()].count(second.finish_method) == 1


def test_suspend_data_budget_fails_the_build(make_course: MakeCourse, tmp_path: Path) -> None:
    sections = "".join(f"## Part {i}\n\nText {i}.\n\n" for i in range(16400))
    module = (
        "---\nid: one\ntitle: Huge\nsummary: Very long.\nobjectives:\n"
        "  - id: explain-parts\n    text: Explain the parts.\n---\n" + sections
    )
    root = make_course(modules={"modules/one.md": module})
    result = build(
        root,
        BuildOptions(
            formats=("scorm12",),
            out_dir=tmp_path / "out",
            settings=settings.scorm(Packaging.MULTI_SCO),
        ),
    )
    assert not result.ok
    [diag] = [d for d in result.diagnostics if d.code == "CS502"]
    assert "4096" in diag.message and diag.span is not None and diag.span.path.name == "one.md"
    assert not (tmp_path / "out").exists()
    ok = build(root, BuildOptions(formats=("scorm2004",), out_dir=tmp_path / "out2"))
    assert ok.ok, ok.diagnostics


def test_each_sco_lists_the_activities_its_page_mentions(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """A multi-SCO 2004 page carries the item of each other module it mentions (what its
    runtime may ask the LMS for by choice), not every module's: a page of an 800-module course
    was 45 KB longer for it."""

    def module(ident: str, text: str) -> str:
        return (
            f"---\nid: {ident}\ntitle: Module {ident}\nsummary: About {ident}.\n---\n"
            f"## Part {ident}\n\n{text}\n"
        )

    names = ["one", "two", "three", "four"]
    course = COURSE_YML.replace(
        "  - modules/one.md\n", "".join(f"  - modules/{n}.md\n" for n in names)
    )
    root = make_course(
        course=course,
        modules={
            "modules/one.md": module("one", "See [three](three.md) and [one](one.md#part-one)."),
            "modules/two.md": module("two", "Nothing to see elsewhere."),
            "modules/three.md": module("three", "Back to [one](one.md), on to [four](four.md)."),
            "modules/four.md": module("four", "The end."),
        },
    )
    out = tmp_path / "out"
    result = build(root, BuildOptions(formats=("scorm2004",), out_dir=out))
    assert result.ok, result.diagnostics
    pkg = tmp_path / "pkg"
    with zipfile.ZipFile(out / "demo-scorm2004.zip") as archive:
        archive.extractall(pkg)
    activities = {n: sco_config(pkg, f"{n}.html")["activities"] for n in names}
    manifest = etree.parse(pkg / "imsmanifest.xml")
    item = {  # each module's item in the manifest, by the module's title
        i.findtext("{*}title", "").removeprefix("Module "): i.get("identifier")
        for i in manifest.iterfind(".//{*}item[@identifierref]")
    }
    assert activities == {
        "one": {"three": item["three"]},
        "two": {},
        "three": {"one": item["one"], "four": item["four"]},
        "four": {},
    }
