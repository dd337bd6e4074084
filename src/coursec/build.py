"""The build pipeline: check → load → validate → render → export → swap into place.

* **Check.** If the output folder's cache (coursec.cache) shows that it is exactly what this
  build would write, nothing is loaded, rendered or written: the build is up to date.
* **Render.** Module bodies whose key is in the cache are reused; the others are rendered.
* **Export.** Every exporter writes into a staging folder beside the output; the staging folder
  (with a fresh cache) replaces the output only when all of them succeeded. A failed, killed or
  interrupted build leaves the previous output, and its cache, untouched.

With `jobs > 1` rendering and the exporters run in a pool of worker processes (coursec.workers),
with output byte-identical to a serial build. `jobs == 1` runs everything in this process, with
no pool at all.

Only the CLI prints: the build reports through the optional `progress` callback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from coursec import cache
from coursec.diagnostics import (
    CoursecError,
    Diagnostic,
    DiagnosticSink,
    Severity,
    promote_warnings,
)
from coursec.options import BuildOptions
from coursec.os_errors import os_error_diagnostic
from coursec.outdir import absolute, check_target, locked, tidy_leftovers
from coursec.shards import ShardReader, write_shards

if TYPE_CHECKING:
    from coursec.course import Course
    from coursec.export import Artifact, Exporter
    from coursec.pieces import PieceSource
    from coursec.plan import BuildPlan
    from coursec.workers import Outcome, Pool

T = TypeVar("T")

# Below this many modules to render (and with a single exporter) starting workers costs more
# than they save: a body renders in about a millisecond.
RENDER_POOL_MIN = 64


# --- what a build reports ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactReport:
    path: Path  # relative to the output folder
    description: str
    exporter: str
    size: int
    seconds: float  # the exporter's wall time (0 when the output was already up to date)

    @property
    def artifact(self) -> Artifact:
        from coursec.export import Artifact  # not at import time: an up-to-date check stays light

        return Artifact(self.path, self.description)


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


def _silent(_event: BuildEvent) -> None:
    return None


def _unique(formats: tuple[str, ...]) -> tuple[str, ...]:
    """Each format once: two copies of one exporter would write the same files."""
    return tuple(dict.fromkeys(formats))


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- exporters --------------------------------------------------------------------------------


def select_exporters(formats: tuple[str, ...], sink: DiagnosticSink) -> list[Exporter]:
    from coursec import export
    from coursec.export import ExporterLoadError

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


# --- the pipeline -----------------------------------------------------------------------------


@dataclass(slots=True)
class BuildMemory:
    """What a process that builds again and again (`--watch`) keeps from one build to the next.

    Module records, decoded modules and bodies, by the same content keys as the on-disk cache,
    so that a rebuild neither reads nor decodes them again. Like the disk cache, an entry is
    used only under its key: keeping one that no longer matches costs memory, not correctness.
    """

    records: dict[str, Any] = field(default_factory=dict)
    restored: dict[str, Any] = field(default_factory=dict)  # coursec.records.Restored by key
    bodies: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Claims:
    """The output folders this build holds: locked, then checked as coursec's to replace."""

    course_dir: Path
    force: bool
    stack: contextlib.ExitStack[bool | None]
    held: set[Path] = field(default_factory=set)

    def claim(self, target: Path) -> None:
        if absolute(target) in self.held:
            return
        check_target(target, self.course_dir, self.force)  # first: no lock file beside "/"
        self.stack.enter_context(locked(target))
        self.held.add(absolute(target))
        tidy_leftovers(target)  # what killed builds left: no build of it is running now
        check_target(target, self.course_dir, self.force)


def build(
    course_dir: Path,
    options: BuildOptions,
    progress: Progress | None = None,
    memory: BuildMemory | None = None,
) -> BuildResult:
    """Build the course; on any error nothing is written and the previous output stays.

    A problem with the output folder or the system (another build writing it, a full disk,
    a read-only folder ...) is reported as a diagnostic like any other.
    """
    started = time.perf_counter()
    jobs = options.jobs if options.jobs is not None else default_jobs()
    result = BuildResult(jobs=jobs)
    try:
        with contextlib.ExitStack() as stack:
            _build(
                course_dir,
                options,
                progress or _silent,
                memory,
                result,
                _Claims(course_dir, options.force, stack),
            )
    except CoursecError as exc:
        result.diagnostics = sorted(
            [*result.diagnostics, *exc.diagnostics], key=Diagnostic.sort_key
        )
        result.out_dir = None
    except OSError as exc:
        result.diagnostics = sorted(
            [*result.diagnostics, os_error_diagnostic(exc)], key=Diagnostic.sort_key
        )
        result.out_dir = None
    result.seconds = time.perf_counter() - started
    return result


