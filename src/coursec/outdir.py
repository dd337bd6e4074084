"""The output folder: only a folder coursec made is replaced, one build at a time, atomically.

* **Ownership.** Every build leaves a marker, ``.coursec-cache/output.json``, listing the files
  it wrote. A build replaces an existing output folder only if it is empty, or carries that
  marker and holds no file the marker does not list. Anything else (a user's folder, a file, a
  symlink) is refused with a diagnostic; ``--force`` replaces a folder of someone else's, but
  never the course folder, a folder inside it, one that contains it, the home folder or ``/``.
* **One build at a time.** A build holds an exclusive lock, ``.<name>.coursec-lock`` beside the
  output, from its up-to-date check to the swap. A second build waits `LOCK_WAIT` seconds,
  then gives up with CS604, leaving the first one alone.
* **Atomic swap.** Outputs are written into a staging folder beside the target (same file
  system), marked as coursec's with a unique name; the old output is renamed aside, the staging
  folder renamed into place, and only then is the old one removed, file by file as its marker
  lists them. A build killed at any point leaves either the old or the new output, plus
  leftovers that the next build of the same target (holding the lock) tidies or puts back.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coursec import __version__
from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity
from coursec.incremental.manifest import CACHE_DIR, MANIFEST

OUTPUT_MARKER = "output.json"  # inside CACHE_DIR
STAGING_MARKER = "staging"  # inside CACHE_DIR: outputs never list the cache
LOCK_WAIT = 3.0  # seconds a build waits for another one writing the same output folder


def _error(code: Code, message: str, hint: str) -> CoursecError:
    """(No position: the message names the folder, which is not a source file.)"""
    return CoursecError([Diagnostic(Severity.ERROR, code, message, None, hint)])


def absolute(target: Path) -> Path:
    """`target` made absolute without following symlinks (a symlink target is refused)."""
    return Path(os.path.abspath(target))  # noqa: PTH100 (resolve() would follow links)


def _names(target: Path) -> tuple[str, str, str]:
    """Prefixes of the staging and old folders of `target`, and its lock file's name."""
    base = f".{target.name}.coursec-"
    return base + "staging-", base + "old-", base + "lock"


# --- who wrote a folder -----------------------------------------------------------------------


def _listed_files(folder: Path) -> set[str] | None:
    """The files coursec's marker says it wrote into `folder`, or None if it has no marker.

    Output folders of earlier coursec versions have no marker but a cache manifest listing
    their files; it counts as one.
    """
    cache = folder / CACHE_DIR
    for name, key in ((OUTPUT_MARKER, "files"), (MANIFEST, "outputs")):
        try:
            data = json.loads((cache / name).read_bytes())
        except (OSError, ValueError):
            continue
        listed = data.get(key) if isinstance(data, dict) else None
        if isinstance(listed, list | dict):
            return {str(item) for item in listed}
    return None


def _walk(folder: Path) -> Iterator[str]:
    """Every entry under `folder` that is not a folder (posix paths), its cache left out."""
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if rel == "." else rel + "/"
        if not prefix:
            dirnames[:] = [d for d in dirnames if d != CACHE_DIR]
        for name in dirnames:  # symlinks to folders are not walked into: they are entries too
            if (Path(dirpath) / name).is_symlink():
                yield prefix + name
        yield from (prefix + name for name in filenames)


def foreign_files(folder: Path) -> list[str] | None:
    """What in `folder` coursec did not write (sorted); None if coursec never wrote to it."""
    listed = _listed_files(folder)
    if listed is None:
        return None
    return sorted(rel for rel in _walk(folder) if rel not in listed)


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def _protected(target: Path, course_root: Path) -> str | None:
    """Why `target` may never be replaced, even with --force, or None."""
    real = target.resolve()
    course = course_root.resolve()
    home = Path.home().resolve()
    if real == Path(real.anchor):
        return "it is the root of the file system"
    if real == course:
        return "it is the course folder"
    if course.is_relative_to(real):
        return "it contains the course folder"
    if real.is_relative_to(course):
        return "it is inside the course folder"
    if home.is_relative_to(real):
        return "it is or contains your home folder"
    return None


def check_target(target: Path, course_root: Path, force: bool) -> None:
    """Raise `CoursecError` unless a build may replace `target` (see the module docstring)."""
    target = absolute(target)
    try:
        st = target.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise _error(
            Code.CS602,
            f"the output path {target} is a symbolic link",
            "give --out the real folder, or a new path: coursec does not build through links",
        )
    if not stat.S_ISDIR(st.st_mode):
        raise _error(
            Code.CS602,
            f"the output path {target} is a file, not a folder",
            "choose another --out: coursec replaces only folders it made",
        )
    if _is_empty(target):
        return
    foreign = foreign_files(target)
    if foreign == []:
        return
    protected = _protected(target, course_root)
    if protected is not None:
        raise _error(
            Code.CS603,
            f"coursec will not replace {target}: {protected}",
            "build into a new folder of its own, e.g. --out dist/<course-id>",
        )
    if force:
        return
    if foreign is None:  # not an output folder at all: what is at its top is enough to say
        foreign = sorted(entry.name for entry in os.scandir(target))
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if foreign[3:] else "")
    what = f"holds files coursec did not write ({shown})"
    raise _error(
        Code.CS601,
        f"the output folder {target} {what}",
        "choose an empty or new folder for --out, or add --force to replace this one "
        "(everything in it is deleted)",
    )


