"""Resolving many paths in few folders: each folder's real path is looked up once.

`Path.resolve()` checks every component of every path (a system call each). A course refers to
hundreds of files in a handful of folders, so a `Resolver` remembers the real path of each
folder it has seen and checks only the last component of each path. Use one per load or check:
it assumes folders are not retargeted while it is in use.

Also: whether a path an author wrote can name a file of the course (`resolve_inside`), with
the reason when it cannot (a Windows path, a file: URL, a way out of the course folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote


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


_DRIVE = re.compile(r"^[A-Za-z]:(?:[\\/]|$)")


def local_path_problem(ref: str) -> tuple[str, str] | None:
    """Why `ref` (a path as written in a course, %-escapes decoded) cannot name a file of the
    course, as (message, hint); None when it may (it still has to exist and stay inside).

    Windows users type paths the Windows way: a drive letter, backslashes, a file: URL. Each
    names a file on one computer only, or reads as another name on the web server.
    """
    if ref.lower().startswith("file:"):
        return (
            "a file: URL names a file on one computer, not in the course",
            "copy the file into the course folder (e.g. assets/) and give its path relative "
            "to this file",
        )
    if _DRIVE.match(ref) or ref.startswith("\\\\"):
        return (
            "a Windows drive letter or network path names a file on one computer only",
            "copy the file into the course folder (e.g. assets/) and give its path relative "
            "to this file, with / between folders",
        )
    if "\\" in ref:
        return (
            "the path has backslashes (\\): on the web they are part of the name, not folders",
            f'use / between folders: "{ref.replace(chr(92), "/")}"',
        )
    if ref.startswith("/"):
        return (
            "absolute paths are not allowed",
            "give the path relative to this file, e.g. ../assets/image.png",
        )
    return None


def resolve_inside(
    root: Path, base: Path, ref: str, resolver: Resolver | None = None
) -> Path | tuple[str, str]:
    """Resolve `ref` (relative to folder `base`) to a file inside `root`, or say why not:
    (message, hint)."""
    problem = local_path_problem(ref)
    if problem is not None:
        return problem
    resolver = resolver or Resolver()
    target = resolver.resolve(base.absolute() / ref)
    try:
        target.relative_to(resolver.resolve(root.absolute()))
    except ValueError:
        return (
            "it points outside the course folder",
            "keep images and downloads inside the course folder, e.g. assets/",
        )
    return target


FILE_URL = re.compile(r"\]\(\s*<?((?i:file):[^\s)>]*)|\bsrc=[\"']((?i:file):[^\"']*)")
# what every FILE_URL match holds: searched for alone, 4x faster than FILE_URL over a body
FILE_SCHEME = re.compile(r"(?i:file):")


def written_for_windows(url: str) -> tuple[str, str] | None:
    """(message, hint) for a link or image that names a file the Windows way (a drive letter, a
    file: URL, a network path), which would otherwise pass for a URL of another server."""
    text = unquote(url)
    if text.lower().startswith("file:") or re.match(r"^[A-Za-z]:(?:[\\/]|$)|^\\\\", text):
        return local_path_problem(text)
    return None


def near_miss(missing: Path) -> str | None:
    """A file of the same name in another letter case: it works on macOS, not on Linux LMSs."""
    folder = missing.parent
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.iterdir()):
        if candidate.name.lower() == missing.name.lower():
            return f'did you mean "{candidate.name}"? file names are case-sensitive on most servers'
    return None
