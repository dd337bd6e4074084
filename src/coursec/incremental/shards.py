"""Cache data by content key (bodies, module records), as JSON files split into shards.

Values are spread over 16 files per kind (``bodies-0.json`` … ``bodies-f.json``) by the first
hex digit of their key. Keys are content digests, so a shard holding exactly the keys it held
after the previous build holds the same bytes: it is hard-linked from the previous cache instead
of being serialized and written again, and a one-module rebuild rewrites one shard of each kind.

The manifest records each shard's SHA-256 and keys. A shard is read only if its bytes match; one
that does not is never linked forward, so a damaged cache heals on the next build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Shard:
    sha256: str
    keys: tuple[str, ...]  # sorted


def shard_name(kind: str, key: str) -> str:
    return f"{kind}-{key[:1]}.json"


@dataclass(slots=True)
class ShardReader:
    """The previous build's shards, each read (and checked) on first use."""

    folder: Path | None
    recorded: Mapping[str, Shard]
    _loaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)  # shards whose bytes did not match

    def _shard(self, name: str) -> dict[str, Any]:
        if name in self._loaded:
            return self._loaded[name]
        entries: dict[str, Any] = {}
        expected = self.recorded.get(name)
        if self.folder is not None and expected is not None:
            try:
                data = (self.folder / name).read_bytes()
                if hashlib.sha256(data).hexdigest() != expected.sha256:
                    raise ValueError(name)
                loaded = json.loads(data.decode("utf-8"))
                if not isinstance(loaded, dict):
                    raise ValueError(name)
                entries = loaded
            except (OSError, ValueError):  # missing, unreadable, altered, not UTF-8, not JSON
                self.bad.add(name)
        self._loaded[name] = entries
        return entries

    def get(self, kind: str, key: str) -> Any:
        """The value stored under `key`, or None."""
        return self._shard(shard_name(kind, key)).get(key)

    def everything(self, kind: str) -> dict[str, Any]:
        """Every value of one kind, by key."""
        found: dict[str, Any] = {}
        for name in sorted(self.recorded):
            if name.startswith(f"{kind}-"):
                found.update(self._shard(name))
        return found


def write_shards(
    folder: Path,
    kind: str,
    values: Mapping[str, Any],
    previous: ShardReader | None,
    remade: Collection[str] = (),
) -> dict[str, Shard]:
    """Write `values` as shards into `folder`; unchanged shards are linked from `previous`.

    `remade`: keys whose value this build made again although the key was there before (a
    module record whose module refers to a file that now resolves elsewhere): their shard is
    written, not linked.
    """
    groups: dict[str, list[str]] = {}
    for key in sorted(values):
        groups.setdefault(shard_name(kind, key), []).append(key)
    written: dict[str, Shard] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, keys in groups.items():
        old = previous.recorded.get(name) if previous is not None else None
        if (
            previous is not None
            and previous.folder is not None
            and old is not None
            and old.keys == tuple(keys)
            and name not in previous.bad
            and not any(key in remade for key in keys)
        ):
            try:
                os.link(previous.folder / name, folder / name)
            except OSError:
                pass
            else:
                written[name] = old
                continue
        text = json.dumps({k: values[k] for k in keys}, ensure_ascii=False, separators=(",", ":"))
        data = (text + "\n").encode()
        (folder / name).write_bytes(data)
        written[name] = Shard(hashlib.sha256(data).hexdigest(), tuple(keys))
    return written
