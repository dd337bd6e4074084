"""Fingerprints: content digests of files, folders and data, and of coursec itself.

Everything the cache compares is one of these. Only the standard library and coursec.files:
checking that a build is up to date must not pay for the Markdown, template and PDF stack.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import zlib
from enum import Enum
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from coursec import __version__
from coursec.files import open_regular

# Libraries whose version can change the bytes of an output.
OUTPUT_LIBRARIES = (
    "babel",  # plural rules, number and date formats of the interface text
    "markdown-it-py",
    "mdit-py-plugins",
    "pygments",
    "nh3",
    "jinja2",
    "pydantic",
    "pyyaml",
    "lxml",
    "weasyprint",
    "pydyf",
)

# Digests this process computed, by path and stat: a build hashes most inputs twice (checking
# the output, then recording what it read) and `--watch` hashes them at every rebuild. A file
# modified within the last RACY_NS keeps no memo: a second write in the same clock tick, of
# the same size, would not change its stat (git's "racily clean" files).
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}
RACY_NS = 2_000_000_000


def file_sha256(path: Path) -> str:
    st = path.stat()
    known = _DIGESTS.get((os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    if known is not None:
        return known
    with os.fdopen(open_regular(path), "rb") as handle:  # a FIFO would block the read
        st = os.fstat(handle.fileno())  # what was read, if the file changed in between
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    if time.time_ns() - st.st_mtime_ns > RACY_NS:
        _DIGESTS[(os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)] = sha
    return sha


def unchanged_since(st: os.stat_result, mark: os.stat_result | None, margin_ns: int = 0) -> bool:
    """Whether a file is as it was `margin_ns` before `mark` (a file on the same file system)
    was last changed, told by stat alone: any write, rename or link moves a file's inode change
    time (ctime) to the file system's clock, and no one can set it back. Its modification time
    must be older too: where ctime is kept as the creation time (FAT), a write still moves it.
    POSIX only (on Windows st_ctime is the creation time); same device, so the same clock."""
    if mark is None or os.name != "posix" or st.st_dev != mark.st_dev:
        return False
    before = mark.st_ctime_ns - margin_ns
    return st.st_ctime_ns < before and st.st_mtime_ns < before


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def digest(material: Any) -> str:
    """A stable digest of JSON-like data (sorted keys, tuples as lists, enums as values)."""
    text = json.dumps(json_value(material), sort_keys=True, ensure_ascii=False)
    return text_sha256(text)


def tree_digest(directory: Path) -> str | None:
    """Names and contents of every file under `directory` (None when it does not exist)."""
    if not directory.is_dir():
        return None
    hasher = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if "__pycache__" in rel.parts or not path.is_file():
            continue
        hasher.update(f"{rel.as_posix()}\0{file_sha256(path)}\n".encode())
    return hasher.hexdigest()


def _code_dirs() -> list[Path]:
    """coursec's own code: the core package (with every subpackage) and the exporters."""
    dirs = [Path(__file__).resolve().parents[1]]  # src/coursec, not this incremental/ folder
    try:
        from importlib.util import find_spec

        spec = find_spec("coursec.exporters")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location).resolve())
    return dirs


@cache
def code_digest() -> str:
    """coursec's own files (the code, and the interface catalogs (coursec.i18n) it words every
    output with), known by their size and modification time, not read: every build, a no-op
    included, pays for this, and an edited (or reinstalled) file has a new time, so it is a
    rebuild either way. Once per process: it describes the code this process runs."""
    hasher = hashlib.sha256()
    for directory in _code_dirs():
        for path in sorted([*directory.rglob("*.py"), *directory.rglob("*.po")]):
            rel = path.relative_to(directory)
            if "__pycache__" not in rel.parts:
                stat = path.stat()
                line = f"{directory.name}/{rel.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
                hasher.update(line.encode())
    return hasher.hexdigest()


@cache
def installation() -> str:
    """This Python and the folders it imports from, each by its inode and times: installing,
    upgrading or removing a distribution adds or removes entries in its folder, which moves
    them. A record made under the same installation may trust the library versions and
    exporters it recorded instead of reading every distribution's metadata again
    (importlib.metadata alone costs more than the rest of a no-op build)."""
    parts = [sys.executable, sys.version, zlib.ZLIB_RUNTIME_VERSION]
    for entry in sys.path:
        try:
            st = Path(entry or os.curdir).stat()
            parts.append(f"{entry}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}")
        except OSError:
            parts.append(f"{entry}\0-")
    return text_sha256("\n".join(parts))


@cache
def library_versions() -> dict[str, str | None]:
    """The installed version of each of OUTPUT_LIBRARIES (None: not installed)."""
    from importlib import metadata  # not imported by a build that never asks

    libraries: dict[str, str | None] = {}
    for name in OUTPUT_LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    return libraries


def environment(libraries: dict[str, str | None] | None = None) -> dict[str, Any]:
    """coursec and the libraries that shape the output: a change to any of them is a rebuild.
    `libraries`: their versions as a record made under this `installation()` holds them."""
    return {
        "coursec": __version__,
        "code": code_digest(),
        "libraries": library_versions() if libraries is None else libraries,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }


@cache
def environment_key() -> str:
    """A digest of `environment()`, for keys computed many times per build."""
    return digest(environment())
