"""The exporter interface and discovery through the `coursec.exporters` entry-point group.

A third-party exporter is any class with `name`, `description` and `export()`, declared as
`[project.entry-points."coursec.exporters"] myformat = "pkg.module:MyExporter"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from coursec.diagnostics import DiagnosticSink
from coursec.options import BuildOptions
from coursec.plan import BuildPlan

GROUP = "coursec.exporters"


@dataclass(frozen=True, slots=True)
class Artifact:
    path: Path  # relative to the course's output folder
    description: str


@dataclass(frozen=True, slots=True)
class ExportContext:
    out_dir: Path  # where this build writes (a staging folder, swapped in when all succeed)
    options: BuildOptions
    report: DiagnosticSink


@runtime_checkable
class Exporter(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]: ...


class ExporterLoadError(Exception):
    pass


def available() -> dict[str, EntryPoint]:
    """Installed exporters by name, without importing them."""
    return {ep.name: ep for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name)}


def load(entry: EntryPoint) -> Exporter:
    try:
        cls = entry.load()
        exporter = cls()
    except Exception as exc:
        dist = entry.dist.name if entry.dist else "unknown distribution"
        raise ExporterLoadError(
            f'exporter "{entry.name}" from {dist} failed to load: {exc}'
        ) from exc
    if not isinstance(exporter, Exporter):
        raise ExporterLoadError(
            f'"{entry.value}" is not a coursec exporter (needs name and export())'
        )
    return exporter
