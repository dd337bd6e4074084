"""Incremental builds: what a build read, what it wrote, and what it can reuse.

Where the cache lives
---------------------
Inside the output folder, as ``<out>/.coursec-cache/``: ``manifest.json`` (what the build read
and wrote), ``modules-*.json`` (loaded modules, see coursec.records), ``bodies-*.json``
(rendered module bodies; both kinds sharded, see coursec.shards) and ``pieces/`` (pieces of
artifacts such as pages, see coursec.pieces). The alternative,
``<out parent>/.coursec-cache/<course-id>/``, was rejected:

* The cache is written into the staging folder together with the outputs and swapped in with
  them in one rename, so it always describes exactly the folder it sits in. A failed or killed
  build leaves the previous output *and its matching cache*; a cache kept beside the output
  would need its own atomic update and could drift out of step with it.
* It lives and dies with the output: deleting ``dist/<id>`` (or building into a fresh ``--out``)
  starts clean; two ``--out`` folders of one course never overwrite each other's records; and a
  build never writes beside its output folder (``--out /tmp/x`` would otherwise litter ``/tmp``,
  and the parent folder holds only what the user put there).
* The price is one hidden folder in the output folder. ``html/`` and the packages never contain
  it, so publishing the site or uploading a zip is unaffected.

The cache holds no absolute path, clock reading or timing: two builds of the same sources give
byte-identical output folders, cache included, wherever the course and the output live.

What a build is keyed on
------------------------
* every input file, by content (SHA-256): ``course.yml``; every module listed in it (drafts
  too); every image, download and linked module file a module refers to, reached the way the
  loader reaches it (a retargeted symlink counts as a change); the course's ``templates/``;
* the theme: the default theme shipped with coursec and the course's override folder, as
  trees (a file added or removed counts);
* coursec itself: ``__version__``, a digest of its own Python source (core and built-in
  exporters: an edit in a development install counts), the versions of the libraries that shape
  the output (Markdown, highlighting, sanitizing, templates, PDF), Python's and zlib's;
* the exporters chosen: each one's entry point and the distribution (and version) providing it;
* the build options that affect output (every ``BuildOptions`` field except ``out_dir``,
  ``strict``, ``jobs`` and ``clean``) and the source date (``SOURCE_DATE_EPOCH``, else the
  last commit, else the newest file) that dates the zips and the PDF.

A module's rendered body is keyed on its file's content, ``allow_raw_html``, the output URLs
its links resolve to (so renaming a linked module re-renders the modules linking to it) and
the same coursec/library fingerprint.

Nothing is trusted blindly: a manifest that does not parse, comes from another coursec or
cache format, or belongs to another course is ignored whole; a body whose bytes do not match
the recorded digest is rendered again; an output folder is "up to date" only when every input
still hashes as recorded *and* every output file (no more, no fewer) hashes as recorded. A
build that sees a source change while it runs (checked when inputs are hashed and again once
the outputs are written) writes no manifest, so the next build starts over. The digests guard
against accidents and stale data, not against someone who can write into the output folder:
a manifest forged together with the files it describes would be believed.

This module imports only the standard library, ``coursec.diagnostics`` and ``coursec.files``:
checking that a build is up to date must not pay for the Markdown, template and PDF stack.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from importlib import metadata
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

from coursec import __version__
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.files import open_regular, read_bytes, read_source
from coursec.paths import Resolver
from coursec.shards import Shard, ShardReader

if TYPE_CHECKING:
    from coursec.course import Course
    from coursec.options import BuildOptions

CACHE_DIR = ".coursec-cache"
MANIFEST = "manifest.json"
BODIES = "bodies"  # shards of rendered bodies, by body key
RECORDS = "modules"  # shards of loaded modules (coursec.records), by record key
CACHE_FORMAT = 3
EXPORTER_GROUP = "coursec.exporters"  # the entry-point group third-party exporters join
# Libraries whose version can change the bytes of an output.
OUTPUT_LIBRARIES = (
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
# Options that do not change what is written: where, how strictly, how fast, from scratch or not.
NEUTRAL_OPTIONS = frozenset({"out_dir", "strict", "jobs", "clean", "force"})
# Folders of a course that hold no build input (and may be huge): not watched during a build.
_UNWATCHED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})

Role = Literal["course", "module", "asset", "link", "theme"]


class CacheError(ValueError):
    """A cache that cannot be used: missing, unreadable, corrupt, foreign or from elsewhere."""


# --- digests ----------------------------------------------------------------------------------


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


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def digest(material: Any) -> str:
    """A stable digest of JSON-like data (sorted keys, tuples as lists, enums as values)."""
    text = json.dumps(_json_value(material), sort_keys=True, ensure_ascii=False)
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


def default_theme_dir() -> Path:
    """= coursec.theme.default_theme_dir(), without importing jinja2 and the Markdown stack."""
    from importlib.util import find_spec  # lighter than importlib.resources

    spec = find_spec("coursec.templates")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise ModuleNotFoundError("coursec.templates is not installed")
    return Path(locations[0])


def _code_dirs() -> list[Path]:
    dirs = [Path(__file__).resolve().parent]
    try:
        from importlib.util import find_spec

        spec = find_spec("coursec.exporters")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location).resolve())
    return dirs


@cache
def environment() -> dict[str, Any]:
    """coursec and the libraries that shape the output: a change to any of them is a rebuild.

    Computed once per process: it describes the code this process runs.
    """
    hasher = hashlib.sha256()
    for directory in _code_dirs():
        for path in sorted(directory.rglob("*.py")):
            rel = path.relative_to(directory)
            if "__pycache__" not in rel.parts:
                hasher.update(f"{directory.name}/{rel.as_posix()}\0{file_sha256(path)}\n".encode())
    libraries: dict[str, str | None] = {}
    for name in OUTPUT_LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    return {
        "coursec": __version__,
        "code": hasher.hexdigest(),
        "libraries": libraries,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
    }


@cache
def environment_key() -> str:
    """A digest of `environment()`, for keys computed many times per build."""
    return digest(environment())


def exporter_entry_points() -> tuple[metadata.EntryPoint, ...]:
    """The `coursec.exporters` entry points, found once per process and module search path
    (scanning every installed distribution costs milliseconds, and a build asks three times;
    an exporter installed while `--watch` runs is seen once it restarts)."""
    return _entry_points(tuple(sys.path))


@cache
def _entry_points(_search_path: tuple[str, ...]) -> tuple[metadata.EntryPoint, ...]:
    return tuple(metadata.entry_points(group=EXPORTER_GROUP))


def exporter_identities(formats: Iterable[str]) -> list[list[str | None]] | None:
    """Each format's entry point and providing distribution; None if one is not installed."""
    installed = {ep.name: ep for ep in exporter_entry_points()}
    found: list[list[str | None]] = []
    for name in formats:
        entry = installed.get(name)
        if entry is None:
            return None
        dist = entry.dist
        found.append(
            [name, entry.value, dist.name if dist else None, dist.version if dist else None]
        )
    return found


