"""Load a course folder into the validated domain model, with every problem as a diagnostic."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from coursec.active_content import check_files
from coursec.cache import file_sha256
from coursec.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from coursec.files import NotRegularFile, is_regular, kind_of
from coursec.loader import validate
from coursec.markdown import (
    CALLOUT_TITLES,
    ParsedBody,
    Section,
    is_remote,
    parse_body,
    slugify,
)
from coursec.paths import Resolver
from coursec.quiz_text import check_quiz_texts
from coursec.records import Restored, deps_hold, record_key, restore, to_record
from coursec.schema import (
    CompletionRule,
    CourseSpec,
    KeyTerm,
    ModuleSpec,
    ModuleStatus,
    Objective,
    Question,
)
from coursec.sourcemap import SourceMap
from coursec.sources import (
    SourceError,
    decode_text,
    parse_yaml,
    read_source_bytes,
    read_text,
    split_front_matter,
)

COURSE_FILE = "course.yml"
THEME_DIR = "templates"  # a course's own theme overrides, inside the course folder
RESERVED_IDS = frozenset(
    {"index", "glossary", "objectives", "course", "static", "media", "questions"}
)
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by for from how in into is it its of on or that the their this to "
        "what when where which why with terms",
    )
)


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied from the course folder into every output, at `dest` (a URL path)."""

    source: Path
    dest: str


@dataclass(frozen=True, slots=True)
class Module:
    spec: ModuleSpec
    path: Path
    sourcemap: SourceMap
    body: ParsedBody
    body_line: int
    urls: Mapping[str, str]
    hero: Asset | None
    assets: tuple[Asset, ...]

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def published(self) -> bool:
        return self.spec.status is ModuleStatus.PUBLISHED

    @property
    def page(self) -> str:
        return f"{self.id}.html"

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.body.sections

    @property
    def objectives(self) -> list[Objective]:
        return self.spec.objectives

    @property
    def key_terms(self) -> list[KeyTerm]:
        return self.spec.key_terms

    def line_of(self, body_line: int) -> int:
        """A body line (1-based) as a line of the module file."""
        return self.body_line + body_line - 1

    def anchor(self, fragment: str) -> str | None:
        """The id of what `#fragment` names on this module's page, if anything."""
        return find_anchor(self.spec, self.sections, fragment)


def page_anchors(spec: ModuleSpec, sections: Sequence[Section]) -> list[str]:
    """The ids a link may name on a module's page: its sections, each objective
    (`objective-<id>`) and the key-terms and objectives boxes."""
    anchors = [s.id for s in sections]
    anchors += [f"objective-{o.id}" for o in spec.objectives]
    if spec.key_terms:
        anchors.append(f"{spec.id}-terms")
    if spec.objectives:
        anchors.append(f"{spec.id}-objectives")
    return anchors


def find_anchor(spec: ModuleSpec, sections: Sequence[Section], fragment: str) -> str | None:
    """The id a link's `#fragment` names on a module's page: an id of `page_anchors`, or a
    section by its heading slug (`#mitigations` → `<module-id>-mitigations`)."""
    if fragment in page_anchors(spec, sections):
        return fragment
    by_slug = f"{spec.id}-{slugify(fragment)}"
    return by_slug if any(s.id == by_slug for s in sections) else None


