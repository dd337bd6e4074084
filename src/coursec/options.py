"""BuildOptions: what to build and how, from CLI flags over course.yml settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: checking that a build is up to date must not load pydantic
    from coursec.schema import Packaging

DEFAULT_FORMATS = ("html", "scorm12", "scorm2004", "pdf")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    formats: tuple[str, ...] = DEFAULT_FORMATS
    out_dir: Path | None = None  # default: <cwd>/dist/<course-id>
    strict: bool = False
    packaging: Packaging | None = None  # overrides course.yml `scorm.packaging`
    pdf_per_module: bool | None = None  # overrides course.yml `pdf.per_module`
    review: bool = False  # PDF: DRAFT watermark, source lines in the margin
    learner: bool = False  # PDF: leave out the answer key
    # How the build runs; neither changes a byte of the output (see coursec.incremental.cache).
    jobs: int | None = None  # worker processes; None: one per available CPU; 1: no pool at all
    clean: bool = False  # ignore the cache: render everything, write a fresh cache
    force: bool = False  # replace an output folder that holds files coursec did not write
