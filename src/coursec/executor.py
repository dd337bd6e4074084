"""Running a build's jobs: in this process, or in a pool of worker processes when it pays.

The build hands its jobs to one `Executor` (`jobs` processes allowed) and gets the same results
either way, byte for byte:

* `preload`: module files the cache has no record of are loaded (and provisionally rendered) by
  workers before the course is assembled: only when there are many (`POOL_MIN`).
* `render`: module bodies the cache lacks.
* `export`: the exporters, each writing its own files into the staging folder. An exporter
  marked `parallel` (the PDF) runs in the build process instead and hands its own jobs (laying
  out the handout's chapters) to the workers, through its `ExportContext.jobs`.

Workers for `render` and `export` are started once the course is loaded (`start`), if there is
enough to share: many bodies to render, several exporters, or a parallel one. On Linux they are
forked and inherit the course; elsewhere (or when the process runs threads, where forking is
unsafe) they receive it pickled. Each worker rebuilds the theme (a jinja2 environment does not
travel) and receives the rendered bodies as strings.

Long because both sides of the pool live here (the tasks workers run, and the build process's
side that sends them), so that what crosses between processes is defined in one place.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, DiagnosticSink

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    from coursec.export import Artifact, Exporter, Jobs
    from coursec.incremental.parts import PartSource
    from coursec.incremental.records import ModuleRecords
    from coursec.model import Course
    from coursec.plan import BuildPlan

T = TypeVar("T")
R = TypeVar("R")

# Below this many modules to load or render (and with a single exporter) starting workers costs
# more than they save: a body renders in about a millisecond.
POOL_MIN = 64
TICK_SECONDS = 0.1  # how often waiting on workers says the build is still working
CHUNKS_PER_WORKER = 4  # tasks per worker in `_chunks`
# None: fork on Linux when this process runs no other thread, else forkserver or spawn.
# Tests set it to "spawn" to exercise the pickling path.
START_METHOD: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one exporter made: its artifacts and diagnostics, how long it took, and the parts
    it kept (name -> SHA-256)."""

    artifacts: list[Artifact]
    diagnostics: list[Diagnostic]
    seconds: float
    parts: dict[str, str]


def run_exporter(
    exporter: Exporter,
    plan: BuildPlan,
    out_dir: Path,
    options: Any,
    parts: PartSource | None,
    jobs: Jobs | None = None,
) -> Outcome:
    """Run one exporter into `out_dir` with its own `options` (coursec.exporter_options)."""
    from coursec.export import ExportContext, InProcess, NoParts
    from coursec.incremental.parts import KeptParts, parts_dir

    sink = DiagnosticSink()
    started = time.perf_counter()
    store = KeptParts(parts, parts_dir(out_dir)) if parts else None
    previous = parts.output if parts else None
    context = ExportContext(
        out_dir, options, sink, store or NoParts(), previous, jobs or InProcess()
    )
    try:
        artifacts = list(exporter.export(plan, context))
    except CoursecError as exc:
        sink.extend(exc.diagnostics)
        artifacts = []
    except OSError:
        raise  # the system's doing: a diagnostic of its own (coursec.os_errors)
    except Exception as exc:
        if type(exporter).__module__.startswith("coursec."):
            raise  # a built-in exporter's failure is a bug in coursec (CS902)
        sink.error(  # a third-party exporter's failure is its own (CS501)
            Code.CS501,
            f'the "{exporter.name}" output format failed: {type(exc).__name__}: {exc}',
            hint=f'this is a bug in the plugin that provides "{exporter.name}"; report it '
            "to its authors, or build without it (--format)",
        )
        artifacts = []
    kept = store.kept if store else {}
    return Outcome(artifacts, list(sink.items), time.perf_counter() - started, kept)


# --- inside a worker ----------------------------------------------------------------------------


@dataclass(slots=True)
class _WorkerState:
    course: Course | None = None
    when: datetime | None = None

    def get(self) -> tuple[Course, datetime]:
        if self.course is None or self.when is None:
            raise RuntimeError("coursec worker used before it was initialized")
        return self.course, self.when


_WORKER = _WorkerState()
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int | None) -> None:
    """Linux: end this worker when the build process ends, even by SIGKILL."""
    if sys.platform != "linux":
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the build ended before this worker armed the signal


