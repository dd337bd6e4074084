"""The jinja2 theme: the course's own `templates/` folder first, then coursec's default theme.

Course content is only ever passed to templates as data (autoescaped, or already-sanitized
HTML); it never becomes template source.

A course's own templates come with the course, from whoever wrote it, so a theme with any of
them renders in a sandbox (`jinja2.sandbox.ImmutableSandboxedEnvironment`): templates read the
data they are given (course, modules, their fields and the values derived from them) and
render it, but reach no Python internals (`__class__`, `__globals__` ...), change no list or
dict, and touch no file through a path (`module.path.read_text()`); and a template whose real
path leaves its theme folder (a symlink) is not loaded. Trying any of that is CS507.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path, PurePath
from typing import Any

import jinja2
import jinja2.sandbox

from coursec.active_content import shipped_bytes
from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.i18n import Interfaces
from coursec.incremental.fingerprint import tree_digest
from coursec.markdown_rules import highlight_css

STATIC = "static"


def default_theme_dir() -> Path:
    return Path(str(files("coursec.templates")))


@dataclass(frozen=True, slots=True)
class StaticFile:
    dest: str  # e.g. "static/course.css"
    source: Path | None
    data: bytes | None = None

    def read(self) -> bytes:
        """The bytes outputs carry (`coursec.active_content.shipped_bytes`)."""
        return self.data if self.data is not None else shipped_bytes(self.source)  # type: ignore[arg-type]


class _ContainedLoader(jinja2.FileSystemLoader):
    """Templates from the theme folders only: none whose real path leaves its folder."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(d).resolve()) for d in self.searchpath):
            raise jinja2.exceptions.SecurityError(
                f"template {template} is a link to {real}, outside the theme folder"
            )
        return source, filename, uptodate


class _CourseSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The sandbox for a theme holding a course's own templates (module docstring)."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, PurePath) and attr not in _PATH_ATTRIBUTES:
            return False  # no path.read_text(), path.parent / "x", path.unlink() ...
        return bool(super().is_safe_attribute(obj, attr, value))


_PATH_ATTRIBUTES = frozenset({"name", "stem", "suffix"})


_PAGE: ContextVar[tuple[Interfaces, str]] = ContextVar("coursec_page_language")


def _gettext(message: str, lang: str | None = None, **values: Any) -> str:
    """`_("Key terms")` in a template: the message in the page's language, or in `lang` (a
    module's language on a page of several modules)."""
    interfaces, page = _PAGE.get()
    return interfaces.get(lang or page).gettext(message, **values)


def _ngettext(singular: str, plural: str, num: int, lang: str | None = None, **values: Any) -> str:
    interfaces, page = _PAGE.get()
    return interfaces.get(lang or page).ngettext(singular, plural, num, **values)


def _text_direction(lang: str | None = None) -> str:
    interfaces, page = _PAGE.get()
    return interfaces.get(lang or page).dir


@lru_cache(maxsize=8)
def _environment(
    dirs: tuple[str, ...], _contents: tuple[str | None, ...], sandboxed: bool
) -> jinja2.Environment:
    """One environment per theme and process: compiled templates are reused by later builds
    (`--watch`). Keyed on the theme folders' contents too: jinja2 notices an edit to a template
    it compiled, not a new file that now overrides one."""
    kind = _CourseSandbox if sandboxed else jinja2.Environment
    env = kind(
        loader=_ContainedLoader(list(dirs)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(_=_gettext, ngettext=_ngettext, text_direction=_text_direction)
    return env


class Theme:
    """The templates, rendering in the course's interface language (`coursec.i18n`): a page is
    in `lang` when given (a module's own language), else in the course's."""

    def __init__(
        self, override_dir: Path | None = None, interfaces: Interfaces | None = None
    ) -> None:
        self.interfaces = interfaces or Interfaces("en")
        self.dirs = [d for d in (override_dir, default_theme_dir()) if d is not None and d.is_dir()]
        contents = tuple(tree_digest(d) for d in self.dirs)
        self.env = _environment(tuple(str(d) for d in self.dirs), contents, not self.default_only)

    @property
    def default_only(self) -> bool:
        """Whether every template is coursec's own: the course has no `templates/` folder."""
        return self.dirs == [default_theme_dir()]

    def render(self, name: str, lang: str | None = None, **context: Any) -> str:
        """Render a template; it sees the page's `lang` and `dir`, and `_()` speaks `lang`."""
        page = self.interfaces.get(lang)
        token = _PAGE.set((self.interfaces, page.tag))
        try:
            return self.env.get_template(name).render(lang=page.tag, dir=page.dir, **context)
        except jinja2.exceptions.SecurityError as exc:
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR,
                        Code.CS507,
                        f"template {name}: {exc}",
                        Span(self._source_of(name), 0, 0),
                        "course templates may only render the data they are given; "
                        "see docs/format.md, Themes",
                    )
                ]
            ) from exc
        except jinja2.TemplateSyntaxError as exc:
            path = Path(exc.filename) if exc.filename else Path(name)
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR,
                        Code.CS503,
                        exc.message or "template syntax error",
                        Span(path, exc.lineno),
                    )
                ]
            ) from exc
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
            # a custom template can fail in many ways; the author gets a diagnostic, not a trace
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR, Code.CS503, f"template {name}: {exc}", Span(Path(name))
                    )
                ]
            ) from exc
        finally:
            _PAGE.reset(token)

    def _source_of(self, name: str) -> Path:
        """The file a template name is read from (the first theme folder that has it)."""
        return next((d / name for d in self.dirs if (d / name).is_file()), Path(name))

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
        for name, dark in (("highlight.css", False), ("highlight-dark.css", True)):
            dest = f"{STATIC}/{name}"
            found.setdefault(dest, StaticFile(dest, None, highlight_css(dark=dark).encode()))
        return [found[k] for k in sorted(found)]
