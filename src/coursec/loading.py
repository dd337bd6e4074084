"""Loading: a course folder → `Course`, with every problem found as a diagnostic.

`load_course` reads course.yml and each module file it lists (YAML front matter with the
position of every value, pydantic validation, the Markdown body), resolves the files and
modules they refer to, and runs the cross-checks (coursec.crosscheck). It collects diagnostics
instead of stopping at the first: even with course.yml broken, every module is checked.

A build passes a `ModuleReuse` (coursec.incremental): a module file it has a record of is then
restored from the record instead of being parsed, and each module parsed is recorded for the
next build. Without one, every file is parsed and nothing is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel

from coursec.active_content import check_files
from coursec.anchors import page_anchors
from coursec.codes import Code
from coursec.crosscheck import check_cross_anchors, check_ids, check_module, missing_anchor
from coursec.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from coursec.exporter_options import installed_models
from coursec.files import NotRegularFile, is_regular, kind_of
from coursec.incremental.fingerprint import file_sha256
from coursec.interface_check import check_interface, check_module_languages
from coursec.markdown import is_remote, parse_body
from coursec.model import MODULE_LINK, Asset, Course, Module
from coursec.paths import (
    FILE_SCHEME,
    FILE_URL,
    Resolver,
    local_path_problem,
    near_miss,
    resolve_inside,
    written_for_windows,
)
from coursec.schema import CourseSpec, ModuleSpec
from coursec.sourcemap import SourceMap
from coursec.sources import (
    SourceError,
    decode_text,
    parse_yaml,
    read_source_bytes,
    read_text,
    split_front_matter,
)
from coursec.theme_dirs import course_theme_dir
from coursec.validation import validate

COURSE_FILE = "course.yml"
RESERVED_IDS = frozenset(
    {"index", "glossary", "objectives", "course", "static", "media", "questions"}
)
# A link to a heading of another module, checked once every module is loaded:
# (the linked module file, the fragment, the URL as written, where it is written)
Anchor = tuple[Path, str, str, Span]


@dataclass(frozen=True, slots=True)
class LoadedModule:
    """A module as loading left it: the module, its own diagnostics, the anchors it links to."""

    module: Module
    diagnostics: list[Diagnostic]
    anchors: list[Anchor]


class ModuleReuse(Protocol):
    """What loading may reuse from earlier builds, and where it records what it parsed."""

    def restore(self, path: str, sha256: str, allow_html: bool) -> LoadedModule | None:
        """The module file at `path` (relative to the course folder) with these bytes, as an
        earlier load left it, if that still holds; else None."""

    def record(
        self,
        path: str,
        sha256: str,
        allow_html: bool,
        loaded: LoadedModule,
        deps: Sequence[tuple[Path, Path]],
    ) -> None:
        """Keep a module just parsed; `deps`: the files it refers to (as reached, resolved)."""


@dataclass(slots=True)
class LoadResult:
    course: Course | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


class CourseLoader:
    """Builds a `Course` from a folder, collecting diagnostics instead of stopping at the first."""

    def __init__(self, root: Path, reuse: ModuleReuse | None = None) -> None:
        self.root = root.resolve()
        self.reuse = reuse
        self.sink = DiagnosticSink()
        self.anchors: list[Anchor] = []  # links to headings of other modules
        self.deps: list[tuple[Path, Path]] = []  # files the module being parsed refers to
        self.resolver = Resolver()
        self.options: dict[str, BaseModel] = {}  # the exporters' options in course.yml, by key

    def load(self) -> LoadResult:
        course_file = self.root / COURSE_FILE
        if not self.root.is_dir():
            self.sink.error(Code.CS101, f"course folder {self.root} does not exist")
            return LoadResult(None, self.sink.sorted())
        if not course_file.exists():
            self.sink.error(
                Code.CS101,
                f"{COURSE_FILE} not found",
                Span(course_file),
                f"a course folder holds {COURSE_FILE}; run `coursec schema` for its fields",
            )
            return LoadResult(None, self.sink.sorted())
        spec, data, smap = self._load_course_file(course_file)
        modules: list[Module] = []
        if smap is not None:
            # Even when course.yml has errors, check the modules it lists: all mistakes at once.
            refs = spec.modules if spec else module_refs(data)
            allow_html = spec.allow_raw_html if spec else data.get("allow_raw_html") is True
            seen_files: dict[Path, int] = {}
            for index, ref in enumerate(refs):
                span = smap.value(("modules", index))
                module = self._load_module(allow_html, ref, span, seen_files)
                if module is not None:
                    modules.append(module)
            self.sink.extend(check_ids(modules))
            self.sink.extend(check_module_languages(modules))
            self.sink.extend(check_cross_anchors(self.anchors, modules))
            allow_scripted = (
                spec.allow_scripted_downloads
                if spec
                else data.get("allow_scripted_downloads") is True
            )
            self.sink.extend(check_files(modules, course_theme_dir(self.root), allow_scripted))
        diagnostics = self.sink.sorted()
        if spec is None or any(d.severity is Severity.ERROR for d in diagnostics):
            return LoadResult(None, diagnostics)
        return LoadResult(Course(spec, self.root, tuple(modules), self.options), diagnostics)

    def load_file(self, ref: str, allow_html: bool) -> Module | None:
        """Load (and record) one module file on its own: a worker process does this ahead of
        the build process (coursec.executor.preload_task). None if it has errors."""
        module = self._load_module(allow_html, ref, Span(self.root / COURSE_FILE), {})
        return None if module is None or self.sink.has_errors else module

    def _load_course_file(
        self, path: Path
    ) -> tuple[CourseSpec | None, dict[str, Any], SourceMap | None]:
        """course.yml: its own fields (CourseSpec) and, under their keys, the exporters'."""
        try:
            doc = parse_yaml(read_text(path), path)
        except SourceError as exc:
            self.sink.add(exc.diagnostic)
            return None, {}, None
        data = doc.data if isinstance(doc.data, dict) else {}
        models = installed_models()
        found: list[Diagnostic] = []
        for key, model in models.items():
            if key in data:
                block = validate(model, data[key], doc.sourcemap, found, at=(key,))
                if block is not None:
                    self.options[key] = block
        own = {k: v for k, v in data.items() if k not in models} if doc.data is data else doc.data
        spec = validate(CourseSpec, own, doc.sourcemap, found, also_known=sorted(models))
        if spec is not None:
            found += check_interface(spec, doc.sourcemap)
        self.sink.extend(found)
        return spec, data, doc.sourcemap

    def _load_module(
        self, allow_html: bool, ref: str, span: Span, seen: dict[Path, int]
    ) -> Module | None:
        resolved = resolve_inside(self.root, self.root, ref, self.resolver)
        if isinstance(resolved, tuple):
            self.sink.error(Code.CS304, f'module "{ref}": {resolved[0]}', span, resolved[1])
            return None
        if resolved in seen:
            self.sink.error(
                Code.CS307,
                f'module file "{ref}" is listed twice (first listed at line {seen[resolved]})',
                span,
                "list each module file once, in course order",
            )
            return None
        seen[resolved] = span.line
        if not resolved.exists():
            near = sorted(
                p.relative_to(self.root).as_posix()
                for p in self.root.rglob("*.md")
                if is_regular(p)
            )
            hint = "module files here: " + ", ".join(near) if near else None
            self.sink.error(Code.CS302, f'module file "{ref}" does not exist', span, hint)
            return None
        if not is_regular(resolved):
            self._not_regular(ref, resolved, span)
            return None
        if self.reuse is None:  # nothing to restore, nothing to record
            raw = self._read(resolved)
            return self._parse_module(allow_html, resolved, raw) if raw is not None else None
        try:
            sha = file_sha256(resolved)  # remembered by stat: a restored module is not read
        except OSError as exc:
            self._unreadable(resolved, exc)
            return None
        rel = resolved.relative_to(self.root).as_posix()
        restored = self.reuse.restore(rel, sha, allow_html)
        if restored is not None:
            self.sink.extend(restored.diagnostics)
            self.anchors += restored.anchors
            return restored.module
        raw = self._read(resolved)
        return self._parse_and_record(allow_html, resolved, rel, raw) if raw is not None else None

    def _read(self, path: Path) -> bytes | None:
        try:
            return read_source_bytes(path)
        except SourceError as exc:
            self.sink.add(exc.diagnostic)
            return None

    def _unreadable(self, path: Path, exc: OSError) -> None:
        if isinstance(exc, NotRegularFile):
            self._not_regular(path.name, path, Span(path, 0, 0))
        else:
            self.sink.error(Code.CS101, f"cannot read file: {exc.strerror}", Span(path, 0, 0))

    def _not_regular(self, ref: str, path: Path, span: Span) -> None:
        try:
            kind = kind_of(path.stat().st_mode)
        except OSError:
            kind = "not a regular file"
        self.sink.error(
            Code.CS107,
            f'"{ref}" is not a regular file: it is {kind}',
            span,
            "point at the file itself; coursec reads only regular files",
        )

    def _parse_and_record(
        self, allow_html: bool, resolved: Path, rel: str, raw: bytes
    ) -> Module | None:
        """Parse a module file and record it, with its own diagnostics and anchors."""
        assert self.reuse is not None
        outer, self.sink, self.deps = self.sink, DiagnosticSink(), []
        anchors_before = len(self.anchors)
        try:
            module = self._parse_module(allow_html, resolved, raw)
        finally:
            found, self.sink = self.sink.items, outer
            self.sink.extend(found)
        if module is not None:
            loaded = LoadedModule(module, list(found), self.anchors[anchors_before:])
            sha = hashlib.sha256(raw).hexdigest()  # the bytes parsed
            self.reuse.record(rel, sha, allow_html, loaded, self.deps)
        return module

    def _parse_module(self, allow_html: bool, resolved: Path, raw: bytes) -> Module | None:
        try:
            source = split_front_matter(decode_text(raw, resolved), resolved)
        except SourceError as exc:
            self.sink.add(exc.diagnostic)
            return None
        found: list[Diagnostic] = []
        smap = source.front_matter.sourcemap
        spec = validate(ModuleSpec, source.front_matter.data, smap, found)
        self.sink.extend(found)
        if spec is None:
            return None
        if spec.id in RESERVED_IDS:
            self.sink.error(
                Code.CS205,
                f'module id "{spec.id}" is reserved',
                smap.value(("id",)),
                "reserved: " + ", ".join(sorted(RESERVED_IDS)),
            )
        body = parse_body(source.body, f"{spec.id}-", allow_html)
        module_dir = resolved.parent
        assets: dict[str, Asset] = {}
        hero = None
        if spec.hero is not None:
            hero = self._asset(module_dir, spec.hero.src, smap.value(("hero", "src")))
            if hero is not None:
                assets[hero.dest] = hero
        urls: dict[str, str] = {}
        self._file_urls(source.body, source.body_line, resolved)
        anchors = page_anchors(spec, body.sections)
        for reference in body.references:
            where = Span(resolved, source.body_line + reference.line - 1, reference.col)
            if reference.url.startswith("#"):
                anchor = anchors.resolve(reference.url[1:])
                swallowed = any(not c.closed and c.line > reference.line for c in body.callouts)
                if anchor is None and not swallowed:  # else its heading may be in the callout
                    self.sink.add(missing_anchor(reference.url, spec, body.sections, where))
                elif anchor != reference.url[1:]:
                    urls[reference.url] = f"#{anchor}"  # [see](#mitigations) → the real id
                continue
            if reference.kind == "image" and not reference.alt.strip():
                self.sink.warning(
                    Code.CS402,
                    f'image "{reference.url}" has no alt text',
                    where,
                    "describe the image: ![what it shows](path), or explain why it is decorative",
                )
            problem = written_for_windows(reference.url)
            if problem is not None:
                self.sink.error(
                    Code.CS304, f'"{unquote(reference.url)}": {problem[0]}', where, problem[1]
                )
                continue
            if reference.kind == "image" and is_remote(reference.url):
                self.sink.warning(
                    Code.CS308,
                    f'image "{reference.url}" is on another server; outputs link to it instead',
                    where,
                    "save the image inside the course folder so it works offline and in the LMS",
                )
            url = self._local_url(reference.url, module_dir, where, assets)
            if url is not None:
                urls[reference.url] = url
        module = Module(
            spec, resolved, smap, body, source.body_line, urls, hero, tuple(assets.values())
        )
        self.sink.extend(check_module(module, allow_html))
        return module

    def _file_urls(self, body: str, body_line: int, path: Path) -> None:
        """CS304 for each file: URL in a link or an image: Markdown leaves such a link out
        (shows it as text), so it is not among the body's references."""
        if FILE_SCHEME.search(body) is None:
            return
        for match in FILE_URL.finditer(body):
            group = 1 if match.group(1) else 2
            url, start = match.group(group), match.start(group)
            line = body.count("\n", 0, start)
            col = start - (body.rfind("\n", 0, start) + 1) + 1
            message, hint = local_path_problem(url) or ("", "")
            where = Span(path, body_line + line, col)
            self.sink.error(Code.CS304, f'"{url}": {message}', where, hint)

    def _asset(self, base: Path, ref: str, span: Span) -> Asset | None:
        resolved = resolve_inside(self.root, base, unquote(ref), self.resolver)
        if isinstance(resolved, tuple):
            self.sink.error(Code.CS304, f'"{unquote(ref)}": {resolved[0]}', span, resolved[1])
            return None
        if not resolved.exists():
            self.sink.error(Code.CS303, f'file "{ref}" does not exist', span, near_miss(resolved))
            return None
        if not is_regular(resolved):
            self._not_regular(ref, resolved, span)
            return None
        self.deps.append((base / unquote(ref), resolved))
        return Asset.of(self.root, resolved)

    def _local_url(self, url: str, base: Path, span: Span, assets: dict[str, Asset]) -> str | None:
        """Map a local link/image to its output URL; external and in-page links stay as written."""
        if not url or url.startswith("#") or is_remote(url):
            return None
        parts = urlsplit(url)
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if parts.path.endswith(".md"):
            resolved = resolve_inside(self.root, base, unquote(parts.path), self.resolver)
            if isinstance(resolved, tuple) and "\\" in unquote(parts.path):
                message, hint = resolved
                self.sink.error(Code.CS304, f'"{unquote(url)}": {message}', span, hint)
                return None
            if isinstance(resolved, tuple) or not resolved.is_file():
                self.sink.error(Code.CS305, f'link to "{url}": no such module file', span)
                return None
            self.deps.append((base / unquote(parts.path), resolved))
            if parts.fragment:
                self.anchors.append((resolved, parts.fragment, url, span))
            return f"{MODULE_LINK}{resolved}{fragment}"
        asset = self._asset(base, parts.path, span)
        if asset is None:
            return None
        assets[asset.dest] = asset
        return asset.url + fragment


def module_refs(data: dict[str, Any]) -> list[str]:
    refs = data.get("modules")
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


def load_course(root: Path, reuse: ModuleReuse | None = None) -> LoadResult:
    return CourseLoader(root, reuse).load()
