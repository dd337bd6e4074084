"""BuildOptions: what to build and how, from CLI flags over course.yml settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
    extra: dict[str, str] = field(default_factory=dict)
