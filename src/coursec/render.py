"""Render stage: Course → BuildPlan. Markdown bodies become HTML once, for every exporter."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from coursec.course import Course, Module, module_url
from coursec.markdown import render_body
from coursec.plan import BuildPlan, RenderedModule
from coursec.theme import Theme


def render_module(course: Course, module: Module) -> RenderedModule:
    urls = {
        src: module_url(course, dest) if dest.startswith("__module__:") else dest
        for src, dest in module.urls.items()
    }
    return RenderedModule(module, render_body(module.body, urls, course.spec.allow_raw_html))


def source_date(course: Course) -> datetime:
    """SOURCE_DATE_EPOCH if set, else the last commit touching the course, else the newest file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", "."],
            cwd=course.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    if out.isdigit():
        return datetime.fromtimestamp(int(out), UTC)
    paths = [course.root / "course.yml", *(m.path for m in course.modules)]
    newest = max(int(p.stat().st_mtime) for p in paths)
    return datetime.fromtimestamp(newest, UTC)


def render(course: Course) -> BuildPlan:
    theme = Theme(course.root / "templates")
    modules = tuple(render_module(course, m) for m in course.published_modules)
    return BuildPlan(course, modules, theme, source_date(course))