@dataclass(frozen=True, slots=True)
class Course:
    spec: CourseSpec
    root: Path
    modules: tuple[Module, ...]
    # derived once (pages ask for them for every module)
    _published: tuple[Module, ...] = field(init=False, repr=False, compare=False)
    _listed: tuple[Module, ...] = field(init=False, repr=False, compare=False)
    _numbers: dict[str, int] = field(init=False, repr=False, compare=False)
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)  # in _published
    _by_path: dict[str, Module] = field(init=False, repr=False, compare=False)  # published

    def __post_init__(self) -> None:
        listed = tuple(m for m in self.modules if m.spec.status is not ModuleStatus.DRAFT)
        object.__setattr__(self, "_published", tuple(m for m in self.modules if m.published))
        object.__setattr__(self, "_listed", listed)
        numbers: dict[str, int] = {}
        for index, module in enumerate(listed):
            numbers.setdefault(module.id, index + 1)
        object.__setattr__(self, "_numbers", numbers)
        positions: dict[str, int] = {}
        for index, module in enumerate(self._published):
            positions.setdefault(module.id, index)
        object.__setattr__(self, "_positions", positions)
        by_path: dict[str, Module] = {}
        for module in self._published:
            by_path.setdefault(str(module.path), module)
        object.__setattr__(self, "_by_path", by_path)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def published_modules(self) -> tuple[Module, ...]:
        return self._published

    @property
    def listed_modules(self) -> tuple[Module, ...]:
        """Modules a learner sees: published ones and those announced as coming soon."""
        return self._listed

    @property
    def assets(self) -> tuple[Asset, ...]:
        unique = {a.dest: a for m in self.published_modules for a in m.assets}
        return tuple(unique[k] for k in sorted(unique))

    def completion_rule(self, module: Module) -> CompletionRule:
        return module.spec.completion or self.spec.scorm.completion

    def number(self, module: Module) -> int:
        """The module's number as learners see it (published and coming-soon modules count)."""
        try:
            return self._numbers[module.id]
        except KeyError:
            raise ValueError(f'module "{module.id}" is not listed') from None

    def next_module(self, module: Module) -> Module | None:
        listed = self.listed_modules
        index = self.number(module) - 1
        return listed[index + 1] if index + 1 < len(listed) else None

    def published_at(self, path: str) -> Module | None:
        """The published module read from the file at `path` (absolute), if any."""
        return self._by_path.get(path)

    def previous_module(self, module: Module) -> Module | None:
        index = self._positions[module.id]
        return self._published[index - 1] if index > 0 else None


@dataclass(slots=True)
class LoadResult:
    course: Course | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)  # by record key (coursec.records)
    restored: dict[str, Restored] = field(default_factory=dict)  # the same modules, decoded
    fresh: set[str] = field(default_factory=set)  # keys of the records made, not restored


def resolve_inside(
    root: Path, base: Path, ref: str, resolver: Resolver | None = None
) -> Path | str:
    """Resolve `ref` (relative to folder `base`) to a file inside `root`, or say why not."""
    if ref.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", ref) or "\\" in ref:
        return "absolute paths are not allowed"
    resolver = resolver or Resolver()
    target = resolver.resolve(base.absolute() / ref)
    try:
        target.relative_to(resolver.resolve(root.absolute()))
    except ValueError:
        return "it points outside the course folder"
    return target


def _asset_dest(root: Path, path: Path) -> str:
    return "media/" + path.relative_to(root.resolve()).as_posix()


def _url(dest: str) -> str:
    return quote(dest, safe="/-._~")


def _module_of(restored: Restored) -> Module:
    return Module(
        restored.spec,
        restored.path,
        restored.sourcemap,
        restored.body,
        restored.body_line,
        restored.urls,
        Asset(*restored.hero) if restored.hero else None,
        tuple(Asset(source, dest) for source, dest in restored.assets),
    )


