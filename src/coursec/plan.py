"""BuildPlan: the rendered course handed to every exporter. Built once; exporters only read it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from coursec.model import Course, Module
from coursec.theme import Theme


@dataclass(frozen=True, slots=True)
class RenderedModule:
    module: Module
    html: str  # the body as safe HTML, local URLs rewritten for the output layout

    @property
    def html_sha256(self) -> str:
        return hashlib.sha256(self.html.encode()).hexdigest()


def course_outline(course: Course) -> str:
    """A digest of what any page may show of any module: front matter, place, section headings,
    and where its hero and other files were copied to (a path can resolve to another file).

    Bodies are left out: a page that shows a body keys on that body itself. So editing a body
    leaves every other page's key alone, while renaming a module or a heading changes them all.
    """
    hasher = hashlib.sha256(course.spec.model_dump_json().encode())
    for module in course.modules:
        headings = [[s.id, s.title] for s in module.sections]
        hero = module.hero.dest if module.hero else None
        files = [hero, [a.dest for a in module.assets]]
        hasher.update(b"\0" + module.spec.model_dump_json().encode())
        hasher.update(json.dumps([module.page, headings, files], ensure_ascii=False).encode())
    return hasher.hexdigest()


@dataclass(frozen=True, slots=True)
class BuildPlan:
    course: Course
    modules: tuple[RenderedModule, ...]  # published modules, in course order
    theme: Theme
    source_date: datetime  # SOURCE_DATE_EPOCH, else the sources' last change: never the clock
    outline: str = field(init=False, repr=False, compare=False)  # = course_outline(course)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outline", course_outline(self.course))

    def rendered(self, module: Module) -> RenderedModule:
        return next(r for r in self.modules if r.module.id == module.id)
