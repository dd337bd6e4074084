"""Diagnostics: what went wrong, where, and what to do about it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from coursec.codes import Code


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A 1-based position in a source file; line 0 means the file as a whole."""

    path: Path
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: Code
    message: str
    span: Span | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        # a code read back from JSON (coursec.incremental) is a str; an unknown one a ValueError
        object.__setattr__(self, "code", Code(self.code))

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (str(self.span.path), self.span.line, self.span.col, self.code)

    def format(self, base: Path | None = None) -> str:
        where = ""
        if self.span is not None and self.span.line:
            where = f"{display_path(self.span.path, base)}:{self.span.line}:{self.span.col}: "
        elif self.span is not None:
            where = f"{display_path(self.span.path, base)}: "
        text = f"{where}{self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self, base: Path | None = None) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity.value,
            "code": self.code,
            "title": self.code.summary,
            "message": self.message,
            "hint": self.hint,
        }
        if self.span is not None:
            span = asdict(self.span)
            span["path"] = display_path(self.span.path, base)
            data["span"] = span
        return data


def display_path(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    return path.as_posix()


@dataclass(slots=True)
class DiagnosticSink:
    """Collects diagnostics from every stage, so an author sees all mistakes in one run."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(
        self, code: Code, message: str, span: Span | None = None, hint: str | None = None
    ) -> None:
        self.add(Diagnostic(Severity.ERROR, code, message, span, hint))

    def warning(
        self, code: Code, message: str, span: Span | None = None, hint: str | None = None
    ) -> None:
        self.add(Diagnostic(Severity.WARNING, code, message, span, hint))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        unique = dict.fromkeys(self.items)
        return sorted(unique, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)


def promote_warnings(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`--strict`: every warning becomes an error."""
    return [replace(d, severity=Severity.ERROR) for d in diagnostics]


def to_json(diagnostics: Iterable[Diagnostic], base: Path | None = None) -> str:
    return json.dumps([d.to_json(base) for d in diagnostics], indent=2, ensure_ascii=False)


class CoursecError(Exception):
    """A problem that stops a command; carries the diagnostics that explain it."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics
