"""Opening the files a build reads: regular files only, never blocking, text sources bounded.

A FIFO, socket or device where a file is expected would block a read (or never end), and a
folder cannot be read at all; each is reported as "not a regular file" instead. Files are opened
with O_NONBLOCK and checked with fstat on the open descriptor, so a path swapped between a check
and the read cannot slip through.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Course text sources (course.yml, module files) larger than this are refused: a real module is
# a few dozen KiB, and parsing, positions and validation all grow with the size.
MAX_SOURCE_BYTES = 2 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def kind_of(mode: int) -> str:
    """What a file of this mode is, in words ("a FIFO (named pipe)", "a folder", ...)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


class NotRegularFile(OSError):
    """A path that exists but is not a regular file: reading it would block or fail."""

    def __init__(self, path: Path, mode: int) -> None:
        self.kind = kind_of(mode)
        super().__init__(errno.EINVAL, f"not a regular file: it is {self.kind}", os.fspath(path))


class SourceTooLarge(OSError):
    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(errno.EFBIG, f"{size} bytes, more than {limit}", os.fspath(path))


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, which must be a regular file (`NotRegularFile`)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError as exc:
        raise NotRegularFile(path, stat.S_IFDIR) from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(path, mode)
    return fd


def is_regular(path: Path) -> bool:
    """Whether `path` (symlinks followed) is a regular file; False if it cannot be reached."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file; `SourceTooLarge` past `limit` bytes."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if limit is not None and size > limit:
            raise SourceTooLarge(path, size, limit)
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:  # grew since fstat
        raise SourceTooLarge(path, len(data), limit)
    return data


def read_source(path: Path) -> bytes:
    """A course text source (course.yml, a module file): regular, at most MAX_SOURCE_BYTES."""
    return read_bytes(path, MAX_SOURCE_BYTES)