def _worker_init(parent: int | None, course: Course | None, when: datetime | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build process's to handle
    _die_with_parent(parent)
    _WORKER.course, _WORKER.when = course, when
    from coursec.collector import in_worker

    in_worker()


# path -> (record key, record, provisionally rendered body)
Preloaded = dict[str, tuple[str, dict[str, Any], str]]


def preload_task(root: Path, allow_html: bool, refs: tuple[str, ...]) -> Preloaded:
    """Load, record and provisionally render module files before the course is assembled.

    A module with errors is left out: the build process loads it again to report them.
    """
    from coursec.incremental.records import ModuleRecords
    from coursec.loading import CourseLoader
    from coursec.render import render_provisional

    done: Preloaded = {}
    for ref in refs:
        records = ModuleRecords(root, {})
        module = CourseLoader(root, records).load_file(ref, allow_html)
        if module is not None and len(records.fresh) == 1:
            (key,) = records.fresh
            record = records.kept[key]
            done[record["path"]] = (key, record, render_provisional(module, allow_html))
    return done


def render_task(indexes: tuple[int, ...]) -> list[str]:
    from coursec.render import render_module

    course, _ = _WORKER.get()
    published = course.published_modules
    return [render_module(course, published[i]).html for i in indexes]


def export_task(
    fmt: str,
    out_dir: Path,
    options: Any,
    bodies: tuple[str, ...],
    parts: PartSource | None,
) -> Outcome:
    from coursec import export
    from coursec.collector import after_task
    from coursec.render import make_plan

    course, when = _WORKER.get()
    exporter = export.load(export.available()[fmt])
    try:
        return run_exporter(exporter, make_plan(course, bodies, when), out_dir, options, parts)
    finally:
        after_task()


def job_task(job: Callable[[T], R], item: T) -> R:
    """One of an exporter's jobs (`coursec.export.Jobs`), then memory given back if it left
    much behind (`coursec.collector.after_task`)."""
    from coursec.collector import after_task

    try:
        return job(item)
    finally:
        after_task()


# --- in the build process -----------------------------------------------------------------------


def _start_context() -> tuple[BaseContext, bool]:
    """The multiprocessing context, and whether workers are the build process's children."""
    import multiprocessing  # here: an up-to-date build never starts a worker

    if START_METHOD is not None:
        return multiprocessing.get_context(START_METHOD), START_METHOD != "forkserver"
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork"), True  # no thread to be caught mid-lock
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver"), False
    return multiprocessing.get_context("spawn"), True


class _Pool:
    """Worker processes, holding the loaded course (or none, for `preload_task`)."""

    def __init__(
        self, size: int, course: Course | None, when: datetime | None, tick: Callable[[], None]
    ) -> None:
        context, children = _start_context()
        self.size = size
        self.tick = tick
        self._context = context
        self._initargs = (os.getpid() if children else None, course, when)
        self.executor: ProcessPoolExecutor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=self._context,
            initializer=_worker_init,
            initargs=self._initargs,
        )

    def renew(self) -> None:
        """Start the workers afresh (once the tasks sent to them are done): the heap that earlier
        tasks left in them, and the build process's pages they came to copy, go back to the
        system."""
        self.executor.shutdown(wait=True)
        self.executor = self._start()

    def chunks(self, items: Sequence[T]) -> list[tuple[T, ...]]:
        """`items` in a few chunks per worker: enough to balance, few enough to keep messages
        cheap."""
        size = -(-len(items) // (self.size * CHUNKS_PER_WORKER))
        return [tuple(items[i : i + size]) for i in range(0, len(items), size)]

    def gather(self, futures: Sequence[Future[T]], done: Callable[[int, T], None]) -> list[T]:
        """Results in submission order; `done` is called as each one arrives."""
        from concurrent.futures import FIRST_COMPLETED, wait

        order = {f: i for i, f in enumerate(futures)}
        results: dict[int, T] = {}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=TICK_SECONDS, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=order.__getitem__):
                index = order[future]
                results[index] = future.result()
                done(index, results[index])
            self.tick()
        return [results[i] for i in range(len(futures))]

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def abort(self) -> None:
        """Stop every worker now: nothing may write into a staging folder being removed."""
        processes: dict[Any, Any] = getattr(self.executor, "_processes", None) or {}
        workers = [p for p in processes.values() if p.is_alive()]
        for process in workers:
            process.terminate()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.join(timeout=5)


