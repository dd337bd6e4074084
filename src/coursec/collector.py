"""Garbage collection during a build: no full collection while the course is loaded and rendered.

Loading and rendering make every module's tokens, records and pages, millions of objects that
live until the build ends and that each full collection would walk again, for nothing (11 % of a
cold 200-module build's CPU, 12 % at 800). So full collections wait while they are made; the
young generations are still collected as usual. From the export on (`settle`), those objects are
frozen (`gc.freeze`: full collections skip them) and collections run as usual again: exporters
such as the PDF's make cyclic garbage of their own (WeasyPrint's boxes) that must be freed as
it goes, in the build process and in the workers forked from it. Builds running in threads of one
process (`coursec preview`) share the setting: the last to end restores it and unfreezes.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()
_running = 0
_old_threshold = 10  # CPython's default, replaced by the real one when a first build starts
_NEVER = 1_000_000  # collections of the middle generation before the old one is collected


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
    gc.freeze()
    if _running:
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _old_threshold)
