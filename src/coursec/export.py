"""The exporter interface and discovery through the `coursec.exporters` entry-point group.

A third-party exporter is any class with `name`, `description` and `export()`, declared as
`[project.entry-points."coursec.exporters"] myformat = "pkg.module:MyExporter"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from coursec.cache import exporter_entry_points
from coursec.diagnostics import DiagnosticSink
from coursec.options import BuildOptions
from coursec.plan import BuildPlan


@dataclass(frozen=True, slots=True)
class Artifact:
    path: Path  # relative to the course's output folder
    description: str


class PartStore(Protocol):
    """Pieces of an artifact kept from one build to the next (e.g. each module's PDF pages).

    `key` is the exporter's own digest of everything the piece depends on; the store adds
    coursec's version and code, so a key only has to cover the course and the options. `get`
    returns the bytes `put` stored under that key by an earlier build, checked against the
    digest recorded then, or None. Pieces not `get` or `put` by a build are not kept after it.
    """

    def get(self, key: str, /) -> bytes | None: ...

    def put(self, key: str, data: bytes, /) -> None: ...

    def file(self, key: str, /) -> Path | None:
        """The file holding what this build `put` under `key`, if the store keeps files (an
        output with the same bytes may be hard-linked to it instead of written)."""


class NoParts:
    """A store that remembers nothing: every piece is made afresh."""

    def get(self, _key: str, /) -> bytes | None:
        return None

    def put(self, _key: str, _data: bytes, /) -> None:
        return None

    def file(self, _key: str, /) -> Path | None:
        return None


@dataclass(frozen=True, slots=True)
class ExportContext:
    out_dir: Path  # where this build writes (a staging folder, swapped in when all succeed)
    options: BuildOptions
    report: DiagnosticSink
    parts: PartStore = field(default_factory=NoParts)
    # the previous build's output folder (read only), to hard-link files that did not change
    previous: Path | None = None


@runtime_checkable
class Exporter(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]: ...


class ExporterLoadError(Exception):
    pass


def available() -> dict[str, EntryPoint]:
    """Installed exporters by name, without importing them."""
    return {ep.name: ep for ep in sorted(exporter_entry_points(), key=lambda e: e.name)}


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