class _PoolJobs:
    """An exporter's jobs, one task each, across the pool's workers (`coursec.export.Jobs`).

    `last`: no exporter after this one in the build process needs the workers, so its
    `release` lets them end once the tasks sent to them are done. At the end of a PDF build
    they held the memory of their largest layouts while the build process joined the handout.
    """

    def __init__(self, pool: _Pool, last: bool) -> None:
        self.pool = pool
        self.last = last
        self.released = False

    def map(
        self,
        job: Callable[[T], R],
        items: Sequence[T],
        /,
        shares: Sequence[float] = (),
        meanwhile: Callable[[Callable[[], bool]], object] | None = None,
    ) -> list[R]:
        """`Jobs.map`: the items are sent to the workers in order while the shares of those in
        flight sum to at most 1. An item that takes more than half is sent once none is in
        flight, to workers started afresh (`_Pool.renew`): the heap earlier jobs left in them
        goes back to the system first. A single item runs here, unless there is something to
        do `meanwhile`."""
        from concurrent.futures import FIRST_COMPLETED, wait

        from coursec.export import InProcess

        if not items or (len(items) < 2 and meanwhile is None) or self.released:
            return InProcess().map(job, items, meanwhile=meanwhile)
        parts = list(shares) if shares else [0.0] * len(items)
        pool = self.pool
        results: dict[int, R] = {}
        sent: dict[Future[R], int] = {}
        taken, following = 0.0, 0
        while following < len(items) or sent:
            while following < len(items) and _may_send(parts[following], taken, bool(sent)):
                if parts[following] > _LARGE:
                    pool.renew()
                sent[pool.executor.submit(job_task, job, items[following])] = following
                taken += parts[following]
                following += 1
            if meanwhile is not None:
                meanwhile(functools.partial(_running, list(sent)))
                meanwhile = None
            finished, _ = wait(sent, timeout=TICK_SECONDS, return_when=FIRST_COMPLETED)
            for future in finished:
                index = sent.pop(future)
                results[index] = future.result()
                taken -= parts[index]
            pool.tick()
        return [results[i] for i in range(len(items))]

    def release(self) -> None:
        self.released = True
        if self.last:
            self.pool.executor.shutdown(wait=False)  # the exporters sent away still finish


def _running(futures: Sequence[Future[Any]]) -> bool:
    return not all(future.done() for future in futures)


_LARGE = 0.5  # a job's share (`Jobs.map`) above which it starts alone, in fresh workers


def _may_send(share: float, taken: float, busy: bool) -> bool:
    """Whether a job of `share` may be sent while jobs of `taken` shares are in flight."""
    return not busy or (share <= _LARGE and taken + share <= 1)


def _parallel(exporter: Exporter) -> bool:
    return getattr(exporter, "parallel", False) is True


def preload(
    course_dir: Path, records: ModuleRecords, jobs: int, tick: Callable[[], None]
) -> dict[str, tuple[str, str]]:
    """Load the module files `records` lacks in worker processes, ahead of the course, when
    there are many and nothing is decoded yet; their records join `records`. Returns, by module
    path, the record key and the provisional body (coursec.render.render_provisional)."""
    from coursec.incremental.fingerprint import file_sha256
    from coursec.incremental.records import record_key
    from coursec.sources import read_course_file

    if jobs < 2 or records.warm:
        return {}
    data = read_course_file(course_dir)
    refs = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(refs, list):
        return {}
    allow_html = data.get("allow_raw_html") is True
    root = records.root
    todo: list[str] = []
    for ref in refs:
        if not isinstance(ref, str):
            continue
        try:
            path = (root / ref).resolve()
            sha = file_sha256(path)  # remembered: the loader asks again
            rel = path.relative_to(root).as_posix()
        except (OSError, ValueError):
            continue  # the loader reports it
        if record_key(rel, sha, allow_html) not in records.previous:
            todo.append(ref)
    if len(todo) < POOL_MIN:
        return {}
    import coursec.render  # noqa: F401  # the workers' task needs it: imported once, before they fork

    pool = _Pool(min(jobs, len(todo)), None, None, tick)
    try:
        futures = [
            pool.executor.submit(preload_task, root, allow_html, chunk)
            for chunk in pool.chunks(todo)
        ]
        done: Preloaded = {}
        for part in pool.gather(futures, lambda _i, _r: None):
            done |= part
    except BaseException:
        pool.abort()
        raise
    pool.close()
    records.adopt({key: record for key, record, _ in done.values()})
    return {path: (key, body) for path, (key, _, body) in done.items()}


