"""The reference course's SCORM packages: valid manifests, and real tracking in scorm-again."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page

from conftest import REFERENCE_COURSE, MakeCourse
from coursec.build import build
from coursec.exporters._scorm_state import SUSPEND_LIMITS
from coursec.options import BuildOptions
from coursec.schema import Packaging
from support.lms import LmsServer, LmsSession
from support.scorm_package import check_package, sco_config, suspend_budget
from support.seed import seed_sentences

CASES = [
    ("1.2", "scorm12", Packaging.MULTI_SCO),
    ("1.2", "scorm12", Packaging.SINGLE_SCO),
    ("2004", "scorm2004", Packaging.MULTI_SCO),
    ("2004", "scorm2004", Packaging.SINGLE_SCO),
]
IDS = [f"{c[1]}-{c[2].value}" for c in CASES]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, Packaging], Path]:
    """Every edition x packaging of the reference course, extracted."""
    out: dict[tuple[str, Packaging], Path] = {}
    for _edition, fmt, packaging in CASES:
        root = tmp_path_factory.mktemp(f"{fmt}-{packaging.value}")
        result = build(
            REFERENCE_COURSE,
            BuildOptions(formats=(fmt,), out_dir=root / "dist", packaging=packaging),
        )
        assert result.ok, result.diagnostics
        archive = root / "dist" / f"agai-302-{fmt}.zip"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(root / "pkg")
        out[(fmt, packaging)] = archive
    return out


def launch_href(pkg_dir: Path) -> str:
    manifest = (pkg_dir / "imsmanifest.xml").read_text()
    match = re.search(r'<resource [^>]*adlcp:scorm[tT]ype="sco"[^>]*href="([^"]+)"', manifest)
    if match is None:
        match = re.search(r'<resource [^>]*href="([^"]+)"[^>]*adlcp:scorm[tT]ype="sco"', manifest)
    assert match, manifest
    return match.group(1)


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_package_is_valid(
    packages: dict[tuple[str, Packaging], Path], edition: str, fmt: str, packaging: Packaging
) -> None:
    assert check_package(packages[(fmt, packaging)], edition) == []


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_objective_ids_match_the_manifest(
    packages: dict[tuple[str, Packaging], Path], edition: str, fmt: str, packaging: Packaging
) -> None:
    pkg_dir = packages[(fmt, packaging)].parent.parent / "pkg"
    config = sco_config(pkg_dir, launch_href(pkg_dir))
    assert config["edition"] == edition
    assert len(config["objectives"]) == 4
    if edition == "2004":
        manifest = (pkg_dir / "imsmanifest.xml").read_text()
        for objective in config["objectives"]:
            assert f'objectiveID="{objective}"' in manifest
    assert suspend_budget(config) <= SUSPEND_LIMITS[edition]


def scroll_through(frame: Frame, sections: list[str]) -> None:
    for section in sections:
        frame.evaluate("id => document.getElementById(id).scrollIntoView()", section)
        frame.wait_for_function(
            "id => window.coursecScorm.state().viewed.includes(id)", arg=section, timeout=5000
        )


def status_of(edition: str, cmi: dict[str, Any]) -> str:
    return str(cmi["core"]["lesson_status"] if edition == "1.2" else cmi["completion_status"])


@pytest.mark.parametrize(("edition", "fmt", "packaging"), CASES, ids=IDS)
def test_learner_completes_and_resumes(
    packages: dict[tuple[str, Packaging], Path],
    page: Page,
    edition: str,
    fmt: str,
    packaging: Packaging,
) -> None:
    pkg_dir = packages[(fmt, packaging)].parent.parent / "pkg"
    launch = launch_href(pkg_dir)
    config = sco_config(pkg_dir, launch)
    sections: list[str] = config["sections"]
    with LmsServer(pkg_dir) as server:
        first = LmsSession(page, server.base_url, edition, launch)  # type: ignore[arg-type]
        frame = first.launch()
        methods = [c["method"] for c in first.calls()]
        assert methods[0] == first.init_method
        status = "cmi.core.lesson_status" if edition == "1.2" else "cmi.completion_status"
        assert first.set_values().get(status) == "incomplete"
        text = " ".join(frame.inner_text("body").split())
        assert [s for s in seed_sentences() if s not in text and s != "Up next"] == []
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

        second = LmsSession(page, server.base_url, edition, launch, cmi=first.next_launch_cmi())  # type: ignore[arg-type]
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
        BuildOptions(formats=("scorm12",), out_dir=tmp_path / "out", packaging=Packaging.MULTI_SCO),
    )
    assert not result.ok
    [diag] = [d for d in result.diagnostics if d.code == "CS502"]
    assert "4096" in diag.message and diag.span is not None and diag.span.path.name == "one.md"
    assert not (tmp_path / "out").exists()
    ok = build(root, BuildOptions(formats=("scorm2004",), out_dir=tmp_path / "out2"))
    assert ok.ok, ok.diagnostics
