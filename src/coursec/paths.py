"""Resolving many paths in few folders: each folder's real path is looked up once.

`Path.resolve()` checks every component of every path (a system call each). A course refers to
hundreds of files in a handful of folders, so a `Resolver` remembers the real path of each
folder it has seen and checks only the last component of each path. Use one per load or check:
it assumes folders are not retargeted while it is in use.
"""

from __future__ import annotations

import os
from pathlib import Path


class Resolver:
    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def resolve(self, path: Path) -> Path:
        """= `path.resolve()` for an absolute path (symlinks followed, `..` applied)."""
        return Path(self.resolve_text(os.fspath(path)))

    def resolve_text(self, path: str) -> str:
        """`resolve` for a path given (and returned) as a string."""
        head, tail = os.path.split(path)
        if tail in ("", ".", ".."):
            return os.path.realpath(path)
        folder = self._folders.get(head)
        if folder is None:
            folder = self._folders[head] = os.path.realpath(head)
        joined = f"{folder}{os.sep}{tail}" if folder != os.sep else f"{os.sep}{tail}"
        # string operations on purpose: this runs for every file a course refers to
        return os.path.realpath(joined) if os.path.islink(joined) else joined  # noqa: PTH114
