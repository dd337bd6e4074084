"""`coursec build --watch`: build, then rebuild whenever a file of the course changes.

The course folder is polled (a `stat` of each file, a few times a second: no dependency, and it
works on network drives and in containers where file-system events do not arrive). A change
starts a rebuild once the folder has been quiet for `settle` seconds, so saving several files
at once, or an editor's write-then-rename, is one rebuild. Each rebuild is an ordinary
incremental build in this process: what did not change is reused from the cache, and the
modules already decoded, the compiled templates and the imported libraries stay in memory
(`BuildMemory`). A failed rebuild leaves the last
good output in place and watching goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from coursec.build import BuildMemory, BuildResult, Progress, build
from coursec.collector import free_deferred
from coursec.incremental.inputs import Snapshot
from coursec.options import BuildOptions

POLL_SECONDS = 0.25
SETTLE_SECONDS = 0.2


def _output_folders(course_dir: Path, options: BuildOptions) -> list[Path]:
    """Folders a build writes into, which may sit inside the course folder: not watched."""
    default = Path("dist")  # the default output folder is dist/<course-id>, from here
    return [p for p in (options.out_dir, course_dir / "dist", default) if p is not None]


def watch(
    course_dir: Path,
    options: BuildOptions,
    on_build: Callable[[BuildResult, list[str]], None],
    stop: threading.Event,
    progress: Progress | None = None,
    poll: float = POLL_SECONDS,
    settle: float = SETTLE_SECONDS,
) -> None:
    """Build, then rebuild on every change until `stop` is set.

    `on_build(result, changed)` is called after each build with the files that triggered it
    (empty for the first build).
    """
    memory = BuildMemory()
    root = course_dir.resolve()
    skip = _output_folders(course_dir, options)
    seen = _by_path(Snapshot.take(root, skip=skip))  # before building: edits meanwhile count
    on_build(build(course_dir, options, progress, memory), [])
    free_deferred()
    while not _stopped_after(poll, stop):
        current = _by_path(Snapshot.take(root, skip=skip))
        if current == seen:
            continue
        while not _stopped_after(settle, stop):  # let a burst of saves finish
            later = _by_path(Snapshot.take(root, skip=skip))
            if later == current:
                break
            current = later
        if stop.is_set():
            return
        changed = sorted(
            Path(path).relative_to(root).as_posix()
            for path in seen.keys() | current.keys()
            if seen.get(path) != current.get(path)
        )
        seen = current
        result = build(course_dir, options, progress, memory)
        on_build(result, changed)
        free_deferred()  # once reported: the output is in place sooner


def _stopped_after(seconds: float, stop: threading.Event) -> bool:
    """Sleep, then say whether `stop` is set. Not `stop.wait(seconds)`: Ctrl-C raises
    KeyboardInterrupt wherever this thread is, and inside `Event.wait` it can leave the event's
    lock taken, so that the `stop.set()` which follows blocks for ever (CPython 3.11)."""
    time.sleep(seconds)
    return stop.is_set()


def _by_path(snapshot: Snapshot) -> dict[str, tuple[object, ...]]:
    """Each file's identity and state by path: a rename, a swap or a symlink pointed elsewhere
    changes it even when no file's content or times do."""
    return {path: (key, snapshot.files[key]) for path, key in snapshot.paths.items()}