def options_material(options: BuildOptions) -> dict[str, Any]:
    """Every build option that can change the output (all but `NEUTRAL_OPTIONS`)."""
    return {
        f.name: _json_value(getattr(options, f.name))
        for f in fields(options)
        if f.name not in NEUTRAL_OPTIONS
    }


def body_key(module_sha256: str, allow_raw_html: bool, urls: Mapping[str, str]) -> str:
    """The cache key of one module's rendered body."""
    links = json.dumps(sorted(urls.items()), ensure_ascii=False)
    material = f"body\0{CACHE_FORMAT}\0{environment_key()}\0{module_sha256}\0{allow_raw_html}"
    return text_sha256(f"{material}\0{links}")


# --- the source date --------------------------------------------------------------------------


def source_date_at(root: Path, paths: Iterable[Path]) -> datetime:
    """SOURCE_DATE_EPOCH if set, else the last commit touching `root`, else the newest path."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    if out.isdigit():
        return datetime.fromtimestamp(int(out), UTC)
    newest = max(int(p.stat().st_mtime) for p in paths)
    return datetime.fromtimestamp(newest, UTC)


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file the build read: as the loader reaches it, where that leads, and its content."""

    path: str  # relative to the course folder, as reached (may hold symlinks or "..")
    resolved: str  # relative to the resolved course folder: the file actually read
    sha256: str
    role: Role