class CourseLoader:
    """Builds a `Course` from a folder, collecting diagnostics instead of stopping at the first.

    With `records` (those of a previous build, by key) a module file whose record is there and
    still valid is restored from it instead of being parsed; the records of this load are then
    in `LoadResult.records`. Without, nothing is recorded. `warm` holds modules this process
    already decoded (`LoadResult.restored` of an earlier load), by the same keys.
    """

    def __init__(
        self,
        root: Path,
        records: Mapping[str, Any] | None = None,
        warm: Mapping[str, Restored] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.sink = DiagnosticSink()
        # links to a heading of another module, checked once every module is loaded
        self.cross_anchors: list[tuple[Path, str, str, Span]] = []
        self.records = records
        self.new_records: dict[str, Any] = {}
        self.warm = warm or {}
        self.restored: dict[str, Restored] = {}
        self.fresh: set[str] = set()
        self.deps: list[tuple[Path, Path]] = []  # files the module being loaded refers to
        self.resolver = Resolver()

    def load(self) -> LoadResult:
        course_file = self.root / COURSE_FILE
        if not self.root.is_dir():
            self.sink.error("CS101", f"course folder {self.root} does not exist")
            return LoadResult(None, self.sink.sorted())
        if not course_file.exists():
            self.sink.error(
                "CS101",
                f"{COURSE_FILE} not found",
                Span(course_file),
                f"a course folder holds {COURSE_FILE}; run `coursec schema` for its fields",
            )
            return LoadResult(None, self.sink.sorted())
        spec, data, smap = self._load_course_file(course_file)
        modules: list[Module] = []
        if smap is not None:
            # Even when course.yml has errors, check the modules it lists: all mistakes at once.
            refs = spec.modules if spec else _module_refs(data)
            allow_html = spec.allow_raw_html if spec else data.get("allow_raw_html") is True
            seen_files: dict[Path, int] = {}
            for index, ref in enumerate(refs):
                span = smap.value(("modules", index))
                module = self._load_module(allow_html, ref, span, seen_files)
                if module is not None:
                    modules.append(module)
            self._check_ids(modules)
            self._check_cross_anchors(modules)
            allow_scripted = (
                spec.allow_scripted_downloads
                if spec
                else data.get("allow_scripted_downloads") is True
            )
            self.sink.extend(check_files(modules, self.root / THEME_DIR, allow_scripted))
        diagnostics = self.sink.sorted()
        if spec is None or any(d.severity is Severity.ERROR for d in diagnostics):
            return LoadResult(None, diagnostics)
        course = Course(spec, self.root, tuple(modules))
        return LoadResult(course, diagnostics, self.new_records, self.restored, self.fresh)

    def load_file(self, ref: str, allow_html: bool) -> tuple[str, Module] | None:
        """Load one module file on its own, recording it: a worker process does this for the
        build process (coursec.workers.preload_task). None if it has errors."""
        if self.records is None:
            self.records = {}
        before = set(self.new_records)
        module = self._load_module(allow_html, ref, Span(self.root / COURSE_FILE), {})
        added = set(self.new_records) - before
        if module is None or self.sink.has_errors or len(added) != 1:
            return None
        return added.pop(), module

    def _load_course_file(
        self, path: Path
    ) -> tuple[CourseSpec | None, dict[str, Any], SourceMap | None]:
        try:
            doc = parse_yaml(read_text(path), path)
        except SourceError as exc:
            self.sink.add(exc.diagnostic)
            return None, {}, None
        found: list[Diagnostic] = []
        spec = validate(CourseSpec, doc.data, doc.sourcemap, found)
        self.sink.extend(found)
        return spec, doc.data if isinstance(doc.data, dict) else {}, doc.sourcemap

    def _load_module(
        self, allow_html: bool, ref: str, span: Span, seen: dict[Path, int]
    ) -> Module | None:
        resolved = resolve_inside(self.root, self.root, ref, self.resolver)
        if isinstance(resolved, str):
            self.sink.error("CS304", f'module "{ref}": {resolved}', span)
            return None
        if resolved in seen:
            self.sink.error("CS307", f'module file "{ref}" is listed twice', span)
            return None
        seen[resolved] = span.line
        if not resolved.exists():
            near = sorted(
                p.relative_to(self.root).as_posix()
                for p in self.root.rglob("*.md")
                if is_regular(p)
            )
            hint = "module files here: " + ", ".join(near) if near else None
            self.sink.error("CS302", f'module file "{ref}" does not exist', span, hint)
            return None
        if not is_regular(resolved):
            self._not_regular(ref, resolved, span)
            return None
        if self.records is None:  # nothing recorded or restored
            raw = self._read(resolved)
            return self._parse_module(allow_html, resolved, raw) if raw is not None else None
        try:
            sha = file_sha256(resolved)  # remembered by stat: a restored module is not read
        except OSError as exc:
            self._unreadable(resolved, exc)
            return None
        rel = resolved.relative_to(self.root).as_posix()
        key = record_key(rel, sha, allow_html)
        record = self.records.get(key)
        restored = self._restore(key, record, allow_html) if record is not None else None
        if restored is not None:
            return _module_of(restored)
        raw = self._read(resolved)
        if raw is None:
            return None
        return self._parse_and_record(allow_html, resolved, rel, raw)

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
            self.sink.error("CS101", f"cannot read file: {exc.strerror}", Span(path, 0, 0))

    def _not_regular(self, ref: str, path: Path, span: Span) -> None:
        try:
            kind = kind_of(path.stat().st_mode)
        except OSError:
            kind = "not a regular file"
        self.sink.error(
            "CS107",
            f'"{ref}" is not a regular file: it is {kind}',
            span,
            "point at the file itself; coursec reads only regular files",
        )

    def _restore(self, key: str, record: Mapping[str, Any], allow_html: bool) -> Restored | None:
        """The module `record` describes (under `key`), if it still holds."""
        if key in self.warm:
            restored = self.warm[key] if deps_hold(record, self.root, self.resolver) else None
        else:
            restored = restore(record, self.root, allow_html, self.resolver)
        if restored is not None:
            self.new_records[key] = record
            self.restored[key] = restored
            self.sink.extend(restored.diagnostics)
            self.cross_anchors += restored.anchors
        return restored

    def _parse_and_record(
        self, allow_html: bool, resolved: Path, rel: str, raw: bytes
    ) -> Module | None:
        """Parse a module file, keeping its diagnostics, anchors and references in its record."""
        key = record_key(rel, hashlib.sha256(raw).hexdigest(), allow_html)  # the bytes parsed
        outer, self.sink, self.deps = self.sink, DiagnosticSink(), []
        anchors_before = len(self.cross_anchors)
        try:
            module = self._parse_module(allow_html, resolved, raw)
        finally:
            found, self.sink = self.sink.items, outer
            self.sink.extend(found)
        if module is not None:
            restored = Restored(
                spec=module.spec,
                path=module.path,
                sourcemap=module.sourcemap,
                body=module.body,
                body_line=module.body_line,
                urls=dict(module.urls),
                hero=(module.hero.source, module.hero.dest) if module.hero else None,
                assets=tuple((a.source, a.dest) for a in module.assets),
                anchors=self.cross_anchors[anchors_before:],
                diagnostics=list(found),
            )
            with contextlib.suppress(ValueError):  # a file reached from outside: not recorded
                self.new_records[key] = to_record(self.root, restored, self.deps)
                self.restored[key] = restored
                self.fresh.add(key)
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
                "CS205",
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
        for reference in body.references:
            where = Span(resolved, source.body_line + reference.line - 1, reference.col)
            if reference.url.startswith("#"):
                anchor = find_anchor(spec, body.sections, reference.url[1:])
                if anchor is None:
                    self._missing_anchor(reference.url, spec, body.sections, where)
                elif anchor != reference.url[1:]:
                    urls[reference.url] = f"#{anchor}"  # [see](#mitigations) → the real id
                continue
            if reference.kind == "image" and not reference.alt.strip():
                self.sink.warning(
                    "CS402",
                    f'image "{reference.url}" has no alt text',
                    where,
                    "describe the image: ![what it shows](path), or explain why it is decorative",
                )
            if reference.kind == "image" and is_remote(reference.url):
                self.sink.warning(
                    "CS308",
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
        self._check_content(allow_html, module)
        return module

    def _asset(self, base: Path, ref: str, span: Span) -> Asset | None:
        resolved = resolve_inside(self.root, base, unquote(ref), self.resolver)
        if isinstance(resolved, str):
            self.sink.error(
                "CS304",
                f'"{ref}": {resolved}',
                span,
                "keep images and downloads inside the course folder, e.g. assets/",
            )
            return None
        if not resolved.exists():
            self.sink.error("CS303", f'file "{ref}" does not exist', span, _near_miss(resolved))
            return None
        if not is_regular(resolved):
            self._not_regular(ref, resolved, span)
            return None
        self.deps.append((base / unquote(ref), resolved))
        return Asset(resolved, _asset_dest(self.root, resolved))

    def _local_url(self, url: str, base: Path, span: Span, assets: dict[str, Asset]) -> str | None:
        """Map a local link/image to its output URL; external and in-page links stay as written."""
        if not url or url.startswith("#") or is_remote(url):
            return None
        parts = urlsplit(url)
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if parts.path.endswith(".md"):
            resolved = resolve_inside(self.root, base, unquote(parts.path), self.resolver)
            if isinstance(resolved, str) or not resolved.is_file():
                self.sink.error("CS305", f'link to "{url}": no such module file', span)
                return None
            self.deps.append((base / unquote(parts.path), resolved))
            if parts.fragment:
                self.cross_anchors.append((resolved, parts.fragment, url, span))
            return f"__module__:{resolved}{fragment}"
        asset = self._asset(base, parts.path, span)
        if asset is None:
            return None
        assets[asset.dest] = asset
        return _url(asset.dest) + fragment

    def _check_content(self, allow_html: bool, module: Module) -> None:
        spec, smap = module.spec, module.sourcemap
        for section in module.sections:
            if section.repeated:
                self.sink.warning(
                    "CS408",
                    f'heading "{section.title}" appears twice in this module',
                    Span(module.path, module.line_of(section.line), 1),
                    f'its section id became "{section.id}"; give each heading its own title',
                )
        for callout in module.body.callouts:
            if not callout.closed:
                self.sink.error(
                    "CS407",
                    f'the "{callout.kind}" callout opened here is never closed',
                    Span(module.path, module.line_of(callout.line), 1),
                    "end it with a line ':::'; until then it takes in the rest of the module",
                )
            if callout.kind not in CALLOUT_TITLES:
                self.sink.error(
                    "CS405",
                    f'unknown callout kind "{callout.kind}"',
                    Span(module.path, module.line_of(callout.line), 1),
                    "use one of " + ", ".join(sorted(CALLOUT_TITLES)),
                )
        if module.body.raw_html_lines and not allow_html:
            line = module.body.raw_html_lines[0]
            self.sink.warning(
                "CS404",
                "raw HTML is shown as text because the course does not allow it",
                Span(module.path, module.line_of(line), 1),
                "set `allow_raw_html: true` in course.yml (the HTML is then sanitized)",
            )
        known = {o.id for o in spec.objectives}
        for qi, question in enumerate(spec.quiz.questions if spec.quiz else []):
            for oi, objective_id in enumerate(question.objectives):
                if objective_id not in known:
                    close = difflib.get_close_matches(objective_id, sorted(known), n=1)
                    self.sink.error(
                        "CS306",
                        f'question "{question.id}" assesses unknown objective "{objective_id}"',
                        smap.value(("quiz", "questions", qi, "objectives", oi)),
                        f'did you mean "{close[0]}"?'
                        if close
                        else "objectives here: " + ", ".join(known),
                    )
        self.sink.extend(check_quiz_texts(spec, module.sections, smap, allow_html))
        if not module.published:
            return
        if not spec.objectives:
            self.sink.warning(
                "CS403",
                f'module "{spec.id}" has no learning objectives',
                smap.value(("id",)),
                "add `objectives:` with an `id` and `text` for each",
            )
        slugs = {s.id.removeprefix(f"{spec.id}-"): s for s in module.sections}
        for index, objective in enumerate(spec.objectives):
            for j, slug in enumerate(objective.sections):
                if slug not in slugs:
                    self.sink.error(
                        "CS305",
                        f'objective "{objective.id}" names section "{slug}", not a heading here',
                        smap.value(("objectives", index, "sections", j)),
                        "sections: " + ", ".join(slugs),
                    )
            if not assessing_questions(objective, spec):
                self.sink.warning(
                    "CS406",
                    f'objective "{objective.id}" is not assessed by any question',
                    smap.value(("objectives", index)),
                    "add a knowledge-check question with this id under `objectives:`",
                )
            if not addressing_sections(objective, module.sections, spec.id):
                self.sink.warning(
                    "CS401",
                    f'objective "{objective.id}" is not addressed by any section',
                    smap.value(("objectives", index)),
                    "write about it in the body, or list the headings that do in `sections:`",
                )

    def _missing_anchor(
        self, url: str, spec: ModuleSpec, module_sections: tuple[Section, ...], span: Span
    ) -> None:
        slugs = [s.id.removeprefix(f"{spec.id}-") for s in module_sections]
        wanted = url.partition("#")[2]
        objectives = [f"objective-{o.id}" for o in spec.objectives]
        close = difflib.get_close_matches(slugify(wanted), slugs + objectives, n=1)
        self.sink.warning(
            "CS309",
            f'link "{url}" points at a heading that does not exist',
            span,
            f'did you mean "#{close[0]}"?' if close else "headings here: " + ", ".join(slugs),
        )

    def _check_cross_anchors(self, modules: list[Module]) -> None:
        by_path = {m.path: m for m in modules}
        for target, fragment, url, span in self.cross_anchors:
            module = by_path.get(target)
            if module is None or not module.published:
                continue  # a file not in the course, or with no page: reported elsewhere / moot
            if module.anchor(fragment) is None:
                self._missing_anchor(url, module.spec, module.sections, span)

    def _check_ids(self, modules: list[Module]) -> None:
        seen: dict[str, Module] = {}
        objectives: dict[str, Module] = {}
        questions: dict[str, Module] = {}
        for module in modules:
            for index, question in enumerate(
                module.spec.quiz.questions if module.spec.quiz else []
            ):
                owner = questions.setdefault(question.id, module)
                if owner is not module:
                    self.sink.error(
                        "CS301",
                        f'question id "{question.id}" is also used in {owner.path.name}',
                        module.sourcemap.value(("quiz", "questions", index, "id")),
                        "question ids must be unique in the course (SCORM interaction ids)",
                    )
            if module.id in seen:
                self.sink.error(
                    "CS301",
                    f'module id "{module.id}" is also used by {seen[module.id].path.name}',
                    module.sourcemap.value(("id",)),
                    "module ids must be unique in the course",
                )
            seen.setdefault(module.id, module)
            for index, objective in enumerate(module.objectives):
                other = objectives.get(objective.id)
                if other is not None:
                    self.sink.error(
                        "CS301",
                        f'objective id "{objective.id}" is also used in {other.path.name}',
                        module.sourcemap.value(("objectives", index, "id")),
                        "objective ids must be unique in the course (they are SCORM objective ids)",
                    )
                objectives.setdefault(objective.id, module)


def _near_miss(missing: Path) -> str | None:
    """A file of the same name in another letter case: it works on macOS, not on Linux LMSs."""
    folder = missing.parent
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.iterdir()):
        if candidate.name.lower() == missing.name.lower():
            return f'did you mean "{candidate.name}"? file names are case-sensitive on most servers'
    return None


def _module_refs(data: dict[str, Any]) -> list[str]:
    refs = data.get("modules")
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {
        _stem(w) for w in re.findall(r"[A-Za-z][A-Za-z-]+", text) if w.lower() not in _STOPWORDS
    }


def addressing_sections(
    objective: Objective, sections: tuple[Section, ...], module_id: str
) -> list[Section]:
    """The sections that address an objective: those it names, else those sharing its key words.

    The objective's first word is its verb ("Explain", "Define"), so it does not count.
    """
    if objective.sections:
        wanted = {f"{module_id}-{slug}" for slug in objective.sections}
        return [s for s in sections if s.id in wanted]
    key = _words(" ".join(objective.text.split()[1:]))
    if not key:
        return []
    needed = max(1, round(len(key) * 0.6))
    return [s for s in sections if len(key & _words(s.text)) >= needed]


def assessing_questions(objective: Objective, spec: ModuleSpec) -> list[Question]:
    return [q for q in (spec.quiz.questions if spec.quiz else []) if objective.id in q.objectives]


def load_course(
    root: Path,
    records: Mapping[str, Any] | None = None,
    warm: Mapping[str, Restored] | None = None,
) -> LoadResult:
    return CourseLoader(root, records, warm).load()


def module_url(course: Course, marker: str) -> str:
    """Resolve a `__module__:<path>#frag` placeholder to the linked module's page."""
    target, _, fragment = marker.removeprefix("__module__:").partition("#")
    module = course.published_at(target)
    if module is None:
        return "index.html"
    if not fragment:
        return module.page
    anchor = module.anchor(fragment) or f"{module.id}-{slugify(fragment)}"  # CS309 said so
    return f"{module.page}#{anchor}"