def _build(
    course_dir: Path,
    options: BuildOptions,
    emit: Progress,
    memory: BuildMemory | None,
    result: BuildResult,
    claims: _Claims,
) -> None:
    jobs = result.jobs
    previous: cache.Manifest | None = None
    checked = False

    peeked = None if options.out_dir is not None else cache.peek_course_id(course_dir)
    guess = options.out_dir or (Path("dist") / peeked if peeked else None)
    if guess is not None:
        claims.claim(guess)
    if options.clean:
        result.cache = "--clean: built from scratch"
    elif guess is None:
        result.cache = "course.yml has no readable id"
    else:
        emit(BuildEvent("start", "check"))
        verdict = cache.check(course_dir, guess, peeked, options)
        previous, result.cache, checked = verdict.manifest, verdict.reason, True
        if verdict.up_to_date and verdict.manifest is not None:
            try:
                recorded = cache.diagnostics_from_json(
                    verdict.manifest.diagnostics, course_dir.resolve()
                )
            except cache.CacheError as exc:
                previous, result.cache = None, str(exc)
            else:
                emit(BuildEvent("finish", "check", detail="up to date"))
                _up_to_date(result, guess, verdict.manifest, recorded)
                return
        emit(BuildEvent("finish", "check", detail=f"rebuilding: {result.cache}"))

    from coursec.course import load_course

    emit(BuildEvent("start", "load"))
    load_started = time.perf_counter()
    snapshot = cache.Snapshot.take(course_dir.resolve(), skip=[p for p in (guess,) if p])
    sink = DiagnosticSink()
    usable = _usable_manifest(options, guess, peeked, previous, checked, result)
    reader = cache.shard_reader(guess, usable)
    if memory is not None and memory.records and not options.clean:
        records = memory.records
    else:
        records = reader.everything(cache.RECORDS)
    warm = memory.restored if memory is not None and not options.clean else None
    preloaded = _preload(course_dir, records, jobs, emit) if jobs > 1 and not warm else {}
    if preloaded:
        records = {**records, **{key: record for key, record, _ in preloaded.values()}}
    loaded = load_course(course_dir, records, warm)
    if memory is not None:
        memory.records, memory.restored = loaded.records, loaded.restored
    diagnostics = promote_warnings(loaded.diagnostics) if options.strict else loaded.diagnostics
    sink.extend(diagnostics)
    exporters = select_exporters(_unique(options.formats), sink)
    if loaded.course is None or sink.has_errors:
        emit(
            BuildEvent(
                "finish", "load", detail="errors", seconds=time.perf_counter() - load_started
            )
        )
        result.diagnostics = sink.sorted()
        return
    course = loaded.course
    count, published_count = len(course.modules), len(course.published_modules)
    emit(
        BuildEvent(
            "finish",
            "load",
            detail=f"{count} module{'s' if count != 1 else ''}, {published_count} published",
            seconds=time.perf_counter() - load_started,
        )
    )
    target = options.out_dir or Path("dist") / course.id
    claims.claim(target)
    inputs = cache.course_inputs(course, snapshot)
    if inputs is None:
        result.cache, usable = "a source file changed while the build read it: nothing reused", None
    elif usable is not None and (usable.course_id != course.id or target != guess):
        result.cache, usable = f'the cache belongs to course "{usable.course_id}"', None
    if usable is None:
        reader = cache.shard_reader(None, None)

    from coursec.render import make_plan, source_date

    when = source_date(course)
    published = course.published_modules
    keys = _body_keys(course, inputs)
    known = memory.bodies if memory is not None and not options.clean else {}
    bodies: list[str | None] = [_body(k, known, reader) for k in keys]
    result.reused = [published[i].id for i, body in enumerate(bodies) if body is not None]
    if preloaded:  # rendered already, by the workers that loaded them
        rendered = _finish_preloaded(course, keys, preloaded, loaded.records)
        bodies = [
            b if b is not None or k is None else rendered.get(k)
            for k, b in zip(keys, bodies, strict=True)
        ]
    todo = [i for i, body in enumerate(bodies) if body is None]
    pool = None
    if jobs > 1 and (len(exporters) >= 2 or len(todo) >= RENDER_POOL_MIN):
        result.workers = min(jobs, max(len(exporters), len(todo)))
        from coursec.workers import Pool

        pool = Pool(result.workers, course, when, lambda: emit(BuildEvent("tick", "render")))
    try:
        _render(course, todo, bodies, pool, emit)
        if memory is not None:
            memory.bodies = {k: b for k, b in zip(keys, bodies, strict=True) if k and b}
        reused = set(result.reused)
        result.rendered = [m.id for m in published if m.id not in reused]
        plan = make_plan(course, [b or "" for b in bodies], when)
        theme = cache.theme_material(course.root)
        pieces = _piece_plan(target, options, theme, inputs, usable)
        memo = _Memo(
            inputs, keys, bodies, loaded.records, theme, pieces, reader, snapshot, loaded.fresh
        )
        _export(plan, exporters, target, options, sink, result, pool, emit, memo)
    except BaseException:
        if pool is not None:
            pool.abort()
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
    result.diagnostics = sink.sorted()