def _relative(path: Path, root: Path) -> str:
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


def course_inputs(course: Course, snapshot: Snapshot | None = None) -> list[InputFile] | None:
    """Every file the course was built from, hashed; None if one changed since `snapshot`."""
    root = course.root
    reached: dict[str, tuple[Path, Role]] = {}

    def add(path: Path, role: Role) -> None:
        reached.setdefault(_relative(path, root), (path, role))

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
    templates = root / "templates"
    if templates.is_dir():
        for path in sorted(templates.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add(path, "theme")
    inputs: list[InputFile] = []
    resolver = Resolver()
    for rel, (path, role) in sorted(reached.items()):
        try:
            before = path.stat()
            sha = file_sha256(path)
            after = path.stat()
            resolved = _relative(resolver.resolve(path), root)
        except OSError:
            return None
        unchanged = (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)
        if not unchanged or (snapshot is not None and snapshot.changed(after)):
            return None
        inputs.append(InputFile(rel, resolved, sha, role))
    return inputs


def changed_input(root: Path, inputs: Iterable[InputFile]) -> str | None:
    """The first recorded input that no longer reads (or resolves) as recorded, if any."""
    resolver = Resolver()
    resolved_root = resolver.resolve(root.absolute())
    for item in inputs:
        path = resolved_root / item.path
        try:
            if _relative(resolver.resolve(path), resolved_root) != item.resolved:
                return item.path
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
        "course": tree_digest(course_root / "templates"),
        "default": tree_digest(default_theme_dir()),
    }


def build_material(
    course_id: str,
    options: BuildOptions,
    source_date: datetime,
    inputs: Iterable[InputFile],
    theme: Mapping[str, str | None],
    exporters: list[list[str | None]],
) -> dict[str, Any]:
    """Everything a build's output depends on, as data (its digest is the build key)."""
    return {
        "cache": CACHE_FORMAT,
        "environment": environment(),
        "course": course_id,
        "options": options_material(options),
        "source_date": source_date.isoformat(),
        "theme": dict(theme),
        "exporters": exporters,
        "inputs": digest([[i.path, i.resolved, i.sha256] for i in inputs]),
    }


# --- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutputFile:
    size: int
    sha256: str


