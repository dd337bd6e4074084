"""Writing output files: hard links for unchanged files, new files never written through a
link, deterministic zips, a file replaced atomically. (Staging and swapping the output folder:
coursec.outdir.)"""

from __future__ import annotations

import contextlib
import errno
import os
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: str  # posix, relative to the output root
    data: bytes
    same_as: Path | None = None  # a file holding exactly `data` (a kept piece): link, don't copy


def write_files(root: Path, files: Iterable[OutputFile], previous: Path | None = None) -> None:
    """Write `files` under `root`. A file whose bytes equal the file at the same place under
    `previous` (the last build's copy), or that names a file `same_as` it, is hard-linked to
    that file instead: nothing to write."""
    made: set[Path] = set()
    for item in files:
        path = root / item.path
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        if item.same_as is not None and link_file(item.same_as, path):
            continue  # first: nothing to read to know it is the same
        if previous is not None and _link_if_same(previous / item.path, path, item.data):
            continue
        write_new(path, item.data)


def _link_if_same(old: Path, new: Path, data: bytes) -> bool:
    try:
        if old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
    except OSError:
        return False
    return link_file(old, new)


def link_file(source: Path, new: Path) -> bool:
    """Make `new` a hard link to `source` (replacing a file there); False if it cannot be."""
    try:
        os.link(source, new)
    except FileExistsError:
        new.unlink()
        return link_file(source, new)
    except OSError:
        return False
    return True


def write_new(path: Path, data: bytes) -> None:
    """Write `path` as a new file: one already there may be a link into the previous output."""
    try:
        with path.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        path.unlink()
        write_new(path, data)


def replace_atomically(target: Path, text: str) -> None:
    """`text` into `target` through a new file renamed into place (a reader finds the old file
    or the new one, never a part), making its missing folders; a failure names `target` (not
    the temporary file) and leaves no temporary file behind."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        for folder in (target.parent, *target.parent.parents):
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(target)) from exc
    finally:
        with contextlib.suppress(OSError):  # not there, or its folder is no folder
            temporary.unlink(missing_ok=True)


def zip_date(when: datetime) -> tuple[int, int, int, int, int, int]:
    year = max(1980, when.year)
    return (year, when.month, when.day, when.hour, when.minute, when.second // 2 * 2)


def write_zip(path: Path, files: Iterable[OutputFile], when: datetime) -> None:
    """A reproducible zip: sorted entries, one fixed timestamp, fixed permissions.

    Deflated at zlib's default level: an entry written with a `ZipInfo` of its own ignores the
    archive's `compresslevel`, so asking for 9 here never changed a byte.
    """
    stamp = zip_date(when)
    entries = sorted(files, key=lambda f: f.path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in entries:
            info = zipfile.ZipInfo(item.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, item.data)
