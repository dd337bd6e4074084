"""The cache's record of one build: `<out>/.coursec-cache/manifest.json`, and the outputs it lists.

The manifest says what the build read (inputs by content), what shaped it (coursec and its
libraries, the options, the theme, the exporters, the source date: together the build key),
what it wrote (every output file by size and digest), what it reported (diagnostics), and
where the reusable material is (shards of module records and bodies, kept parts). It is
JSON, parsed defensively: anything unexpected makes it unusable (`CacheError`), never trusted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursec import __version__
from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.files import read_bytes
from coursec.incremental.fingerprint import (
    digest,
    environment,
    file_sha256,
    installation,
    json_value,
    unchanged_since,
)
from coursec.incremental.inputs import ROLES, InputFile, relative_posix
from coursec.incremental.shards import Shard

if TYPE_CHECKING:
    from coursec.options import BuildOptions

CACHE_DIR = ".coursec-cache"
MANIFEST = "manifest.json"
CACHE_FORMAT = 5  # 4: "parts" (were "pieces"), records of LoadedModule; 5: inputs' inodes
# Options that do not change what is written: where, how strictly, how fast, from scratch or not.
NEUTRAL_OPTIONS = frozenset({"out_dir", "strict", "jobs", "clean", "force"})


class CacheError(ValueError):
    """A cache that cannot be used: missing, unreadable, corrupt, foreign or from elsewhere."""


def options_material(options: BuildOptions) -> dict[str, Any]:
    """Every build option that can change the output (all but `NEUTRAL_OPTIONS`)."""
    return {
        f.name: json_value(getattr(options, f.name))
        for f in fields(options)
        if f.name not in NEUTRAL_OPTIONS
    }


def build_material(
    course_id: str,
    options: BuildOptions,
    source_date: datetime,
    inputs: Iterable[InputFile],
    theme: Mapping[str, str | None],
    exporters: list[list[str | None]],
    libraries: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """Everything a build's output depends on, as data (its digest is the build key);
    `libraries`: as `fingerprint.environment` takes them."""
    return {
        "cache": CACHE_FORMAT,
        "environment": environment(libraries),
        "course": course_id,
        "options": options_material(options),
        "source_date": source_date.isoformat(),
        "theme": dict(theme),
        "exporters": exporters,
        "inputs": digest([[i.path, i.resolved, i.sha256] for i in inputs]),
    }


@dataclass(frozen=True, slots=True)
class OutputRecord:
    size: int
    sha256: str


def recorded_environment(
    material: Mapping[str, Any], made_under: object
) -> tuple[dict[str, str | None], list[list[str | None]]] | None:
    """The library versions and exporters a record's `material` (a manifest's, or a check's)
    holds, if they still hold: it was made under `made_under`, the current installation
    (`fingerprint.installation`)."""
    if made_under != installation() or not isinstance(material, Mapping):
        return None
    environment, exporters = material.get("environment"), material.get("exporters")
    if not isinstance(environment, dict) or not isinstance(exporters, list):
        return None
    libraries = environment.get("libraries")
    return (libraries, exporters) if isinstance(libraries, dict) else None


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


def record_outputs(out_dir: Path) -> dict[str, OutputRecord]:
    return {
        rel: OutputRecord(path.stat().st_size, file_sha256(path))
        for rel, path in output_files(out_dir)
    }


def changed_output(
    out_dir: Path, recorded: Mapping[str, OutputRecord], settled: os.stat_result | None = None
) -> str | None:
    """The first output file added, removed or edited since it was recorded, if any.

    Outputs are hashed before the build that wrote them ends (`settled`: the stat of a file it
    changed last, `outdir.settled_stat`), and nothing else writes them: one whose inode has not
    changed since is not read again.
    """
    seen = 0
    for rel, path in output_files(out_dir):
        expected = recorded.get(rel)
        if expected is None:
            return f"{rel} was added"
        try:
            st = path.stat()
            if st.st_size != expected.size:
                return f"{rel} was changed"
            if not unchanged_since(st, settled) and file_sha256(path) != expected.sha256:
                return f"{rel} was changed"
        except OSError:
            return f"{rel} cannot be read"
        seen += 1
    if seen != len(recorded):
        missing = sorted(set(recorded) - {rel for rel, _ in output_files(out_dir)})
        return f"{missing[0] if missing else 'a file'} was removed"
    return None


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
    outputs: dict[str, OutputRecord]
    artifacts: list[ArtifactRecord]
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    shards: dict[str, Shard] = field(default_factory=dict)  # bodies and module records
    parts: dict[str, str] = field(default_factory=dict)  # parts/<name> -> SHA-256
    installation: str = ""  # `fingerprint.installation()` of the build that wrote it

    def to_json(self) -> str:
        data = {
            "cache": CACHE_FORMAT,
            "coursec": __version__,
            "course": self.course_id,
            "key": self.key,
            "material": self.material,
            "inputs": [_input_to_json(i) for i in self.inputs],
            "outputs": {k: [v.size, v.sha256] for k, v in sorted(self.outputs.items())},
            "artifacts": [[a.path, a.exporter, a.description, a.size] for a in self.artifacts],
            "diagnostics": self.diagnostics,
            "shards": {k: [v.sha256, list(v.keys)] for k, v in sorted(self.shards.items())},
            "parts": dict(sorted(self.parts.items())),
            "installation": self.installation,
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
                inputs=[_input_from_json(item) for item in _list(data["inputs"])],
                outputs={
                    _str(k): OutputRecord(_int(v[0]), _str(v[1]))
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
                parts={_str(k): _str(v) for k, v in _dict(data["parts"]).items()},
                installation=_str(data.get("installation", "")),
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


def _input_to_json(item: InputFile) -> list[str | int]:
    return [item.path, item.resolved, item.sha256, item.role, item.inode]


def _input_from_json(item: object) -> InputFile:
    """An input as `_input_to_json` wrote it (TypeError or ValueError if it is not one)."""
    path, resolved, sha, role, inode = _list(item)
    if role not in ROLES:
        raise TypeError(role)
    return InputFile(_str(path), _str(resolved), _str(sha), role, _int(inode))


def diagnostics_to_json(diagnostics: Iterable[Diagnostic], root: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in diagnostics:
        span = None
        if d.span is not None:
            s = d.span
            span = [relative_posix(s.path, root), s.line, s.col, s.end_line, s.end_col]
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
                    Code(_str(item["code"])),
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


def manifest_stat(out_dir: Path) -> os.stat_result | None:
    """The manifest's stat (taken before it is read: a newer manifest only means more hashing)."""
    try:
        return (cache_dir(out_dir) / MANIFEST).stat()
    except OSError:
        return None


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