def output_files(out_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every file of an output folder (posix path, path), sorted, its cache left out."""
    found: list[tuple[str, str]] = []
    stack = [("", os.fspath(out_dir))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel != CACHE_DIR:
                    stack.append((rel + "/", entry.path))
            elif entry.is_file():
                found.append((rel, entry.path))
    for rel, path in sorted(found):
        yield rel, Path(path)


def record_outputs(out_dir: Path) -> dict[str, OutputFile]:
    return {
        rel: OutputFile(path.stat().st_size, file_sha256(path))
        for rel, path in output_files(out_dir)
    }


def changed_output(out_dir: Path, recorded: Mapping[str, OutputFile]) -> str | None:
    """The first output file added, removed or edited since it was recorded, if any."""
    seen = 0
    for rel, path in output_files(out_dir):
        expected = recorded.get(rel)
        if expected is None:
            return f"{rel} was added"
        try:
            if path.stat().st_size != expected.size or file_sha256(path) != expected.sha256:
                return f"{rel} was changed"
        except OSError:
            return f"{rel} cannot be read"
        seen += 1
    if seen != len(recorded):
        missing = sorted(set(recorded) - {rel for rel, _ in output_files(out_dir)})
        return f"{missing[0] if missing else 'a file'} was removed"
    return None


# --- the manifest -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    path: str  # posix, relative to the output folder
    exporter: str
    description: str
    size: int


@dataclass(slots=True)
class Manifest:
    """What one successful build read and wrote: `<out>/.coursec-cache/manifest.json`."""

    course_id: str
    key: str
    material: dict[str, Any]
    inputs: list[InputFile]
    outputs: dict[str, OutputFile]
    artifacts: list[ArtifactRecord]
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    shards: dict[str, Shard] = field(default_factory=dict)  # bodies and module records
    pieces: dict[str, str] = field(default_factory=dict)  # pieces/<name> -> SHA-256

    def to_json(self) -> str:
        data = {
            "cache": CACHE_FORMAT,
            "coursec": __version__,
            "course": self.course_id,
            "key": self.key,
            "material": self.material,
            "inputs": [[i.path, i.resolved, i.sha256, i.role] for i in self.inputs],
            "outputs": {k: [v.size, v.sha256] for k, v in sorted(self.outputs.items())},
            "artifacts": [[a.path, a.exporter, a.description, a.size] for a in self.artifacts],
            "diagnostics": self.diagnostics,
            "shards": {k: [v.sha256, list(v.keys)] for k, v in sorted(self.shards.items())},
            "pieces": dict(sorted(self.pieces.items())),
        }
        # compact: the C encoder (`indent` would select the pure-Python one)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse and check a manifest; anything unexpected raises `CacheError`."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CacheError("the cache is corrupt (not JSON)") from exc
        if not isinstance(data, dict):
            raise CacheError("the cache is corrupt")
        if data.get("cache") != CACHE_FORMAT or data.get("coursec") != __version__:
            raise CacheError(f"the cache was written by coursec {data.get('coursec', '?')}")
        try:
            manifest = cls(
                course_id=_str(data["course"]),
                key=_str(data["key"]),
                material=_dict(data["material"]),
                inputs=[_input(item) for item in _list(data["inputs"])],
                outputs={
                    _str(k): OutputFile(_int(v[0]), _str(v[1]))
                    for k, v in _dict(data["outputs"]).items()
                },
                artifacts=[
                    ArtifactRecord(_str(a[0]), _str(a[1]), _str(a[2]), _int(a[3]))
                    for a in _list(data["artifacts"])
                ],
                diagnostics=[_dict(d) for d in _list(data["diagnostics"])],
                shards={
                    _str(k): Shard(_str(v[0]), tuple(_str(key) for key in _list(v[1])))
                    for k, v in _dict(data["shards"]).items()
                },
                pieces={_str(k): _str(v) for k, v in _dict(data["pieces"]).items()},
            )
        except (KeyError, IndexError, TypeError) as exc:
            raise CacheError("the cache is corrupt") from exc
        if digest(manifest.material) != manifest.key:
            raise CacheError("the cache is corrupt (its key does not match its contents)")
        return manifest


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(value)
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(value)
    return value


def _dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(value)
    return value


def _input(item: object) -> InputFile:
    path, resolved, sha, role = _list(item)
    if role not in ("course", "module", "asset", "link", "theme"):
        raise TypeError(role)
    return InputFile(_str(path), _str(resolved), _str(sha), role)


def diagnostics_to_json(diagnostics: Iterable[Diagnostic], root: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in diagnostics:
        span = None
        if d.span is not None:
            s = d.span
            span = [_relative(s.path, root), s.line, s.col, s.end_line, s.end_col]
        out.append(
            {
                "severity": d.severity.value,
                "code": d.code,
                "message": d.message,
                "hint": d.hint,
                "span": span,
            }
        )
    return out


def diagnostics_from_json(items: Iterable[Mapping[str, Any]], root: Path) -> list[Diagnostic]:
    """The recorded diagnostics of the build that wrote the cache (`CacheError` if malformed)."""
    found: list[Diagnostic] = []
    try:
        for item in items:
            span = None
            if item["span"] is not None:
                path, line, col, end_line, end_col = _list(item["span"])
                span = Span(root / _str(path), _int(line), _int(col), end_line, end_col)
            hint = item["hint"]
            found.append(
                Diagnostic(
                    Severity(item["severity"]),
                    _str(item["code"]),
                    _str(item["message"]),
                    span,
                    None if hint is None else _str(hint),
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheError("the cache is corrupt (diagnostics)") from exc
    return found


def cache_dir(out_dir: Path) -> Path:
    return out_dir / CACHE_DIR


def read_manifest(out_dir: Path, course_id: str | None = None) -> Manifest:
    """The manifest of the build that wrote `out_dir`; `CacheError` says why there is none."""
    path = cache_dir(out_dir) / MANIFEST
    try:
        text = read_bytes(path).decode("utf-8")
    except FileNotFoundError as exc:
        raise CacheError("no previous build") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheError("the cache cannot be read") from exc
    manifest = Manifest.from_json(text)
    if course_id is not None and manifest.course_id != course_id:
        raise CacheError(f'the cache belongs to course "{manifest.course_id}"')
    return manifest


def write_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Written last: a cache whose other files are half-written has no manifest."""
    folder = cache_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


# --- is the output up to date? ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    up_to_date: bool
    reason: str  # why not (or "up to date")
    manifest: Manifest | None = None  # the previous build's record, when it is usable at all


def read_course_file(course_root: Path) -> Any:
    """course.yml's data, read cheaply (no positions, no validation), or None."""
    import yaml

    from coursec.sources import SourceError, load_yaml_data

    try:
        text = read_source(course_root / "course.yml").decode("utf-8-sig")
        return load_yaml_data(text)
    except (OSError, ValueError, yaml.YAMLError, SourceError):
        return None


def peek_course_id(course_root: Path) -> str | None:
    """The `id` in course.yml, read cheaply (for the default output folder), or None."""
    data = read_course_file(course_root)
    course_id = data.get("id") if isinstance(data, dict) else None
    return course_id if isinstance(course_id, str) and course_id else None


def check(
    course_root: Path, out_dir: Path, course_id: str | None, options: BuildOptions
) -> Verdict:
    """Is `out_dir` exactly what building `course_root` with `options` would write?

    Reads the previous build's manifest and checks it against the files, without loading the
    course: every recorded input must hash (and resolve) as recorded, the theme, coursec and the
    options must be the same, and every output file must be there, unchanged, with no other.
    """
    try:
        manifest = read_manifest(out_dir, course_id)
    except CacheError as exc:
        return Verdict(False, str(exc))
    course_id = manifest.course_id  # checked above when known; else vouched for by course.yml
    changed = changed_input(course_root, manifest.inputs)
    if changed is not None:
        return Verdict(False, f"{changed} changed", manifest)
    exporters = exporter_identities(options.formats)
    if exporters is None:
        return Verdict(False, "an output format is not installed", manifest)
    try:
        when = source_date_at(course_root, source_files(course_root, manifest.inputs))
    except (OSError, ValueError):
        return Verdict(False, "the source date cannot be determined", manifest)
    theme = theme_material(course_root)
    material = build_material(course_id, options, when, manifest.inputs, theme, exporters)
    if digest(material) != manifest.key:
        return Verdict(False, _what_differs(manifest.material, material), manifest)
    if options.strict and any(
        d.get("severity") == Severity.WARNING.value for d in manifest.diagnostics
    ):
        return Verdict(False, "--strict and the last build had warnings", manifest)
    changed = changed_output(out_dir, manifest.outputs)
    if changed is not None:
        return Verdict(False, f"output {changed}", manifest)
    return Verdict(True, "up to date", manifest)


_MATERIAL_NAMES = {
    "environment": "coursec or a library it uses changed",
    "options": "the build options changed",
    "source_date": "the source date changed",
    "theme": "the theme changed",
    "exporters": "the output formats changed",
    "course": "another course",
    "inputs": "the inputs changed",
}


def _what_differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    for name, reason in _MATERIAL_NAMES.items():
        if old.get(name) != new.get(name):
            return reason
    return "the build key changed"


def shard_reader(out_dir: Path | None, manifest: Manifest | None) -> ShardReader:
    """The previous build's bodies and module records (nothing without a usable manifest)."""
    if out_dir is None or manifest is None:
        return ShardReader(None, {})
    return ShardReader(cache_dir(out_dir), manifest.shards)
