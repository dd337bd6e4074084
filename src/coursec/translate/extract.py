"""Every translatable text of a course, file by file: course.yml first, then the modules in
the course's order."""

from __future__ import annotations

from pathlib import Path

from coursec.diagnostics import Severity
from coursec.loading import load_course
from coursec.sources import parse_yaml, read_text, split_front_matter
from coursec.translate.body import BodyUnits
from coursec.translate.front_matter import FrontMatterUnits, course_units
from coursec.translate.units import Extraction, SourceFile


def extract(root: Path) -> Extraction:
    """The course's units (none, and the course's errors, if it does not load)."""
    root = root.resolve()
    loaded = load_course(root)
    result = Extraction(loaded.course, diagnostics=list(loaded.diagnostics))
    if loaded.course is None or any(d.severity is Severity.ERROR for d in loaded.diagnostics):
        return result
    course = loaded.course
    course_file = root / "course.yml"
    text = read_text(course_file)
    source = SourceFile(course_file, "course.yml", "course", text)
    course_units(source, parse_yaml(text, course_file).sourcemap, course)
    result.files.append(source)
    allow_html = course.spec.allow_raw_html
    for module in course.modules:
        text = read_text(module.path)
        name = module.path.relative_to(root).as_posix()
        source = SourceFile(module.path, name, f"m.{module.id}", text)
        split = split_front_matter(text, module.path)
        smap = split.front_matter.sourcemap
        FrontMatterUnits(source, module, smap, allow_html, result.diagnostics).units()
        BodyUnits(source, module, split, allow_html, result.diagnostics).units()
        result.files.append(source)
    return result