def _up_to_date(
    result: BuildResult,
    target: Path,
    manifest: cache.Manifest,
    diagnostics: list[Diagnostic],
) -> None:
    result.up_to_date = True
    result.out_dir = target
    result.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
    result.artifacts = [
        ArtifactReport(Path(a.path), a.description, a.exporter, a.size, 0.0)
        for a in manifest.artifacts
    ]


@dataclass(frozen=True, slots=True)
class _Memo:
    """What the cache written after this build keeps: inputs, body keys and bodies, records."""

    inputs: list[cache.InputFile] | None  # None: a source changed while read; keep nothing
    keys: list[str | None]
    bodies: list[str | None]
    records: dict[str, Any]
    theme: dict[str, str | None]  # cache.theme_material, computed once
    pieces: PiecePlan | None  # None: exporters keep nothing between builds
    previous: ShardReader  # the previous build's bodies and records, to link unchanged shards
    snapshot: cache.Snapshot  # the course folder before the build read it
    fresh: set[str]  # keys of the records made (not restored) by this build
    kept: dict[str, str] = field(default_factory=dict)  # pieces the exporters kept


def _source(memo: _Memo, exporter: str) -> PieceSource | None:
    return memo.pieces.source(exporter) if memo.pieces else None


@dataclass(frozen=True, slots=True)
class PiecePlan:
    """What every exporter's part store shares: the build's salt and the previous pieces."""

    salt: str
    recorded: dict[str, str]
    output: Path | None  # the previous output folder, when its cache is usable

    def source(self, exporter: str) -> PieceSource:
        from coursec.pieces import PieceSource

        return PieceSource(cache.digest([self.salt, exporter]), self.recorded, self.output)


def _piece_plan(
    target: Path,
    options: BuildOptions,
    theme: dict[str, str | None],
    inputs: list[cache.InputFile] | None,
    usable: cache.Manifest | None,
) -> PiecePlan | None:
    if inputs is None:
        return None
    course_yml = next(i.sha256 for i in inputs if i.role == "course")
    salt = cache.digest(
        {
            "pieces": cache.CACHE_FORMAT,
            "environment": cache.environment_key(),
            "theme": theme,
            "options": cache.options_material(options),
            "course": course_yml,
        }
    )
    if usable is None:
        return PiecePlan(salt, {}, None)
    return PiecePlan(salt, usable.pieces, target)


def _usable_manifest(
    options: BuildOptions,
    guess: Path | None,
    course_id: str | None,
    previous: cache.Manifest | None,
    checked: bool,
    result: BuildResult,
) -> cache.Manifest | None:
    """The manifest of the build that wrote the output folder, if its cache may be used."""
    if options.clean or guess is None:
        return None
    if previous is None and not checked:
        try:
            previous = cache.read_manifest(guess, course_id)
        except cache.CacheError as exc:
            if not result.cache:
                result.cache = str(exc)
            return None
    return previous  # None after a check: it said why (`result.cache`)


