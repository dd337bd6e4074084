"""Shared fixtures: tiny courses written per test (`make_course`) and the browser plugin."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["support.browser", "support.builds", "support.preview"]


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, builds run their jobs in their own process (COURSEC_JOBS=1,
    which the coursec processes a test starts inherit): the test workers already share the
    CPUs, and a pool per build would compete with them. Tests of the pool ask for jobs=2.
    (The workers are not pinned to CPUs: the Chromium they start would be pinned with them,
    and the last tests of a run would share one CPU while the other idles.)"""
    if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
        os.environ["COURSEC_JOBS"] = "1"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per CPU for the quick tier, which is all CPU; one and a half per CPU
    when the browser tests run, which wait on timers, animations and Chromium part of their time
    (on 2 CPUs the full suite took 570 s with 2 workers, and in paired runs 388 s and 390 s with
    3 against 398 s and 402 s with 4, which start a Chromium and collect the tests once more).
    At most 6: each worker keeps a Chromium and its builds in memory."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    quick = "not slow" in config.option.markexpr or "not browser" in config.option.markexpr
    return cpus if quick else min(6, cpus + max(1, cpus // 2))


REPO = Path(__file__).resolve().parent.parent
REFERENCE_COURSE = REPO / "courses" / "agai-302"
# Every course in courses/: what is proven on the reference course is proven on each of them.
# sql-201 has several published modules, a draft, a coming-soon module, wide tables, code,
# footnotes, figures and every question type.
COURSES = {path.name: path for path in sorted((REPO / "courses").iterdir()) if path.is_dir()}

COURSE_YML = """\
id: demo
code: DEMO 101
title: Demo course
subject: Testing
language: en
description: A course written by a test.
authors:
  - name: Test Author
version: "1.0"
modules:
  - modules/one.md
"""

MODULE_MD = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""

MakeCourse = Callable[..., Path]


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers: a test that uses the browser fixtures is a `browser` test; one that drives
    Chromium or lays a PDF out with WeasyPrint (`pdf`) is `slow` too, so `-m "not slow"` is the
    quick tier for an edit loop.

    The slow tests are queued first, each file's in its order, and the many short ones after
    them: with xdist's worksteal (pyproject.toml) they fill the workers' last minute, where a
    build or a browser run of several seconds would keep one worker busy while the others idle.
    (With xdist's default `load`, slow tests first would hand one worker a long run of them.)"""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser") or item.get_closest_marker("pdf"):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _own_user_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test its own user cache folder (`coursec check` keeps its records there): no test
    answers from another's record, and none writes into the user's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


@pytest.fixture(autouse=True)
def _weasyprint_only_in_pdf_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that lays a PDF out in this process must say so (`@pytest.mark.pdf`): every
    WeasyPrint layout goes through coursec.exporters.pdf.layout, which fails the test if not."""
    if request.node.get_closest_marker("pdf"):
        return
    from coursec.exporters.pdf import layout

    def refuse(*_args: object, **_kwargs: object) -> None:
        pytest.fail("this test lays out a PDF: mark it @pytest.mark.pdf", pytrace=False)

    monkeypatch.setattr(layout, "lay_out", refuse)
    monkeypatch.setattr(layout, "draft", refuse)


@pytest.fixture(params=sorted(COURSES))
def course_dir(request: pytest.FixtureRequest) -> Path:
    """Each course of courses/ in turn (tests using it run once per course)."""
    return COURSES[request.param]


@pytest.fixture
def make_course(tmp_path: Path) -> MakeCourse:
    """Write a course folder: `make_course(course=..., modules={path: text}, files=...)`."""

    def make(
        course: str | None = COURSE_YML,
        modules: dict[str, str] | None = None,
        files: dict[str, str | bytes] | None = None,
    ) -> Path:
        return write_course(tmp_path / "course", course, modules, files)

    return make


def write_course(
    root: Path,
    course: str | None = COURSE_YML,
    modules: dict[str, str] | None = None,
    files: dict[str, str | bytes] | None = None,
) -> Path:
    """`make_course` in any folder (for a fixture wider than a test)."""
    root.mkdir(exist_ok=True)
    if course is not None:
        (root / "course.yml").write_text(textwrap.dedent(course), encoding="utf-8")
    all_files: dict[str, str | bytes] = {"modules/one.md": MODULE_MD}
    if modules is not None:
        all_files = dict(modules)
    all_files.update(files or {})
    for name, content in all_files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
