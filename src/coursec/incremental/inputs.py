"""What a build read: every input file by content, and the course folder's state around it.

An input is recorded as the loader reached it (its path as written, maybe through symlinks or
"..") and as what that resolved to, so a retargeted symlink counts as a change. A `Snapshot`
of the course folder taken before the build reads anything tells whether a source changed
while the build ran: such a build keeps nothing for the next one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from coursec.incremental.fingerprint import RACY_NS, file_sha256, tree_digest, unchanged_since
from coursec.paths import Resolver
from coursec.theme_dirs import course_theme_dir, default_theme_dir

if TYPE_CHECKING:
    from coursec.model import Course

# Folders of a course that hold no build input (and may be huge): not watched during a build.
_UNWATCHED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})

Role = Literal["course", "module", "asset", "link", "theme"]
ROLES: frozenset[str] = frozenset({"course", "module", "asset", "link", "theme"})


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file the build read: as the loader reaches it, where that leads, and its content."""

    path: str  # relative to the course folder, as reached (may hold symlinks or "..")
    resolved: str  # relative to the resolved course folder: the file actually read
    sha256: str
    role: Role
    inode: int = 0  # of the file read (0: unknown): its status vouches for no other file


def relative_posix(path: Path, root: Path) -> str:
    """= `path.relative_to(root).as_posix()` (the posix path if it is not under root), by string:
    this runs for every file a course refers to."""
    text, prefix = path.as_posix(), root.as_posix().rstrip("/") + "/"
    return text[len(prefix) :] if text.startswith(prefix) else text


FileId = tuple[int, int]  # (st_dev, st_ino)
FileState = tuple[int, int]  # (st_mtime_ns, st_size)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state of every file under a course folder, taken before the build reads any of them.

    An input whose state differs afterwards changed while the build ran: its recorded digest
    might not be the content that was built, so such a build writes no cache.
    """

    files: Mapping[FileId, FileState]
    paths: Mapping[str, FileId] = field(default_factory=dict)  # every path seen, and its file

    @classmethod
    def take(cls, root: Path, skip: Iterable[Path] = ()) -> Snapshot:
        skipped = {p.resolve() for p in skip}
        found: dict[FileId, FileState] = {}
        paths: dict[str, FileId] = {}
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        path = Path(entry.path)
                        if entry.name not in _UNWATCHED and path.resolve() not in skipped:
                            stack.append(path)
                        continue
                    st = entry.stat()
                except OSError:
                    continue
                found[(st.st_dev, st.st_ino)] = (st.st_mtime_ns, st.st_size)
                paths[entry.path] = (st.st_dev, st.st_ino)
        return cls(found, paths)

    def changed(self, st: os.stat_result) -> bool:
        """Whether the file was seen with another state (a file in a folder not watched, e.g.
        `node_modules/`, was not seen: it counts as unchanged)."""
        seen = self.files.get((st.st_dev, st.st_ino))
        return seen is not None and seen != (st.st_mtime_ns, st.st_size)

    def still_holds(self, paths: Iterable[Path]) -> bool:
        """Whether none of `paths` changed since the snapshot (checked again after a build)."""
        try:
            return not any(self.changed(path.stat()) for path in paths)
        except OSError:
            return False


def reached_inputs(course: Course) -> dict[str, tuple[Path, Role]]:
    """Every file the course was loaded from, by its path relative to the course folder (as
    reached), with that path and its role."""
    root = course.root
    reached: dict[str, tuple[Path, Role]] = {}

    def add(path: Path, role: Role) -> None:
        reached.setdefault(relative_posix(path, root), (path, role))

    add(root / "course.yml", "course")
    for ref in course.spec.modules:
        add(root / ref, "module")
    for module in course.modules:
        add(module.path, "module")
        base = module.path.parent  # the loader resolves a module's references from here
        if module.spec.hero is not None:
            add(base / unquote(module.spec.hero.src), "asset")
        for url, dest in module.urls.items():
            if dest.startswith("#"):
                continue  # a link to one of the module's own sections
            linked = dest.startswith("__module__:")
            if written := urlsplit(url).path:
                add(base / unquote(written), "link" if linked else "asset")
            if linked:
                add(Path(dest.removeprefix("__module__:").partition("#")[0]), "link")
        for asset in module.assets:
            add(asset.source, "asset")
    templates = course_theme_dir(root)
    if templates.is_dir():
        for path in sorted(templates.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add(path, "theme")
    return reached


def course_inputs(course: Course, snapshot: Snapshot | None = None) -> list[InputFile] | None:
    """Every file the course was built from, hashed; None if one changed since `snapshot`."""
    root = course.root
    reached = reached_inputs(course)
    inputs: list[InputFile] = []
    resolver = Resolver()
    for rel, (path, role) in sorted(reached.items()):
        try:
            before = path.stat()
            sha = file_sha256(path)
            after = path.stat()
            resolved = relative_posix(resolver.resolve(path), root)
        except OSError:
            return None
        unchanged = (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)
        if not unchanged or (snapshot is not None and snapshot.changed(after)):
            return None
        inputs.append(InputFile(rel, resolved, sha, role, after.st_ino))
    return inputs


def changed_input(
    root: Path, inputs: Iterable[InputFile], manifest: os.stat_result | None = None
) -> str | None:
    """The first recorded input that no longer reads (or resolves) as recorded, if any.

    An input that is still the file the build read (the same inode) and has not changed since
    well before the manifest of its build was written (`manifest`: its stat) is not read again:
    the build hashed it, and a change between that and the manifest would have stopped the
    build from writing one (`Snapshot.still_holds`), except in the moments they are written,
    which RACY_NS covers. Another file at the same path (another checkout of the course, a
    folder swapped in) is read, however old.
    """
    resolver = Resolver()
    resolved_root = resolver.resolve(root.absolute())
    for item in inputs:
        path = resolved_root / item.path
        try:
            if relative_posix(resolver.resolve(path), resolved_root) != item.resolved:
                return item.path
            st = path.stat()
            if st.st_ino == item.inode and unchanged_since(st, manifest, RACY_NS):
                continue
            if file_sha256(path) != item.sha256:
                return item.path
        except OSError:
            return item.path
    return None


def source_files(root: Path, inputs: Iterable[InputFile]) -> list[Path]:
    """course.yml and the module files: what the source date falls back to."""
    resolved_root = root.resolve()
    return [resolved_root / item.resolved for item in inputs if item.role in ("course", "module")]


def theme_material(course_root: Path) -> dict[str, str | None]:
    """The theme's files as read at build time (not cached: templates are read from disk)."""
    return {
        "course": tree_digest(course_theme_dir(course_root)),
        "default": tree_digest(default_theme_dir()),
    }