def _preload(
    course_dir: Path, records: dict[str, Any], jobs: int, emit: Progress
) -> dict[str, tuple[str, dict[str, Any], str]]:
    """Load and render the module files the cache lacks in worker processes, ahead of loading
    the course (coursec.workers.preload_task); {} when there are too few to be worth it."""
    from coursec.records import record_key
    from coursec.workers import Pool, preload_task

    data = cache.read_course_file(course_dir)
    refs = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(refs, list):
        return {}
    allow_html = data.get("allow_raw_html") is True
    root = course_dir.resolve()
    todo: list[str] = []
    for ref in refs:
        if not isinstance(ref, str):
            continue
        try:
            path = (root / ref).resolve()
            sha = cache.file_sha256(path)  # remembered: the loader asks again
            rel = path.relative_to(root).as_posix()
        except (OSError, ValueError):
            continue  # the loader reports it
        if record_key(rel, sha, allow_html) not in records:
            todo.append(ref)
    if len(todo) < RENDER_POOL_MIN:
        return {}
    pool = Pool(min(jobs, len(todo)), None, None, lambda: emit(BuildEvent("tick", "load")))
    try:
        futures = [
            pool.executor.submit(preload_task, root, allow_html, chunk)
            for chunk in pool.chunks(todo)
        ]
        done: dict[str, tuple[str, dict[str, Any], str]] = {}
        for part in pool.gather(futures, lambda _i, _r: None):
            done |= part
    except BaseException:
        pool.abort()
        raise
    pool.close()
    return done


def _finish_preloaded(
    course: Course,
    keys: list[str | None],
    preloaded: dict[str, tuple[str, dict[str, Any], str]],
    records: dict[str, Any],
) -> dict[str, str]:
    """Preloaded bodies by body key, for the modules loaded from the preloaded records."""
    from coursec.render import finish_provisional

    found: dict[str, str] = {}
    for module, key in zip(course.published_modules, keys, strict=True):
        entry = preloaded.get(module.path.relative_to(course.root).as_posix())
        if key is not None and entry is not None and entry[0] in records:
            found[key] = finish_provisional(course, module, entry[2])
    return found


def _body(key: str | None, known: dict[str, str], reader: ShardReader) -> str | None:
    """A body from this process's memory or the previous build's cache, if there is one."""
    if key is None:
        return None
    body = known.get(key) or reader.get(cache.BODIES, key)
    return body if isinstance(body, str) else None


def _body_keys(course: Course, inputs: list[cache.InputFile] | None) -> list[str | None]:
    from coursec.render import resolved_urls

    published = course.published_modules
    if inputs is None:
        return [None] * len(published)
    digests = {i.resolved: i.sha256 for i in inputs}
    keys: list[str | None] = []
    for module in published:
        sha = digests.get(module.path.relative_to(course.root).as_posix())
        urls = resolved_urls(course, module)
        keys.append(cache.body_key(sha, course.spec.allow_raw_html, urls) if sha else None)
    return keys


def _render(
    course: Course,
    todo: list[int],
    bodies: list[str | None],
    pool: Pool | None,
    emit: Progress,
) -> None:
    from coursec.render import render_module
    from coursec.workers import render_task

    published = course.published_modules
    emit(BuildEvent("start", "render", total=len(published)))
    started = time.perf_counter()
    ready = len(published) - len(todo)
    if ready:
        emit(BuildEvent("advance", "render", count=ready, detail="from cache or workers"))

    def store(index: int, html: str) -> None:
        bodies[index] = html
        emit(BuildEvent("advance", "render", count=1, detail=published[index].id))

    if pool is not None and len(todo) >= 2:
        chunks = pool.chunks(todo)
        futures = [pool.executor.submit(render_task, chunk) for chunk in chunks]

        def store_chunk(n: int, htmls: list[str]) -> None:
            for index, html in zip(chunks[n], htmls, strict=True):
                store(index, html)

        pool.gather(futures, store_chunk)
    else:
        for i in todo:
            store(i, render_module(course, published[i]).html)
    detail = f"{len(todo)} rendered here, {ready} from the cache or the loading workers"
    emit(BuildEvent("finish", "render", detail=detail, seconds=time.perf_counter() - started))