# --- one build at a time ----------------------------------------------------------------------


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def locked(target: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the output folder's lock; `CoursecError` (CS604) if another build keeps it."""
    target = absolute(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.parent / _names(target)[2]
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        if _try_lock(fd):
            try:
                current = path.stat()
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
            if current is not None and (current.st_dev, current.st_ino) == (
                mine.st_dev,
                mine.st_ino,
            ):
                break  # else the build that held it removed it meanwhile: lock the new one
        os.close(fd)
        if time.monotonic() >= deadline:
            raise _error(
                Code.CS604,
                f"another build is writing {target}",
                "wait for it to finish (or stop it), then build again",
            )
        time.sleep(0.05)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # before unlocking: a build waiting on this file then retries
        os.close(fd)


# --- staging and swapping ---------------------------------------------------------------------


def _owner_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would terminate it there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _remove_output(folder: Path) -> bool:
    """Remove an output folder coursec wrote, file by file as its marker lists them; anything
    else is left where it is (False)."""
    listed = _listed_files(folder)
    if listed is None:
        return False
    shutil.rmtree(folder / CACHE_DIR, ignore_errors=True)
    for rel in listed:
        path = folder / rel
        if path.is_relative_to(folder) and (path.is_file() or path.is_symlink()):
            path.unlink()
    for dirpath, _dirnames, _files in sorted(os.walk(folder), reverse=True):
        with contextlib.suppress(OSError):
            Path(dirpath).rmdir()  # only empty folders go
    return not folder.exists()


def tidy_leftovers(target: Path) -> None:
    """Remove what killed builds of `target` left beside it, and put back an output one moved
    aside but never replaced. Only folders coursec marked as its own are touched, and only
    while this build holds the lock: no other build of `target` can still be using them."""
    target = absolute(target)
    staging_prefix, old_prefix, _ = _names(target)
    try:
        entries = sorted(target.parent.iterdir())
    except OSError:
        return
    for path in entries:
        if path.name.startswith(staging_prefix) and (path / CACHE_DIR / STAGING_MARKER).is_file():
            pid = path.name.removeprefix(staging_prefix).partition("-")[0]
            if not pid.isdigit() or int(pid) == os.getpid() or not _owner_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)
    # (a folder --force moved aside has no marker: it stays, whatever its name, as anything
    # without one would)
    olds = [p for p in entries if p.name.startswith(old_prefix) and _listed_files(p) is not None]
    for old in sorted(olds, key=lambda p: p.stat().st_mtime, reverse=True):
        if not os.path.lexists(target):
            old.rename(target)  # the build was killed between its two renames
        else:
            _remove_output(old)  # only what coursec wrote; a folder of someone else's stays


def staging_dir(target: Path) -> Path:
    """A new folder beside `target`, on the same file system so the final rename is atomic,
    marked as a staging folder of this process (call with the lock held, leftovers tidied)."""
    target = absolute(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    name = f"{_names(target)[0]}{os.getpid()}-{secrets.token_hex(4)}"
    staging = target.parent / name
    (staging / CACHE_DIR).mkdir(parents=True)
    (staging / CACHE_DIR / STAGING_MARKER).write_text(f"coursec {__version__} {os.getpid()}\n")
    return staging


def mark_output(staging: Path, course_id: str) -> None:
    """Write the marker that lists every file of the finished output (call last)."""
    folder = staging / CACHE_DIR
    (folder / STAGING_MARKER).unlink()
    files = sorted(_walk(staging))
    marker = {"coursec": __version__, "course": course_id, "files": files}
    (folder / OUTPUT_MARKER).write_text(json.dumps(marker, indent=0) + "\n", encoding="utf-8")


def swap_into_place(staging: Path, target: Path, course_root: Path, force: bool) -> None:
    """Replace `target` by `staging`; the old output goes only once the new one is in place.

    `target` is checked again first: files may have been added to it while the build ran.
    """
    target = absolute(target)
    check_target(target, course_root, force)
    old = None
    if target.is_dir() and _is_empty(target):
        target.rmdir()  # fails, leaving it, if something was added since
    elif target.exists():
        old = target.parent / f"{_names(target)[1]}{os.getpid()}-{secrets.token_hex(4)}"
        target.rename(old)
    staging.rename(target)
    if old is None:
        return
    if force:
        shutil.rmtree(old)  # what --force asked to replace, whoever wrote it
    else:
        _remove_output(old)  # a file added since the check above stays, in the old folder
    # the files the new output reused are hard links to the cache, as the old output's were:
    # removing those moved their inode change time, so the marker's is moved past it (if it
    # cannot be, the next up-to-date check reads those files again: nothing worse)
    with contextlib.suppress(OSError):
        os.utime(target / CACHE_DIR / OUTPUT_MARKER)


def settled_stat(folder: Path) -> os.stat_result | None:
    """The stat of an output folder's marker: every file of the output was last changed before
    it, by the build that wrote it (`swap_into_place`)."""
    try:
        return (folder / CACHE_DIR / OUTPUT_MARKER).stat()
    except OSError:
        return None


@dataclass(slots=True)
class OutputClaims:
    """The output folders a build holds: each locked, tidied and checked as coursec's to
    replace, until `stack` closes."""

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


class Staging:
    """A build's staging folder for `target`: removed on leaving unless `swap()` put it in
    place (use as a context manager, with the target claimed)."""

    def __init__(self, target: Path, course_root: Path, force: bool) -> None:
        self.target, self.course_root, self.force = target, course_root, force
        self.path = staging_dir(target)
        self.swapped = False

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.swapped:
            shutil.rmtree(self.path, ignore_errors=True)

    def swap(self, course_id: str) -> None:
        """Mark the finished output as coursec's and put it in place of the target."""
        mark_output(self.path, course_id)
        swap_into_place(self.path, self.target, self.course_root, self.force)
        self.swapped = True
