"""The build pipeline: check → load → render → export → write.

    course folder ─load─▶ Course ─render─▶ BuildPlan ─export─▶ files in a staging folder
                  ─write─▶ the output folder

* **check** (`BuildCache.up_to_date`): an output folder that is exactly what this build would
  write is left alone; nothing is loaded.
* **load** (coursec.loading): modules the cache has a record of are restored, not parsed.
* **render** (coursec.render): the bodies the cache lacks, then the plan every exporter reads.
* **export**: each exporter writes into a staging folder beside the output (coursec.outdir).
* **write**: the cache is committed beside the outputs, and the staging folder replaces the
  output folder, only when every exporter succeeded. A failed, killed or interrupted build
  leaves the previous output, and its cache, untouched.

Reuse sits behind one seam (coursec.incremental.cache.BuildCache), the choice of running jobs
here or in worker processes behind another (coursec.executor.Executor). Only the CLI prints:
the build reports through the optional `progress` callback.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from coursec.collector import fewer_full_collections, settle
from coursec.diagnostics import CoursecError, Diagnostic, DiagnosticSink, Severity, promote_warnings
from coursec.incremental.cache import BuildCache, BuildMemory, Recorded
from coursec.incremental.manifest import ArtifactRecord
from coursec.options import BuildOptions
from coursec.os_errors import os_error_diagnostic
from coursec.outdir import OutputClaims

if TYPE_CHECKING:
    from datetime import datetime

    from coursec.executor import Executor, Outcome
    from coursec.export import Exporter
    from coursec.incremental.records import ModuleRecords
    from coursec.model import Course
    from coursec.outdir import Staging
    from coursec.plan import BuildPlan

__all__ = ["ArtifactReport", "BuildEvent", "BuildMemory", "BuildResult", "Progress", "build"]


# --- what a build reports ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactReport:
    path: Path  # relative to the output folder
    description: str
    exporter: str
    size: int
    seconds: float  # the exporter's wall time (0 when the output was already up to date)


@dataclass(slots=True)
class BuildResult:
    out_dir: Path | None = None
    artifacts: list[ArtifactReport] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    up_to_date: bool = False  # the output already matched the sources: nothing was done
    cache: str = ""  # what the cache said: "up to date", or why the build could not skip
    rendered: list[str] = field(default_factory=list)  # ids of the modules rendered
    reused: list[str] = field(default_factory=list)  # ids of the modules taken from the cache
    jobs: int = 1  # worker processes allowed
    workers: int = 0  # worker processes used (0: everything ran in this process)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


Stage = Literal["check", "load", "render", "export", "write"]


@dataclass(frozen=True, slots=True)
class BuildEvent:
    """One step of a build, for a progress display.

    `start` opens a stage (`total` items, if countable), `advance` completes `count` items of
    it, `finish` closes it (`detail` says how it went, `seconds` how long it took). Stage
    "export" is reported once per exporter (`name`). `tick` only says the build is still busy.
    """

    kind: Literal["start", "advance", "finish", "tick"]
    stage: Stage
    name: str = ""
    total: int | None = None
    count: int = 0
    detail: str = ""
    seconds: float = 0.0


Progress = Callable[[BuildEvent], None]


def default_jobs() -> int:
    """`COURSEC_JOBS` (a CI runner or container allowed fewer CPUs than it sees), else one worker
    per CPU this process may run on. The CLI rejects a value that is not a whole number >= 1;
    called from Python, such a value is ignored."""
    configured = os.environ.get("COURSEC_JOBS", "").strip()
    if configured.isdecimal() and int(configured) >= 1:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- the pipeline -----------------------------------------------------------------------------


def build(
    course_dir: Path,
    options: BuildOptions,
    progress: Progress | None = None,
    memory: BuildMemory | None = None,
) -> BuildResult:
    """Build the course; on any error nothing is written and the previous output stays."""
    run = _Run(options, progress)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(fewer_full_collections())
            claims = OutputClaims(course_dir, options.force, stack)
            known_id = None if options.out_dir else _peek_course_id(course_dir)
            target = options.out_dir or (Path("dist") / known_id if known_id else None)
            cache = BuildCache(course_dir, target, known_id, options, memory)
            if target is not None:
                claims.claim(target)
            with run.stage("check"):
                recorded = cache.up_to_date()
                run.detail("up to date" if recorded else f"rebuilding: {cache.reason}")
            if recorded is not None and target is not None:
                return run.up_to_date(target, cache.reason, recorded)
            with run.stage("load"):
                course, reuse, preloaded = _load(course_dir, cache, run)
            cache.loaded(course)
            exporters = _exporters(options, run)
            if course is None or run.sink.has_errors:
                return run.failed(cache.reason)
            target = options.out_dir or Path("dist") / course.id
            claims.claim(target)
            from coursec.executor import Executor
            from coursec.outdir import Staging
            from coursec.render import source_date

            when = source_date(course)
            staging = stack.enter_context(Staging(target, course.root, options.force))
            executor = stack.enter_context(Executor(run.result.jobs, run.tick))
            with run.stage("render", total=len(course.published_modules)):
                plan = _render(course, when, cache, reuse, preloaded, executor, exporters, run)
            settle()
            outcomes = _export(plan, exporters, staging.path, cache, executor, run)
            if run.sink.has_errors:
                return run.failed(cache.reason)
            with run.stage("write"):
                _write(course, when, exporters, outcomes, staging, cache, run)
            return run.done(target, cache.reason)
    except CoursecError as exc:  # the output folder refused, or another build holds it
        return run.failed("", exc.diagnostics)
    except OSError as exc:  # the system refused: full disk, read-only folder ...
        return run.failed("", [os_error_diagnostic(exc)])


def _peek_course_id(course_dir: Path) -> str | None:
    from coursec.sources import peek_course_id  # PyYAML: not for a build given --out

    return peek_course_id(course_dir)


def _load(
    course_dir: Path, cache: BuildCache, run: _Run
) -> tuple[Course | None, ModuleRecords, dict[str, tuple[str, str]]]:
    """Load the course, restoring what the cache recorded; with workers, the module files the
    cache lacks are loaded ahead in worker processes (their provisional bodies are returned)."""
    from coursec.executor import preload
    from coursec.loading import load_course

    reuse = cache.module_reuse()
    preloaded = preload(course_dir, reuse, run.result.jobs, run.tick)
    loaded = load_course(course_dir, reuse)
    diagnostics = loaded.diagnostics
    run.sink.extend(promote_warnings(diagnostics) if run.options.strict else diagnostics)
    course = loaded.course
    if course is None:
        run.detail("errors")
    else:
        count, published = len(course.modules), len(course.published_modules)
        run.detail(f"{count} module{'s' if count != 1 else ''}, {published} published")
    return course, reuse, preloaded


def _exporters(options: BuildOptions, run: _Run) -> list[Exporter]:
    """The exporters of the chosen formats; what is wrong with them or with `--set` values is
    reported."""
    from coursec.export import select_exporters
    from coursec.exporter_options import check_settings, installed_models

    chosen = select_exporters(options.formats, run.sink)
    if options.settings:
        run.sink.extend(check_settings(options.settings, installed_models()))
    return chosen


def _render(
    course: Course,
    when: datetime,
    cache: BuildCache,
    reuse: ModuleRecords,
    preloaded: dict[str, tuple[str, str]],
    executor: Executor,
    exporters: list[Exporter],
    run: _Run,
) -> BuildPlan:
    """The plan: each published module's body from the cache, from the workers that loaded it,
    or rendered now (in workers when there are many)."""
    from coursec.render import finish_provisional, make_plan

    published = course.published_modules
    bodies = cache.bodies(course)
    run.result.reused = [published[i].id for i, body in enumerate(bodies) if body is not None]
    for index, module in enumerate(published):
        ahead = preloaded.get(module.path.relative_to(course.root).as_posix())
        if bodies[index] is None and ahead is not None and ahead[0] in reuse.kept:
            bodies[index] = finish_provisional(course, module, ahead[1])
    todo = [i for i, body in enumerate(bodies) if body is None]
    ready = len(published) - len(todo)
    if ready:
        run.advance("render", ready, "from cache or workers")
    executor.start(course, when, len(todo), exporters)
    run.result.workers = executor.workers

    def done(index: int, html: str) -> None:
        bodies[index] = html
        run.advance("render", 1, published[index].id)

    executor.render(course, todo, done)
    run.detail(f"{len(todo)} rendered here, {ready} from the cache or the loading workers")
    cache.keep_bodies(bodies)
    reused = set(run.result.reused)
    run.result.rendered = [m.id for m in published if m.id not in reused]
    return make_plan(course, [b or "" for b in bodies], when)


def _export(
    plan: BuildPlan,
    exporters: list[Exporter],
    staging: Path,
    cache: BuildCache,
    executor: Executor,
    run: _Run,
) -> list[Outcome]:
    """Run every exporter into the staging folder; their diagnostics join the build's."""
    for exporter in exporters:
        run.event(BuildEvent("start", "export", name=exporter.name))
    run.current = "export"

    def done(index: int, outcome: Outcome) -> None:
        failed = any(d.severity is Severity.ERROR for d in outcome.diagnostics)
        run.event(
            BuildEvent(
                "finish",
                "export",
                name=exporters[index].name,
                detail="failed" if failed else "",
                seconds=outcome.seconds,
            )
        )

    from coursec.exporter_options import resolve

    own = {e.name: resolve(e, plan.course.options, run.options.settings) for e in exporters}
    outcomes = executor.export(plan, exporters, staging, own, cache.parts, done)
    for outcome in outcomes:
        run.sink.extend(outcome.diagnostics)
    return outcomes