def _export(
    plan: BuildPlan,
    exporters: list[Exporter],
    target: Path,
    options: BuildOptions,
    sink: DiagnosticSink,
    result: BuildResult,
    pool: Pool | None,
    emit: Progress,
    memo: _Memo,
) -> None:
    from coursec.outdir import mark_output, staging_dir, swap_into_place
    from coursec.workers import export_task, run_exporter

    formats = _unique(options.formats)  # = the exporters, in order (all of them loaded)
    staging = staging_dir(target)
    try:

        def report(index: int, outcome: Outcome) -> None:
            name = exporters[index].name
            detail = (
                "failed" if any(d.severity is Severity.ERROR for d in outcome.diagnostics) else ""
            )
            emit(BuildEvent("finish", "export", name=name, detail=detail, seconds=outcome.seconds))

        if pool is not None and len(exporters) >= 2:
            for exporter in exporters:
                emit(BuildEvent("start", "export", name=exporter.name))
            bodies_tuple = tuple(r.html for r in plan.modules)
            futures = [
                pool.executor.submit(
                    export_task, fmt, staging, options, bodies_tuple, _source(memo, fmt)
                )
                for fmt in formats
            ]
            pool.tick = lambda: emit(BuildEvent("tick", "export"))
            outcomes = pool.gather(futures, report)
        else:
            outcomes = []
            for index, exporter in enumerate(exporters):
                emit(BuildEvent("start", "export", name=exporter.name))
                source = _source(memo, exporter.name)
                outcomes.append(run_exporter(exporter, plan, staging, options, source))
                report(index, outcomes[-1])
        for exporter, outcome in zip(exporters, outcomes, strict=True):
            sink.extend(outcome.diagnostics)
            memo.kept.update(outcome.pieces)
            result.artifacts += [
                ArtifactReport(
                    a.path, a.description, exporter.name, _size(staging / a.path), outcome.seconds
                )
                for a in outcome.artifacts
            ]
        if sink.has_errors:
            shutil.rmtree(staging, ignore_errors=True)
            return
        emit(BuildEvent("start", "write"))
        write_started = time.perf_counter()
        _write_cache(plan, staging, options, sink, result, memo)
        mark_output(staging, plan.course.id)
        swap_into_place(staging, target, plan.course.root, options.force)
        result.out_dir = target
        emit(BuildEvent("finish", "write", seconds=time.perf_counter() - write_started))
    except BaseException:
        if pool is not None:
            pool.abort()  # first: no worker may write into the folder being removed
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_cache(
    plan: BuildPlan,
    staging: Path,
    options: BuildOptions,
    sink: DiagnosticSink,
    result: BuildResult,
    memo: _Memo,
) -> None:
    """Record what this build read and wrote, beside the outputs it describes."""
    inputs = memo.inputs
    if inputs is None:
        return
    if not memo.snapshot.still_holds(plan.course.root / i.path for i in inputs):
        result.cache = "a source file changed while the build ran: nothing kept for next time"
        return
    course = plan.course
    exporters = cache.exporter_identities(options.formats)
    if exporters is None:
        return
    material = cache.build_material(
        course.id, options, plan.source_date, inputs, memo.theme, exporters
    )
    kept = {
        k: b for k, b in zip(memo.keys, memo.bodies, strict=True) if k is not None and b is not None
    }
    folder = cache.cache_dir(staging)
    shards = write_shards(folder, cache.BODIES, kept, memo.previous)
    shards |= write_shards(folder, cache.RECORDS, memo.records, memo.previous, memo.fresh)
    manifest = cache.Manifest(
        course_id=course.id,
        key=cache.digest(material),
        material=material,
        inputs=inputs,
        outputs=cache.record_outputs(staging),
        artifacts=[
            cache.ArtifactRecord(a.path.as_posix(), a.exporter, a.description, a.size)
            for a in result.artifacts
        ],
        diagnostics=cache.diagnostics_to_json(sink.sorted(), course.root),
        shards=shards,
        pieces=dict(sorted(memo.kept.items())),
    )
    cache.write_manifest(staging, manifest)