class Executor:
    """Runs a build's jobs here, or in worker processes when `jobs > 1` and it pays.

    Use as a context manager: leaving it normally waits for the workers; leaving it by an
    exception stops them at once (nothing may write into a staging folder being removed).
    """

    def __init__(self, jobs: int, tick: Callable[[], None]) -> None:
        self.jobs = jobs
        self.tick = tick
        self.pool: _Pool | None = None
        self.workers = 0  # worker processes started for rendering and exporting

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: object, _value: object, _traceback: object) -> None:
        if self.pool is not None:
            if kind is None:
                self.pool.close()
            else:
                self.pool.abort()
            self.pool = None

    def start(
        self, course: Course, when: datetime, renders: int, exporters: Sequence[Exporter]
    ) -> None:
        """Start the workers for rendering and exporting, if there is enough to share."""
        parallel = [e for e in exporters if _parallel(e)]
        if self.jobs > 1 and (len(exporters) >= 2 or renders >= POOL_MIN or parallel):
            wanted = self.jobs if parallel else max(len(exporters), renders)
            self.workers = min(self.jobs, wanted)
            for exporter in parallel:  # forked workers then share what it imported
                warm_up = getattr(exporter, "warm_up", None)
                if callable(warm_up):
                    warm_up()
            self.pool = _Pool(self.workers, course, when, self.tick)

    def render(self, course: Course, todo: Sequence[int], done: Callable[[int, str], None]) -> None:
        """Render the published modules at `todo`; `done(index, html)` as each arrives."""
        from coursec.render import render_module

        pool = self.pool
        if pool is None or len(todo) < 2:
            published = course.published_modules
            for index in todo:
                done(index, render_module(course, published[index]).html)
            return
        chunks = pool.chunks(todo)
        futures = [pool.executor.submit(render_task, chunk) for chunk in chunks]

        def chunk_done(n: int, htmls: list[str]) -> None:
            for index, html in zip(chunks[n], htmls, strict=True):
                done(index, html)

        pool.gather(futures, chunk_done)

    def export(
        self,
        plan: BuildPlan,
        exporters: Sequence[Exporter],
        out_dir: Path,
        options: Mapping[str, Any],
        parts: Callable[[str], PartSource | None],
        done: Callable[[int, Outcome], None],
    ) -> list[Outcome]:
        """Run each exporter into `out_dir` with its options (by exporter name); `done(index,
        outcome)` as each finishes."""
        pool = self.pool
        here = [pool is None or _parallel(e) or len(exporters) < 2 for e in exporters]
        futures = {}
        if pool is not None:
            bodies = tuple(r.html for r in plan.modules)
            futures = {
                i: pool.executor.submit(
                    export_task, e.name, out_dir, options.get(e.name), bodies, parts(e.name)
                )
                for i, e in enumerate(exporters)
                if not here[i]
            }
        outcomes: dict[int, Outcome] = {}
        for index, exporter in enumerate(exporters):
            if here[index]:  # a parallel exporter's jobs queue behind the exporters sent away
                own = options.get(exporter.name)
                later = range(index + 1, len(exporters))
                last = not any(here[i] and _parallel(exporters[i]) for i in later)
                jobs = _PoolJobs(pool, last) if pool is not None else None
                outcomes[index] = run_exporter(
                    exporter, plan, out_dir, own, parts(exporter.name), jobs
                )
                done(index, outcomes[index])
        if pool is not None and futures:
            away = list(futures)

            def away_done(n: int, outcome: Outcome) -> None:
                outcomes[away[n]] = outcome
                done(away[n], outcome)

            pool.gather(list(futures.values()), away_done)
        return [outcomes[i] for i in range(len(exporters))]
