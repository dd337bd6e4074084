"""The build pipeline, top to bottom: load → validate → render → export → swap into place."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from coursec import export
from coursec.course import load_course
from coursec.diagnostics import CoursecError, Diagnostic, DiagnosticSink, Severity, promote_warnings
from coursec.export import Artifact, ExportContext, Exporter, ExporterLoadError
from coursec.options import BuildOptions
from coursec.output import staging_dir, swap_into_place
from coursec.render import render


@dataclass(frozen=True, slots=True)
class ArtifactReport:
    artifact: Artifact
    exporter: str
    size: int
    seconds: float


@dataclass(slots=True)
class BuildResult:
    out_dir: Path | None = None
    artifacts: list[ArtifactReport] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def select_exporters(formats: tuple[str, ...], sink: DiagnosticSink) -> list[Exporter]:
    installed = export.available()
    chosen: list[Exporter] = []
    for name in formats:
        entry = installed.get(name)
        if entry is None:
            sink.error(
                "CS504",
                f'unknown output format "{name}"',
                hint="installed formats: " + ", ".join(installed),
            )
            continue
        try:
            chosen.append(export.load(entry))
        except ExporterLoadError as exc:
            sink.error("CS901", str(exc), hint="reinstall or remove the plugin that provides it")
    return chosen


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def build(course_dir: Path, options: BuildOptions) -> BuildResult:
    """Build the course; on any error nothing is written and the previous output stays."""
    result = BuildResult()
    sink = DiagnosticSink()
    loaded = load_course(course_dir)
    diagnostics = promote_warnings(loaded.diagnostics) if options.strict else loaded.diagnostics
    sink.extend(diagnostics)
    exporters = select_exporters(options.formats, sink)
    if loaded.course is None or sink.has_errors:
        result.diagnostics = sink.sorted()
        return result

    plan = render(loaded.course)
    target = options.out_dir or Path("dist") / loaded.course.id
    staging = staging_dir(target)
    ctx = ExportContext(staging, options, sink)
    try:
        for exporter in exporters:
            started = time.perf_counter()
            try:
                artifacts = exporter.export(plan, ctx)
            except CoursecError as exc:
                sink.extend(exc.diagnostics)
                continue
            seconds = time.perf_counter() - started
            result.artifacts += [
                ArtifactReport(a, exporter.name, _size(staging / a.path), seconds)
                for a in artifacts
            ]
        if sink.has_errors:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            swap_into_place(staging, target)
            result.out_dir = target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.diagnostics = sink.sorted()
    return result
