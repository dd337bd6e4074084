"""Real outputs of the courses in courses/, built once per test session.

Loaded as a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): the ``built`` fixture
(session) is a :class:`Builds`, whose ``site(course_dir)`` and ``package(course_dir, edition,
packaging)`` build the course on first use (every format of one packaging in one build) and
return the site folder, or the extracted SCORM package, from then on; ``cmi5(course_dir)`` the
extracted cmi5 package. The PDF is laid out only
by the tests that ask for it: ``handout(course_dir, **options)`` (the exporter's output folder)
and ``one_document(course_dir)`` (the handout laid out by WeasyPrint in one go, not in chapters;
``one_document_pdf`` when only its PDF is needed).
"""

from __future__ import annotations

import fcntl
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.options import BuildOptions
from support import settings

__all__ = ["EPOCH", "FORMATS", "Builds", "Edition", "OneDocument"]

EPOCH = 1_700_000_000  # SOURCE_DATE_EPOCH of the handouts: 2023-11-14T22:13:20Z

Edition = Literal["1.2", "2004"]
FORMATS: dict[Edition, str] = {"1.2": "scorm12", "2004": "scorm2004"}


@dataclass(frozen=True)
class OneDocument:
    """The whole handout laid out as one WeasyPrint document, and that document's PDF."""

    pages: list[Any]  # weasyprint Page objects
    pdf: Path


class Builds:
    """Builds under ``shared``, one per course and packaging, made when first asked for (by
    this process or another with the same ``shared``); this process's copies under ``root``."""

    def __init__(self, root: Path, shared: Path | None = None) -> None:
        self.root = root
        self.shared = shared or root
        self._dists: dict[tuple[Path, Packaging], Path] = {}
        self._handouts: dict[tuple[Path, tuple[tuple[str, bool], ...]], Path] = {}
        self._documents: dict[Path, OneDocument] = {}

    def _once(self, name: str, make: Callable[[Path], None]) -> Path:
        """``shared/name``, made by ``make(path)`` unless a process sharing it already made it;
        a process asking meanwhile waits for it."""
        path = self.shared / name
        done = self.shared / f"{name}.done"
        with (self.shared / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                make(path)
                done.touch()
        return path

    def dist(self, course_dir: Path, packaging: Packaging = Packaging.MULTI_SCO) -> Path:
        """The output folder of a build of every format but the PDF."""
        key = (course_dir, packaging)
        if key not in self._dists:

            def make(out: Path) -> None:
                formats = ("html", *FORMATS.values())
                result = build(
                    course_dir,
                    BuildOptions(formats=formats, out_dir=out, settings=settings.scorm(packaging)),
                )
                assert result.ok, result.diagnostics

            self._dists[key] = self._once(f"{course_dir.name}-{packaging.value}", make)
        return self._dists[key]

    def cmi5(self, course_dir: Path) -> Path:
        """The course's cmi5 package (built alone, once), extracted: tests must not change it."""

        def make(dest: Path) -> None:
            out = self.root / f"{course_dir.name}-cmi5"
            result = build(course_dir, BuildOptions(formats=("cmi5",), out_dir=out))
            assert result.ok, result.diagnostics
            [archive] = out.glob("*-cmi5.zip")
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)

        return self._once(f"{course_dir.name}-cmi5-package", make)

    def site(self, course_dir: Path) -> Path:
        return self.dist(course_dir) / "html"

    def archive(self, course_dir: Path, edition: Edition, packaging: Packaging) -> Path:
        [archive] = self.dist(course_dir, packaging).glob(f"*-{FORMATS[edition]}.zip")
        return archive

    def package(self, course_dir: Path, edition: Edition, packaging: Packaging) -> Path:
        """The package, extracted (a fresh copy each call: tests may change files in it)."""
        archive = self.archive(course_dir, edition, packaging)
        n = len(list(self.root.glob(f"{archive.stem}-{packaging.value}-*")))
        dest = self.root / f"{archive.stem}-{packaging.value}-{n}"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
        return dest

    def handout(self, course_dir: Path, **options: bool) -> Path:
        """The output folder of a PDF-only build with these `pdf.` options (SOURCE_DATE_EPOCH
        is `EPOCH`); `handout(c, per_module=True)` also serves tests of the whole handout."""
        key = (course_dir, tuple(sorted(options.items())))
        if key not in self._handouts:
            name = "-".join(k for k, v in key[1] if v) or "default"

            def make(out: Path) -> None:
                with pytest.MonkeyPatch.context() as mp:
                    mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
                    result = build(
                        course_dir,
                        BuildOptions(
                            formats=("pdf",), out_dir=out, settings=settings.pdf(**options)
                        ),
                    )
                assert result.ok, [d.format() for d in result.diagnostics]

            self._handouts[key] = self._once(f"{course_dir.name}-pdf-{name}", make)
        return self._handouts[key]

    def one_document(self, course_dir: Path) -> OneDocument:
        """The handout laid out in one go, as the chapters are meant to add up to (laid out in
        this process: the pages are WeasyPrint's objects; the PDF is shared)."""
        if course_dir not in self._documents:
            document, write_pdf = self._lay_out_whole(course_dir)

            def keep(path: Path) -> None:
                path.write_bytes(write_pdf())

            shared = self._once(self._one_document_name(course_dir), keep)
            self._documents[course_dir] = OneDocument(list(document.pages), shared)
        return self._documents[course_dir]

    def one_document_pdf(self, course_dir: Path) -> Path:
        """`one_document(course_dir).pdf`, laid out by whichever process asks first."""
        if course_dir in self._documents:
            return self._documents[course_dir].pdf

        def make(path: Path) -> None:
            path.write_bytes(self._lay_out_whole(course_dir)[1]())

        return self._once(self._one_document_name(course_dir), make)

    @staticmethod
    def _one_document_name(course_dir: Path) -> str:
        return f"{course_dir.name}-one-document.pdf"

    @staticmethod
    def _lay_out_whole(course_dir: Path) -> tuple[Any, Callable[[], bytes]]:
        """The WeasyPrint document of the whole handout, and what writes its PDF (only the
        process that shares the PDF writes it)."""
        from coursec.exporters.pdf import layout
        from coursec.exporters.pdf.fetch import BuildFetcher, build_files
        from coursec.exporters.pdf.handout import handout_html
        from coursec.loading import load_course
        from coursec.render import render

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
            course = load_course(course_dir).course
            assert course is not None
            plan = render(course)
            html = handout_html(plan, plan.modules, whole=True)
            options = layout.pdf_options(html)
            document = layout._render(html, BuildFetcher(build_files(plan)), options)

        def write_pdf() -> bytes:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
                return bytes(document.write_pdf(**options))

        return document, write_pdf


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("built")
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return Builds(root)
    shared = tmp_path_factory.getbasetemp().parent / "built"  # the run's, across its workers
    shared.mkdir(exist_ok=True)
    return Builds(root, shared)
