"""The record of a course's last clean check, so that `coursec check` of an unchanged course
answers without loading it (the way black, ruff and mypy keep their caches).

A check whose course loaded (no errors) records what it read, what judged it (coursec, its
libraries and the installed exporters, the course's own theme) and what it reported. The next
check of the same folder prints that report again if all of it still holds. Files are known by
their status, never read: a file's change time (ctime) moves with every write, rename or link
and cannot be set back, so a file with the inode, size and times recorded is the file the check
read, if those times were well in the past when the check began (git's rule for "racily clean"
files): a check of a course with a file changed in the two seconds before it leaves no record.
POSIX only (elsewhere st_ctime is the creation time). Records live in the user's cache folder
(`$XDG_CACHE_HOME/coursec/checks/`, else `~/.cache/...`), one per course folder, never in the
course; a record that cannot be read, written or trusted only means loading the course. Only
the standard library and coursec's light modules: a hit must not pay for pydantic.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursec import __version__
from coursec.diagnostics import Diagnostic
from coursec.files import read_bytes
from coursec.incremental.fingerprint import (
    RACY_NS,
    environment,
    installation,
    text_sha256,
    tree_digest,
)
from coursec.incremental.inputs import reached_inputs, relative_posix
from coursec.incremental.manifest import (
    CacheError,
    diagnostics_from_json,
    diagnostics_to_json,
    recorded_environment,
)
from coursec.paths import Resolver
from coursec.theme_dirs import course_theme_dir

if TYPE_CHECKING:
    from coursec.model import Course

RECORD_FORMAT = 2  # 2: inputs by their status


def _records_dir() -> Path | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or "")
    if not base.is_absolute():  # the XDG spec: a relative value is to be ignored
        try:
            home = Path("~").expanduser()
        except RuntimeError:  # no home folder known
            return None
        if not home.is_absolute():
            return None
        base = home / ".cache"
    return base / "coursec" / "checks"


def _record_path(root: Path) -> Path | None:
    folder = _records_dir()
    return None if folder is None else folder / f"{text_sha256(os.fspath(root))[:32]}.json"


def _judges(root: Path, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """What judges a course besides its files: coursec and its libraries, the installed
    exporters (whose options course.yml may set), and the files of the course's own theme.
    The libraries and exporters are taken from `record` if it was made under this
    installation (`fingerprint.installation`)."""
    recorded = record and recorded_environment(record["judges"], record.get("installation"))
    libraries, exporters = recorded or (None, None)
    if exporters is None:
        from coursec.export import available, exporter_identities

        exporters = exporter_identities(available())
    return {
        "format": RECORD_FORMAT,
        "environment": environment(libraries),
        "exporters": exporters,
        "theme": tree_digest(course_theme_dir(root)),
    }


def check_course(
    course_dir: Path, use_record: bool = True
) -> tuple[Course | None, list[Diagnostic]]:
    """The course (None when it was not loaded: its record held, or it has errors) and what
    checking it reports. A course that loads is recorded."""
    if use_record and (recorded := recorded_check(course_dir)) is not None:
        return None, recorded
    from coursec.loading import load_course

    began = time.time_ns()
    loaded = load_course(course_dir)
    if loaded.course is not None:
        record_check(course_dir, loaded.course, loaded.diagnostics, began)
    return loaded.course, loaded.diagnostics


def _status(path: Path, st: os.stat_result, root: Path, resolver: Resolver) -> list[str | int]:
    """Where `path` leads (relative to the resolved course folder `root`) and its status `st`."""
    where = relative_posix(resolver.resolve(path), root)
    return [where, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def recorded_check(course_dir: Path) -> list[Diagnostic] | None:
    """The diagnostics of the last clean check of `course_dir`, if nothing it depends on has
    changed since; None otherwise."""
    root = course_dir.resolve()
    path = _record_path(root)
    if path is None:
        return None
    try:
        record = json.loads(read_bytes(path).decode("utf-8"))
        if not isinstance(record, dict) or record.get("course") != os.fspath(root):
            return None
        if record["judges"] != _judges(root, record):
            return None
        resolver = Resolver()
        for rel, status in record["inputs"].items():
            file = root / rel
            if _status(file, file.stat(), root, resolver) != status:
                return None
        found = diagnostics_from_json(record["diagnostics"], root)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CacheError):
        return None
    if record.get("installation") != installation():
        # judged again from the distributions' metadata, and the same: kept for this
        # installation, so that the next check need not read it again
        _keep(path, {**record, "installation": installation()})
    return found


def record_check(
    course_dir: Path, course: Course, diagnostics: Sequence[Diagnostic], began: int
) -> None:
    """Keep a clean check's report (`began`: when the check began, `time.time_ns()`). Written
    whole or not at all; not when a file the check read changed shortly before it began (or
    since: its status then could not tell the next change)."""
    root = course_dir.resolve()
    path = _record_path(root)
    if path is None or os.name != "posix":
        return
    inputs: dict[str, list[str | int]] = {}
    resolver = Resolver()
    try:
        for rel, (file, _role) in sorted(reached_inputs(course).items()):
            st = file.stat()
            if max(st.st_mtime_ns, st.st_ctime_ns) >= began - RACY_NS:
                return
            inputs[rel] = _status(file, st, root, resolver)
    except OSError:
        return
    record: dict[str, Any] = {
        "coursec": __version__,
        "course": os.fspath(root),
        "installation": installation(),
        "judges": _judges(root),
        "inputs": inputs,
        "diagnostics": diagnostics_to_json(diagnostics, root),
    }
    _keep(path, record)


def _keep(path: Path, record: dict[str, Any]) -> None:
    """Write `record` at `path`, whole or not at all (then the next check loads the course)."""
    from coursec.output import replace_atomically  # here: most checks write no record

    with contextlib.suppress(OSError):
        replace_atomically(path, json.dumps(record, ensure_ascii=False))
