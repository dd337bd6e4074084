"""`coursec new`: a course skeleton that checks clean with --strict and builds in every format.

The files under `files/` are copied with a few `%%name%%` placeholders filled in (YAML values,
written as JSON strings, which YAML reads as double-quoted text). Dot files are stored without
their dot (`gitignore`, `vscode/`) so that packaging keeps them. The course's JSON Schema is
written next to course.yml, as `coursec schema course` prints it, for editor completion.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity
from coursec.editor_schema import json_schema
from coursec.schema import LANGUAGE_TAG, SLUG_PATTERN

__all__ = ["NewCourse", "new_course", "slug"]

PLACEHOLDER = re.compile(r"%%(\w+)%%")
DOT_FILES = {"gitignore": ".gitignore", "vscode": ".vscode"}
SCHEMA_FILE = "course.schema.json"


@dataclass(frozen=True, slots=True)
class NewCourse:
    """What `coursec new` asks for."""

    title: str
    course_id: str
    language: str = "en"

    def values(self) -> dict[str, str]:
        code = self.course_id.upper().replace("-", " ")[:16]
        return {
            "id": self.course_id,
            "code": json.dumps(code, ensure_ascii=False),
            "title": json.dumps(self.title, ensure_ascii=False),
            "subject": json.dumps(self.title, ensure_ascii=False),
            "language": self.language,
        }


def slug(name: str) -> str:
    """A course id made from a folder name or title ("My Course 1" → "my-course-1")."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].rstrip("-")
    return text or "my-course"


def invalid(course: NewCourse) -> tuple[str, str] | None:
    """The option whose value cannot be used and why, or None."""
    if not re.match(SLUG_PATTERN, course.course_id) or len(course.course_id) > 64:
        why = "lower-case letters, digits and hyphens, at most 64"
        return "--id", f'"{course.course_id}" is not a valid id: use {why}'
    if not LANGUAGE_TAG.match(course.language):
        return "--language", f'"{course.language}" is not a language tag such as en or pt-BR'
    return None


def new_course(folder: Path, course: NewCourse, force: bool = False) -> list[Path]:
    """Write the skeleton into `folder` (created if missing) and return the files written.

    A folder that holds anything is refused (CS801) unless `force`; even then only the
    skeleton's own files are written (replacing files of the same name), nothing is deleted.
    """
    if folder.exists() and not folder.is_dir():
        raise CoursecError([_refusal(folder, "is not a folder", "choose another path")])
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise CoursecError(
            [
                _refusal(
                    folder,
                    "is not empty",
                    "choose a new or empty folder, or add --force to write the skeleton's "
                    "files into it (files of the same name are replaced)",
                )
            ]
        )
    values = course.values()
    written: list[Path] = []
    for relative, source in _files(resources.files(__package__).joinpath("files"), ()):
        target = folder.joinpath(*relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = PLACEHOLDER.sub(lambda m: values[m.group(1)], source.read_text(encoding="utf-8"))
        target.write_text(text, encoding="utf-8")
        written.append(target)
    schema = folder / SCHEMA_FILE
    schema.write_text(
        json.dumps(json_schema("course"), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [*written, schema]


def _files(
    folder: Traversable, parents: tuple[str, ...]
) -> list[tuple[tuple[str, ...], Traversable]]:
    found: list[tuple[tuple[str, ...], Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = DOT_FILES.get(entry.name, entry.name) if not parents else entry.name
        if entry.is_dir():
            found += _files(entry, (*parents, name))
        elif entry.name != "__init__.py":
            found.append(((*parents, name), entry))
    return found


def _refusal(folder: Path, what: str, hint: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, Code.CS801, f"folder {folder.as_posix()} {what}", None, hint)
