"""The part store of a build (`coursec.export.PartStore`): parts of outputs kept in the cache.

Each part is a file ``<out>/.coursec-cache/parts/<name>``, where the name is a digest of the
exporter's key and of everything a build shares (coursec's code, the theme, the build options,
course.yml): an exporter's key only has to cover what differs from part to part. The manifest
records each part's SHA-256; a part is served only if its bytes still match, and a build keeps
in its own cache exactly the parts it used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from coursec.incremental.manifest import cache_dir
from coursec.output import link_file, write_new

PARTS = "parts"


def parts_dir(out_dir: Path) -> Path:
    return cache_dir(out_dir) / PARTS


@dataclass(frozen=True, slots=True)
class PartSource:
    """Where one exporter's parts come from (travels to worker processes)."""

    salt: str  # digest of what every part of this build and exporter depends on
    recorded: Mapping[str, str]  # name -> SHA-256, from the previous manifest
    output: Path | None  # the previous build's output folder, when its cache is usable

    @property
    def previous(self) -> Path | None:
        """The previous build's parts folder."""
        return parts_dir(self.output) if self.output is not None else None


@dataclass(slots=True)
class KeptParts:
    source: PartSource
    folder: Path  # this build's parts folder, inside the staging folder's cache
    kept: dict[str, str] = field(default_factory=dict)  # name -> SHA-256 of what was put
    verified: set[str] = field(default_factory=set)  # previous parts read and checked by `get`

    def _name(self, key: str) -> str:
        return hashlib.sha256(f"{self.source.salt}\0{key}".encode()).hexdigest()

    def get(self, key: str, /) -> bytes | None:
        name = self._name(key)
        expected = self.source.recorded.get(name)
        if expected is None or self.source.previous is None:
            return None
        try:
            data = (self.source.previous / name).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != expected:
            return None
        self.verified.add(name)
        return data

    def file(self, key: str, /) -> Path | None:
        name = self._name(key)
        return self.folder / name if name in self.kept else None

    def put(self, key: str, data: bytes, /) -> None:
        name = self._name(key)
        sha = hashlib.sha256(data).hexdigest()
        if self.kept.get(name) == sha:
            return
        if not self.kept:
            self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        previous = self.source.previous
        linked = (
            previous is not None
            and name in self.verified  # bytes checked by `get`: share them, copy nothing
            and self.source.recorded[name] == sha
            and link_file(previous / name, target)
        )
        if not linked:
            write_new(target, data)  # (a part put again with other bytes replaces it)
        self.kept[name] = sha
