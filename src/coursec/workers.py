"""Running exporters and rendering bodies, in this process or in a pool of worker processes.

On Linux the workers are forked once the course is loaded and inherit it; elsewhere (or when
the calling process runs threads, where forking is unsafe) they receive it pickled. Each worker
rebuilds the theme (a jinja2 environment does not travel) and receives the rendered bodies as
strings. Every job writes its own files, so the output is byte-identical to a serial build.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from coursec.diagnostics import CoursecError, Diagnostic, DiagnosticSink
from coursec.options import BuildOptions
from coursec.pieces import pieces_dir

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

    from coursec.course import Course
    from coursec.export import Artifact, Exporter
    from coursec.pieces import PieceSource
    from coursec.plan import BuildPlan

T = TypeVar("T")

TICK_SECONDS = 0.1  # how often `Pool.gather` says the build is still working
CHUNKS_PER_WORKER = 4  # tasks per worker in `Pool.chunks`
# None: fork on Linux when this process runs no other thread, else forkserver or spawn.
# Tests set it to "spawn" to exercise the pickling path.
START_METHOD: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    artifacts: list[Artifact]
    diagnostics: list[Diagnostic]
    seconds: float
    pieces: dict[str, str]  # the pieces the exporter kept: name -> SHA-256


def run_exporter(
    exporter: Exporter,
    plan: BuildPlan,
    out_dir: Path,
    options: BuildOptions,
    pieces: PieceSource | None,
) -> Outcome:
    from coursec.export import ExportContext, NoParts
    from coursec.pieces import PieceStore

    sink = DiagnosticSink()
    started = time.perf_counter()
    store = PieceStore(pieces, pieces_dir(out_dir)) if pieces else None
    previous = pieces.output if pieces else None
    context = ExportContext(out_dir, options, sink, store or NoParts(), previous)
    try:
        artifacts = list(exporter.export(plan, context))
    except CoursecError as exc:
        sink.extend(exc.diagnostics)
        artifacts = []
    kept = store.kept if store else {}
    return Outcome(artifacts, list(sink.items), time.perf_counter() - started, kept)


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


Preloaded = dict[str, tuple[str, dict[str, Any], str]]  # path -> (record key, record, body)


def preload_task(root: Path, allow_html: bool, refs: tuple[str, ...]) -> Preloaded:
    """Load, record and provisionally render module files before the course is assembled.

    A module with errors is left out: the build process loads it again to report them.
    """
    from coursec.course import CourseLoader
    from coursec.render import render_provisional

    done: Preloaded = {}
    for ref in refs:
        loader = CourseLoader(root, {})
        loaded = loader.load_file(ref, allow_html)
        if loaded is not None:
            key, module = loaded
            path = loader.new_records[key]["path"]
            done[path] = (key, loader.new_records[key], render_provisional(module, allow_html))
    return done


def render_task(indexes: tuple[int, ...]) -> list[str]:
    from coursec.render import render_module

    course, _ = _WORKER.get()
    published = course.published_modules
    return [render_module(course, published[i]).html for i in indexes]


def export_task(
    fmt: str,
    out_dir: Path,
    options: BuildOptions,
    bodies: tuple[str, ...],
    pieces: PieceSource | None,
) -> Outcome:
    from coursec import export
    from coursec.render import make_plan

    course, when = _WORKER.get()
    exporter = export.load(export.available()[fmt])
    return run_exporter(exporter, make_plan(course, bodies, when), out_dir, options, pieces)


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


class Pool:
    """Worker processes holding the loaded course (none yet for `preload_task`); stopped at
    once if the build fails."""

    def __init__(
        self, size: int, course: Course | None, when: datetime | None, tick: Callable[[], None]
    ) -> None:
        from concurrent.futures import ProcessPoolExecutor

        context, children = _start_context()
        self.size = size
        self.tick = tick
        self.executor = ProcessPoolExecutor(
            max_workers=size,
            mp_context=context,
            initializer=_worker_init,
            initargs=(os.getpid() if children else None, course, when),
        )

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
