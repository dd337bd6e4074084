"""The course as coursec knows it once loaded: `Course`, `Module`, `Asset` (frozen values).

Loading (coursec.loading) makes them from the source files; rendering and the exporters only
read them. Positions of values stay beside each module (`Module.sourcemap`), so later stages can
still point at a file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from pydantic import BaseModel

from coursec.anchors import page_anchors
from coursec.markdown import ParsedBody, Section
from coursec.markdown_rules import slugify
from coursec.schema import CompletionRule, CourseSpec, KeyTerm, ModuleSpec, ModuleStatus, Objective
from coursec.sourcemap import SourceMap

MODULE_LINK = "__module__:"  # a link to another module file, resolved once the course is loaded


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied from the course folder into every output, at `dest` (a URL path)."""

    source: Path
    dest: str

    @classmethod
    def of(cls, root: Path, source: Path) -> Asset:
        """`source`, a file inside the course folder `root`, under media/ in the outputs."""
        return cls(source, "media/" + source.relative_to(root.resolve()).as_posix())

    @property
    def url(self) -> str:
        return quote(self.dest, safe="/-._~")


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
        return page_anchors(self.spec, self.sections).resolve(fragment)


@dataclass(frozen=True, slots=True)
class Course:
    spec: CourseSpec
    root: Path
    modules: tuple[Module, ...]
    # the exporters' options in course.yml, validated, by key (coursec.exporter_options)
    options: Mapping[str, BaseModel] = field(default_factory=dict)
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

    @property
    def languages(self) -> tuple[str, ...]:
        """The course's language, then those of its published modules, each once."""
        tags = [self.spec.language, *(self.language_of(m) for m in self.published_modules)]
        return tuple(dict.fromkeys(tags))

    def language_of(self, module: Module) -> str:
        """The module's language: its own `language`, else the course's."""
        return module.spec.language or self.spec.language

    def completion_rule(self, module: Module) -> CompletionRule:
        return module.spec.completion or self.spec.completion

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


def module_url(course: Course, marker: str) -> str:
    """Resolve a `__module__:<path>#frag` placeholder to the linked module's page."""
    target, _, fragment = marker.removeprefix(MODULE_LINK).partition("#")
    module = course.published_at(target)
    if module is None:
        return "index.html"
    if not fragment:
        return module.page
    anchor = module.anchor(fragment) or f"{module.id}-{slugify(fragment)}"  # CS309 said so
    return f"{module.page}#{anchor}"
