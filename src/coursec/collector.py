"""Garbage collection during a build: no full collection while the course is loaded and rendered.

Loading and rendering make every module's tokens, records and pages, millions of objects that
live until the build ends and that each full collection would walk again, for nothing (11 % of a
cold 200-module build's CPU, 12 % at 800). So full collections wait while they are made; the
young generations are still collected as usual. From the export on (`settle`), those objects are
frozen (`gc.freeze`: full collections skip them) and collections run as usual again: exporters
such as the PDF's make cyclic garbage of their own (WeasyPrint's boxes) that must be freed as
it goes, in the build process and in the workers forked from it. Builds running in threads of one
process (`coursec preview`) share the setting: the last to end restores it and unfreezes.

A worker gives memory back once a task has left it much larger than it was (`after_task`):
otherwise it keeps the heap of the largest layout it made, e.g. the worker that drafted the
contents of an 800-module handout (its first task) held 600 MiB through every later one.

A process that ends with `os._exit` once its command is done (`coursec`'s `main`) need not free
a build's largest structures at all (`defer_frees`, `free_later`): freeing the joined PDF of an
800-module handout, a million qpdf objects one by one, took 0.66 s (0.14 s at 200 modules).
A command that keeps running frees them once each build is reported (`free_deferred`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

_LOCK = threading.Lock()
_running = 0
_old_threshold = 10  # CPython's default, replaced by the real one when a first build starts
_NEVER = 1_000_000  # collections of the middle generation before the old one is collected
_SLACK = 64 * 2**20  # what a worker may grow by before it gives memory back
_worker_size: int | None = None  # a worker's resident size when it started, or after it gave back
_deferred: list[object] | None = None  # what `free_later` keeps, once `defer_frees` is called


@contextlib.contextmanager
def fewer_full_collections() -> Iterator[None]:
    global _running, _old_threshold
    with _LOCK:
        young, middle, old = gc.get_threshold()
        if _running == 0:
            _old_threshold = old
            gc.set_threshold(young, middle, max(old, _NEVER))
        _running += 1
    try:
        yield
    finally:
        with _LOCK:
            _running -= 1
            if _running == 0:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _old_threshold)
                gc.unfreeze()


def settle() -> None:
    """The course is loaded and rendered: keep what exists out of full collections, and
    collect as usual again (see the module's docstring)."""
    with _LOCK:
        if _running:
            gc.freeze()
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, _old_threshold)


def in_worker() -> None:
    """A worker process: what it inherited from the build process is kept out of full
    collections, and its own garbage is collected as usual (a forked worker inherits the build's
    setting, which would let a worker laying out PDF chapters grow for the whole build)."""
    global _worker_size
    gc.freeze()
    if _running:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _old_threshold)
    _worker_size = resident_size()


def after_task() -> None:
    """A task ended in a worker: if it left the worker more than `_SLACK` larger than it was,
    collect the garbage and hand the freed heap back to the system. Tasks that leave little
    (a module's chapter) cost nothing; a large layout's leftovers (the contents, the page
    numbers of a long handout) are given back before the next task, not kept to the end."""
    global _worker_size
    size = resident_size()
    if _worker_size is None or size is None or size - _worker_size <= _SLACK:
        return
    gc.collect()
    give_back()
    _worker_size = max(_worker_size, resident_size() or 0)  # what stays is needed: re-arm above


def give_back() -> None:
    """Hand the heap this process has freed back to the system, where the C library can (see
    `_malloc_trim`): freed memory otherwise stays with the process, and with the workers
    forked from it later."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def defer_frees() -> None:
    """This process ends with `os._exit` once its command is done: keep what `free_later` is
    given until `free_deferred`, or the end."""
    global _deferred
    if _deferred is None:
        _deferred = []


def free_later(value: object) -> None:
    """Take the last reference to a large structure: it is freed at once, or, when frees are
    deferred (`defer_frees`), at the next `free_deferred`, if ever."""
    if _deferred is not None:
        _deferred.append(value)


def free_deferred() -> None:
    """Free what `free_later` kept: a build is done and reported, and another may follow."""
    if _deferred:
        _deferred.clear()


def resident_size() -> int | None:
    """This process's resident memory in bytes (Linux), else None."""
    try:
        pages = int(Path("/proc/self/statm").read_bytes().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, which returns the free memory at the heap's top and in its free
    pages to the system (freed memory otherwise stays with the process); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: a build that starts no worker never needs it

    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    return trim
