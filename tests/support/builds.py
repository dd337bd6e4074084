"""Real outputs of the courses in courses/, built once per test session.

Loaded as a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``): the ``built`` fixture
(session) is a :class:`Builds`, whose ``site(course_dir)`` and ``package(course_dir, edition,
packaging)`` build the course on first use (every format of one packaging in one build) and
return the site folder, or the extracted SCORM package, from then on; ``cmi5(course_dir)`` the
extracted cmi5 package.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Literal

import pytest

from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.options import BuildOptions
from support import settings

__all__ = ["FORMATS", "Builds", "Edition"]

Edition = Literal["1.2", "2004"]
FORMATS: dict[Edition, str] = {"1.2": "scorm12", "2004": "scorm2004"}


class Builds:
    """Builds under ``root``, one per course and packaging, made when first asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dists: dict[tuple[Path, Packaging], Path] = {}

    def dist(self, course_dir: Path, packaging: Packaging = Packaging.MULTI_SCO) -> Path:
        """The output folder of a build of every format but the PDF."""
        key = (course_dir, packaging)
        if key not in self._dists:
            out = self.root / f"{course_dir.name}-{packaging.value}"
            formats = ("html", *FORMATS.values())
            result = build(
                course_dir,
                BuildOptions(formats=formats, out_dir=out, settings=settings.scorm(packaging)),
            )
            assert result.ok, result.diagnostics
            self._dists[key] = out
        return self._dists[key]

    def cmi5(self, course_dir: Path) -> Path:
        """The course's cmi5 package (built alone, once), extracted: tests must not change it."""
        dest = self.root / f"{course_dir.name}-cmi5-package"
        if not dest.exists():
            out = self.root / f"{course_dir.name}-cmi5"
            result = build(course_dir, BuildOptions(formats=("cmi5",), out_dir=out))
            assert result.ok, result.diagnostics
            [archive] = out.glob("*-cmi5.zip")
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        return dest

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


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("built"))