def _write(
    course: Course,
    when: datetime,
    exporters: list[Exporter],
    outcomes: list[Outcome],
    staging: Staging,
    cache: BuildCache,
    run: _Run,
) -> None:
    """Commit the cache beside the outputs, then put the staging folder in place."""
    reports = [
        a
        for e, o in zip(exporters, outcomes, strict=True)
        for a in run.artifacts(e, o, staging.path)
    ]
    cache.commit(
        staging.path,
        course,
        when,
        [ArtifactRecord(a.path.as_posix(), a.exporter, a.description, a.size) for a in reports],
        run.sink.sorted(),
        {name: sha for outcome in outcomes for name, sha in outcome.parts.items()},
    )
    staging.swap(course.id)


class _Run:
    """One build's progress events, diagnostics and result, and the stage it is in."""

    def __init__(self, options: BuildOptions, progress: Progress | None) -> None:
        self.options = options
        self.progress = progress
        self.started = time.perf_counter()
        self.sink = DiagnosticSink()
        self.current: Stage = "check"
        self.details: dict[Stage, str] = {}
        jobs = options.jobs if options.jobs is not None else default_jobs()
        self.result = BuildResult(jobs=jobs)

    def event(self, event: BuildEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def tick(self) -> None:
        self.event(BuildEvent("tick", self.current))

    def advance(self, stage: Stage, count: int, detail: str) -> None:
        self.event(BuildEvent("advance", stage, count=count, detail=detail))

    def detail(self, text: str) -> None:
        self.details[self.current] = text

    @contextlib.contextmanager
    def stage(self, stage: Stage, total: int | None = None) -> Iterator[None]:
        """Report a stage's start and, when it ends normally, its finish with its detail."""
        self.current = stage
        started = time.perf_counter()
        self.event(BuildEvent("start", stage, total=total))
        yield
        seconds = time.perf_counter() - started
        detail = self.details.get(stage, "")
        self.event(BuildEvent("finish", stage, detail=detail, seconds=seconds))

    def artifacts(
        self, exporter: Exporter, outcome: Outcome, staging: Path
    ) -> list[ArtifactReport]:
        reports = [
            ArtifactReport(
                a.path, a.description, exporter.name, _size(staging / a.path), outcome.seconds
            )
            for a in outcome.artifacts
        ]
        self.result.artifacts += reports
        return reports

    def up_to_date(self, target: Path, reason: str, recorded: Recorded) -> BuildResult:
        result = self.result
        result.up_to_date, result.out_dir, result.cache = True, target, reason
        result.diagnostics = recorded.diagnostics
        result.artifacts = [
            ArtifactReport(Path(a.path), a.description, a.exporter, a.size, 0.0)
            for a in recorded.artifacts
        ]
        return self._end()

    def failed(self, reason: str, diagnostics: list[Diagnostic] | None = None) -> BuildResult:
        self.sink.extend(diagnostics or [])
        self.result.cache = self.result.cache or reason
        self.result.out_dir = None
        return self._end()

    def done(self, target: Path, reason: str) -> BuildResult:
        self.result.out_dir, self.result.cache = target, reason
        return self._end()

    def _end(self) -> BuildResult:
        if not self.result.up_to_date:
            self.result.diagnostics = self.sink.sorted()
        self.result.seconds = time.perf_counter() - self.started
        return self.result


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0
