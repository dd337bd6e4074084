"""The exporter interface and discovery through the `coursec.exporters` entry-point group.

A third-party exporter is any class with `name`, `description` and `export()`, declared as
`[project.entry-points."coursec.exporters"] myformat = "pkg.module:MyExporter"`.

Light on purpose (standard library only at import): an up-to-date check asks which exporters
are installed, and by which distribution, without loading the course or the exporters.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from coursec.codes import Code

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from coursec.diagnostics import DiagnosticSink
    from coursec.plan import BuildPlan

EXPORTER_GROUP = "coursec.exporters"  # the entry-point group third-party exporters join
T = TypeVar("T")
R = TypeVar("R")


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


class Jobs(Protocol):
    """Runs an exporter's independent jobs: here, or across the build's worker processes.

    `job` must be a module-level function and its items and results picklable; results come
    back in the order of `items`, the same whichever way they ran. `shares`, when given, says
    for each item what part of the memory the workers may take side by side its job will take
    (the exporter's estimate): jobs whose shares sum to more than 1 do not run side by side.
    `meanwhile`, when given, is called once in this process while the jobs run in workers (then
    even a single job goes to one), or after them when they run here. It is given `busy`, which
    says whether jobs still run (here: never), so that it can stop once they are done.
    """

    def map(
        self,
        job: Callable[[T], R],
        items: Sequence[T],
        /,
        shares: Sequence[float] = (),
        meanwhile: Callable[[Callable[[], bool]], object] | None = None,
    ) -> list[R]: ...

    def release(self) -> None:
        """The exporter has no more jobs: the workers may end (and give their memory back)
        before its last steps. A later `map` still works, in this process."""


class InProcess:
    """Jobs run one after another in this process."""

    def map(
        self,
        job: Callable[[T], R],
        items: Sequence[T],
        /,
        shares: Sequence[float] = (),  # noqa: ARG002 - one job at a time: nothing side by side
        meanwhile: Callable[[Callable[[], bool]], object] | None = None,
    ) -> list[R]:
        results = [job(item) for item in items]
        if meanwhile is not None:
            meanwhile(lambda: False)
        return results

    def release(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ExportContext:
    out_dir: Path  # where this build writes (a staging folder, swapped in when all succeed)
    options: Any  # the exporter's own options (an instance of its `options_model`), or None
    report: DiagnosticSink
    parts: PartStore = field(default_factory=NoParts)
    # the previous build's output folder (read only), to hard-link files that did not change
    previous: Path | None = None
    jobs: Jobs = field(default_factory=InProcess)


@runtime_checkable
class Exporter(Protocol):
    """An output format. An exporter whose class sets `parallel = True` hands its heavy work to
    `ctx.jobs`: it runs in the build process, which reaches the worker pool. Its optional
    `warm_up()` is called before the workers start: what it imports there, forked workers
    share instead of importing it again."""

    name: ClassVar[str]
    description: ClassVar[str]

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]: ...


def require_published_module(plan: BuildPlan, package: str) -> None:
    """A package of one unit per module (a cmi5 AU, a SCO) needs a published module to hold:
    CS541 at course.yml when every module is coming soon or a draft."""
    if plan.modules:
        return
    from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span

    raise CoursecError(
        [
            Diagnostic(
                Severity.ERROR,
                Code.CS541,
                f"{package} needs at least one published module; every module of this course "
                "is coming soon or a draft",
                Span(plan.course.root / "course.yml", 0, 0),
                "publish a module (`status: published`), or build the other formats for now",
            )
        ]
    )


class ExporterLoadError(Exception):
    pass


def exporter_entry_points() -> tuple[EntryPoint, ...]:
    """The `coursec.exporters` entry points, found once per process and module search path
    (scanning every installed distribution costs milliseconds, and a build asks three times;
    an exporter installed while `--watch` runs is seen once it restarts)."""
    return _entry_points(tuple(sys.path))


@cache
def _entry_points(_search_path: tuple[str, ...]) -> tuple[EntryPoint, ...]:
    from importlib import metadata  # costs as much as a no-op build's checking: only when asked

    return tuple(metadata.entry_points(group=EXPORTER_GROUP))


def exporter_identities(formats: Iterable[str]) -> list[list[str | None]] | None:
    """Each format's entry point and providing distribution; None if one is not installed."""
    installed = {ep.name: ep for ep in exporter_entry_points()}
    found: list[list[str | None]] = []
    for name in formats:
        entry = installed.get(name)
        if entry is None:
            return None
        dist = entry.dist
        found.append(
            [name, entry.value, dist.name if dist else None, dist.version if dist else None]
        )
    return found


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


def select_exporters(formats: Iterable[str], sink: DiagnosticSink) -> list[Exporter]:
    """The exporters of `formats` (each once, in order); an unknown or broken one is reported."""
    installed = available()
    chosen: list[Exporter] = []
    for name in dict.fromkeys(formats):  # two copies of one exporter would write the same files
        entry = installed.get(name)
        if entry is None:
            sink.error(
                Code.CS504,
                f'unknown output format "{name}"',
                hint="installed formats: " + ", ".join(installed),
            )
            continue
        try:
            chosen.append(load(entry))
        except ExporterLoadError as exc:
            sink.error(Code.CS901, str(exc), hint="reinstall or remove the plugin that provides it")
    return chosen
