"""Writing the XLIFF file of `coursec translate extract`: never over a file coursec did not
write, and atomically (a new file, renamed into place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.output import replace_atomically
from coursec.schema import LANGUAGE_TAG
from coursec.translate.extract import extract
from coursec.translate.update import carry_over
from coursec.translate.xliff_reader import read_xliff
from coursec.translate.xliff_writer import COURSEC_NS, write_xliff


@dataclass(slots=True)
class ExtractReport:
    path: Path | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary: str = ""


def _written_by_coursec(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return COURSEC_NS.encode() in head and b"coursec:course=" in head


def write_extraction(
    root: Path, language: str, out: Path | None, previous: Path | None, strict: bool = False
) -> ExtractReport:
    """Extract `root`'s units into an XLIFF file for `language` (carrying over `previous`);
    nothing is written when there are errors (or, `strict`, warnings)."""
    if not LANGUAGE_TAG.match(language):
        raise CoursecError(
            [
                Diagnostic(
                    Severity.ERROR,
                    Code.CS205,
                    f'--to "{language}" is not a BCP 47 language tag',
                    None,
                    "e.g. --to fr",
                )
            ]
        )
    extraction = extract(root)
    report = ExtractReport(None, list(extraction.diagnostics))
    course = extraction.course
    if course is None or any(d.severity is Severity.ERROR for d in report.diagnostics):
        return report
    carried = {}
    if previous is not None:
        doc = read_xliff(previous)
        report.diagnostics += doc.diagnostics
        if any(d.severity is Severity.ERROR for d in doc.diagnostics):
            return report
        carried = carry_over(extraction, doc)
    if strict and report.diagnostics:
        return report
    target = out or Path(f"{course.id}.{language}.xlf")
    if target.exists() and not _written_by_coursec(target):
        raise CoursecError(
            [
                Diagnostic(
                    Severity.ERROR,
                    Code.CS727,
                    f"{target} exists and is not an XLIFF file coursec wrote: it is left as it is",
                    Span(target, 0, 0),
                    "choose another --out",
                )
            ]
        )
    text = write_xliff(extraction, course.id, course.spec.language, language, carried)
    replace_atomically(target, text)
    units = sum(1 for _ in extraction.units())
    changed = sum(1 for c in carried.values() if c.sub_state)
    report.path = target
    report.summary = f"{units} unit(s), {len(carried)} carried over, {changed} to redo"
    return report
