"""Render stage: Course → BuildPlan. Markdown bodies become HTML once, for every exporter.

`render()` renders every published module; the build pipeline (coursec.build) instead renders
only the modules its cache does not hold, possibly in worker processes, and assembles the plan
with `make_plan()`. Either way a body comes from `render_module()` (looked up at call time, so
tests can count calls to `coursec.render.render_body`).

A link to another module is marked with `data-cs-module="<module id>"` (empty when that module
is not published), added after sanitizing so that no author can forge it: each output rewrites
the marked links for its packaging (coursec.site).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from html import escape

from coursec.body_text import word
from coursec.i18n import course_interfaces, module_interface
from coursec.markdown import render_body
from coursec.model import MODULE_LINK, Course, Module, module_url
from coursec.plan import BuildPlan, RenderedModule
from coursec.source_date import source_date_at
from coursec.theme import Theme
from coursec.theme_dirs import course_theme_dir

MODULE_ATTRIBUTE = "data-cs-module"


def resolved_urls(course: Course, module: Module) -> dict[str, str]:
    """The module's local link and image URLs as they are written in every output."""
    return {
        src: module_url(course, dest) if dest.startswith(MODULE_LINK) else dest
        for src, dest in module.urls.items()
    }


def link_placeholder(dest: str) -> str:
    """A stand-in URL for a link to another module, resolved once the whole course is loaded."""
    return f"coursec-module-link-{hashlib.sha256(dest.encode()).hexdigest()[:40]}"


def render_provisional(module: Module, allow_html: bool) -> str:
    """The body, with links to other modules as placeholders: rendered before the course is
    loaded (in a worker), finished by `finish_provisional`."""
    urls = {
        src: link_placeholder(dest) if dest.startswith(MODULE_LINK) else dest
        for src, dest in module.urls.items()
    }
    return render_body(module.body, urls, allow_html)


def finish_provisional(course: Course, module: Module, html: str) -> str:
    """= `render_module(course, module).html`, from `render_provisional`'s output: each link
    to another module gets its URL and is marked with the linked module's id, and the body's
    interface text is worded in the module's language (coursec.body_text)."""
    html = word(html, module_interface(course, module))
    for dest in module.urls.values():
        if dest.startswith(MODULE_LINK):
            target = course.published_at(dest.removeprefix(MODULE_LINK).partition("#")[0])
            url = escape(module_url(course, dest))
            marked = f'href="{url}" {MODULE_ATTRIBUTE}="{target.id if target else ""}"'
            html = html.replace(f'href="{link_placeholder(dest)}"', marked)
    return html


def render_module(course: Course, module: Module) -> RenderedModule:
    html = render_provisional(module, course.spec.allow_raw_html)
    return RenderedModule(module, finish_provisional(course, module, html))


def source_date(course: Course) -> datetime:
    """SOURCE_DATE_EPOCH if set, else the last commit touching the course, else the newest file."""
    return source_date_at(
        course.root, [course.root / "course.yml", *(m.path for m in course.modules)]
    )


def make_theme(course: Course) -> Theme:
    """The course's theme: its own `templates/` first, then coursec's default theme."""
    return Theme(course_theme_dir(course.root), course_interfaces(course))


def make_plan(course: Course, bodies: Sequence[str], when: datetime) -> BuildPlan:
    """The plan from already-rendered bodies (one per published module, in course order)."""
    published = course.published_modules
    if len(bodies) != len(published):
        raise ValueError(f"{len(bodies)} bodies for {len(published)} published modules")
    modules = tuple(RenderedModule(m, html) for m, html in zip(published, bodies, strict=True))
    return BuildPlan(course, modules, make_theme(course), when)


def render(course: Course) -> BuildPlan:
    modules = tuple(render_module(course, m) for m in course.published_modules)
    return BuildPlan(course, modules, make_theme(course), source_date(course))
