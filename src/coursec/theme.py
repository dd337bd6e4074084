"""The jinja2 theme: the course's own `templates/` folder first, then coursec's default theme.

Course content is only ever passed to templates as data (autoescaped, or already-sanitized
HTML); it never becomes template source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from coursec.cache import tree_digest
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.markdown import highlight_css

STATIC = "static"


def default_theme_dir() -> Path:
    return Path(str(files("coursec.templates")))


@dataclass(frozen=True, slots=True)
class StaticFile:
    dest: str  # e.g. "static/course.css"
    source: Path | None
    data: bytes | None = None

    def read(self) -> bytes:
        return self.data if self.data is not None else self.source.read_bytes()  # type: ignore[union-attr]


@lru_cache(maxsize=8)
def _environment(dirs: tuple[str, ...], _contents: tuple[str | None, ...]) -> jinja2.Environment:
    """One environment per theme and process: compiled templates are reused by later builds
    (`--watch`). Keyed on the theme folders' contents too: jinja2 notices an edit to a template
    it compiled, not a new file that now overrides one."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Theme:
    def __init__(self, override_dir: Path | None = None) -> None:
        self.dirs = [d for d in (override_dir, default_theme_dir()) if d is not None and d.is_dir()]
        contents = tuple(tree_digest(d) for d in self.dirs)
        self.env = _environment(tuple(str(d) for d in self.dirs), contents)

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            path = Path(exc.filename) if exc.filename else Path(name)
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR,
                        "CS503",
                        exc.message or "template syntax error",
                        Span(path, exc.lineno),
                    )
                ]
            ) from exc
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            # a custom template can fail in many ways; the author gets a diagnostic, not a trace
            raise CoursecError(
                [Diagnostic(Severity.ERROR, "CS503", f"template {name}: {exc}", Span(Path(name)))]
            ) from exc

    def static_files(self) -> list[StaticFile]:
        """The theme's static files, a course override winning over the default of the same name."""
        found: dict[str, StaticFile] = {}
        for directory in reversed(self.dirs):
            root = directory / STATIC
            if not root.is_dir():
                continue
            inside = directory.resolve()
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if not path.resolve().is_relative_to(inside):
                    continue  # a symlink out of the theme folder is never copied
                rel = path.relative_to(directory).as_posix()
                if not any(part.startswith(".") for part in rel.split("/")):
                    found[rel] = StaticFile(rel, path)
        highlight = f"{STATIC}/highlight.css"
        found.setdefault(highlight, StaticFile(highlight, None, highlight_css().encode()))
        return [found[k] for k in sorted(found)]
