"""BuildPlan: the rendered course handed to every exporter. Built once; exporters only read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coursec.course import Course, Module
from coursec.theme import Theme


@dataclass(frozen=True, slots=True)
class RenderedModule:
    module: Module
    html: str  # the body as safe HTML, local URLs rewritten for the output layout


@dataclass(frozen=True, slots=True)
class BuildPlan:
    course: Course
    modules: tuple[RenderedModule, ...]  # published modules, in course order
    theme: Theme
    source_date: datetime  # SOURCE_DATE_EPOCH, else the sources' last change: never the clock

    def rendered(self, module: Module) -> RenderedModule:
        return next(r for r in self.modules if r.module.id == module.id)
