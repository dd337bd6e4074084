"""Where a theme's files live: coursec's default theme, and a course's own overrides.

Light on purpose (no jinja2): checking that a build is up to date digests these folders.
"""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path

COURSE_THEME_DIR = "templates"  # a course's own theme overrides, inside the course folder


@cache
def default_theme_dir() -> Path:
    """The folder of coursec's default theme (the installed `coursec.templates` package)."""
    spec = find_spec("coursec.templates")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise ModuleNotFoundError("coursec.templates is not installed")
    return Path(locations[0])


def course_theme_dir(course_root: Path) -> Path:
    return course_root / COURSE_THEME_DIR
