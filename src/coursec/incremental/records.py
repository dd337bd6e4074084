"""Loaded modules as JSON records, so that a module file that did not change is not parsed again.

Loading a module (YAML front matter with positions, pydantic validation, a Markdown parse, link
and asset resolution, content checks) is most of a build's work once bodies are cached. A
record keeps what loading produced: the validated front matter, the positions of its values,
its sections, references, callouts, links and assets, the diagnostics it raised and the
cross-module anchors left to check, with every path relative to the course folder.

A record is used only for the same file bytes, the same `allow_raw_html`, the same coursec and
libraries (`cache.environment_key()`), and while every file it refers to still resolves to the same
file inside the course folder; anything else, or a record that does not decode, means the
module is loaded from its source as usual. Records are JSON (never pickle): the cache lives in
the output folder, where anyone may write.

Markdown tokens are not kept. A restored module re-parses its body only if something asks for
the tokens (`LazyTokens`): rendering a body the body cache lacks, or numbering code lines.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

from markdown_it.token import Token

from coursec.diagnostics import Span
from coursec.incremental.fingerprint import environment_key, text_sha256
from coursec.incremental.manifest import CACHE_FORMAT, diagnostics_from_json, diagnostics_to_json
from coursec.loading import LoadedModule
from coursec.markdown import Callout, ParsedBody, Reference, Section, parse_body
from coursec.model import MODULE_LINK, Asset, Module
from coursec.paths import Resolver
from coursec.schema import ModuleSpec
from coursec.sourcemap import SourceMap
from coursec.sources import read_text, split_front_matter


def record_key(path: str, sha256: str, allow_html: bool) -> str:
    """The key of a module file's record: its place, its bytes, and what shapes its loading."""
    material = f"record\0{CACHE_FORMAT}\0{environment_key()}\0{path}\0{sha256}\0{allow_html}"
    return text_sha256(material)


class LazyTokens(Sequence[Token]):
    """A restored module's Markdown tokens, parsed from its file on first use."""

    def __init__(self, path: Path, section_prefix: str, allow_html: bool) -> None:
        self.path, self.section_prefix, self.allow_html = path, section_prefix, allow_html
        self._tokens: Sequence[Token] | None = None

    def _parsed(self) -> Sequence[Token]:
        if self._tokens is None:
            body = split_front_matter(read_text(self.path), self.path).body
            self._tokens = parse_body(body, self.section_prefix, self.allow_html).tokens
        return self._tokens

    @overload
    def __getitem__(self, index: int) -> Token: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Token]: ...

    def __getitem__(self, index: int | slice) -> Token | Sequence[Token]:
        return self._parsed()[index]

    def __len__(self) -> int:
        return len(self._parsed())

    def __iter__(self) -> Iterator[Token]:
        return iter(self._parsed())


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def to_record(
    root: Path, loaded: LoadedModule, deps: Sequence[tuple[Path, Path]]
) -> dict[str, Any]:
    """A loaded module as JSON data (`root` is the resolved course folder; `deps` the files its
    references reached, as reached and as resolved)."""
    module = loaded.module

    def link(dest: str) -> str:
        if not dest.startswith(MODULE_LINK):
            return dest
        target, hash_, fragment = dest.removeprefix(MODULE_LINK).partition("#")
        return f"{MODULE_LINK}{_rel(Path(target), root)}{hash_}{fragment}"

    body = module.body
    return {
        "path": _rel(module.path, root),  # the module file, relative to the course folder
        "spec": module.spec.model_dump_json(by_alias=True),  # the validated front matter
        "values": [  # where each value stands: [*loc, line, col, end_line, end_col]
            [*loc, s.line, s.col, s.end_line, s.end_col]
            for loc, s in module.sourcemap.values.items()
        ],
        "body_line": module.body_line,
        "sections": [[s.id, s.title, s.line, s.text, s.repeated] for s in body.sections],
        "references": [[r.kind, r.url, r.line, r.alt, r.col] for r in body.references],
        "callouts": [[c.kind, c.line, c.closed] for c in body.callouts],
        "raw_html": list(body.raw_html_lines),
        "urls": {src: link(dest) for src, dest in module.urls.items()},
        "hero": [_rel(module.hero.source, root), module.hero.dest] if module.hero else None,
        "assets": [[_rel(a.source, root), a.dest] for a in module.assets],
        "deps": [[_rel(reached, root), _rel(resolved, root)] for reached, resolved in deps],
        "anchors": [  # links to headings of other modules, checked once all are loaded
            [_rel(target, root), fragment, url, span.line, span.col]
            for target, fragment, url, span in loaded.anchors
        ],
        "diagnostics": diagnostics_to_json(loaded.diagnostics, root),
    }


def deps_hold(record: Mapping[str, Any], root: Path, resolver: Resolver) -> bool:
    """Whether every file the record's module refers to still resolves to the same file."""
    base = f"{root}{os.sep}"
    try:
        for reached, resolved in record["deps"]:
            target = resolver.resolve_text(base + reached)
            if target != base + resolved or not os.path.isfile(target):  # noqa: PTH113
                return False
    except (KeyError, TypeError, ValueError, OSError):
        return False
    return True


def restore(
    record: Mapping[str, Any], root: Path, allow_html: bool, resolver: Resolver
) -> LoadedModule | None:
    """The module a record describes, or None if it is malformed or a file it refers to moved.

    `root` is the resolved course folder.
    """
    if not deps_hold(record, root, resolver):
        return None
    base = f"{root}{os.sep}"
    try:
        path = root / record["path"]
        spec = ModuleSpec.model_validate_json(record["spec"])
        values = {tuple(v[:-4]): Span(path, v[-4], v[-3], v[-2], v[-1]) for v in record["values"]}
        body = ParsedBody(
            LazyTokens(path, f"{spec.id}-", allow_html),
            tuple(Section(i, t, line, text, rep) for i, t, line, text, rep in record["sections"]),
            tuple(Reference(k, u, line, alt, col) for k, u, line, alt, col in record["references"]),
            tuple(Callout(k, line, closed) for k, line, closed in record["callouts"]),
            tuple(int(line) for line in record["raw_html"]),
        )
        urls = {str(src): _absolute_link(str(dest), root) for src, dest in record["urls"].items()}
        hero = record["hero"]
        anchors = [
            (root / target, str(fragment), str(url), Span(path, int(line), int(col)))
            for target, fragment, url, line, col in record["anchors"]
        ]
        module = Module(
            spec=spec,
            path=path,
            sourcemap=SourceMap(path, values),
            body=body,
            body_line=int(record["body_line"]),
            urls=urls,
            hero=Asset(root / hero[0], str(hero[1])) if hero else None,
            assets=tuple(
                Asset(Path(base + source), str(dest)) for source, dest in record["assets"]
            ),
        )
        return LoadedModule(module, diagnostics_from_json(record["diagnostics"], root), anchors)
    except (KeyError, TypeError, ValueError, IndexError, OSError):  # pydantic errors are ValueError
        return None


def _absolute_link(dest: str, root: Path) -> str:
    if not dest.startswith(MODULE_LINK):
        return dest
    target, hash_, fragment = dest.removeprefix(MODULE_LINK).partition("#")
    return f"{MODULE_LINK}{root / target}{hash_}{fragment}"


class ModuleRecords:
    """Module records for one load (`coursec.loading.ModuleReuse`): those of the previous build
    (JSON, by key), those this process already decoded (`--watch`), and those of this load.

    After the load, `kept` holds the records of every module loaded (restored or parsed),
    `decoded` the same modules decoded, and `fresh` the keys of the records parsed anew.
    """

    def __init__(
        self,
        root: Path,
        previous: Mapping[str, Any],
        warm: Mapping[str, LoadedModule] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.previous = dict(previous)
        self.warm = warm or {}
        self.kept: dict[str, Any] = {}
        self.decoded: dict[str, LoadedModule] = {}
        self.fresh: set[str] = set()
        self.resolver = Resolver()

    def adopt(self, records: Mapping[str, Any]) -> None:
        """Records made elsewhere this build (by the workers that load modules ahead)."""
        self.previous.update(records)

    def restore(self, path: str, sha256: str, allow_html: bool) -> LoadedModule | None:
        key = record_key(path, sha256, allow_html)
        record = self.previous.get(key)
        if record is None:
            return None
        if key in self.warm:
            loaded = self.warm[key] if deps_hold(record, self.root, self.resolver) else None
        else:
            loaded = restore(record, self.root, allow_html, self.resolver)
        if loaded is not None:
            self.kept[key] = record
            self.decoded[key] = loaded
        return loaded

    def record(
        self,
        path: str,
        sha256: str,
        allow_html: bool,
        loaded: LoadedModule,
        deps: Sequence[tuple[Path, Path]],
    ) -> None:
        key = record_key(path, sha256, allow_html)
        with contextlib.suppress(ValueError):  # a file reached from outside: not recorded
            self.kept[key] = to_record(self.root, loaded, deps)
            self.decoded[key] = loaded
            self.fresh.add(key)
