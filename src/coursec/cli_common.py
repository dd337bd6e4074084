"""What every command shares: exit codes, how diagnostics are printed, and the guard that keeps
tracebacks from authors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, to_json

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


def emit_diagnostics(diagnostics: list[Diagnostic], fmt: str, base: Path) -> None:
    if fmt == "json":
        click.echo(to_json(diagnostics, base))
        return
    lines: list[str] = []  # written at once: a course can have hundreds of warnings
    for diagnostic in diagnostics:
        colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        first, _, rest = diagnostic.format(base).partition("\n")
        lines.append(click.style(first, fg=colour))
        if rest:
            lines.append(rest)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    if diagnostics:
        lines.append(f"{errors} error(s), {warnings} warning(s)")
        click.echo("\n".join(lines), err=True)


def guard(func: Any) -> Any:
    """No traceback reaches an author: an unexpected failure is reported as a bug, exit 70."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except OSError as exc:  # the system's doing (full disk, permissions ...), not a bug
            from coursec.os_errors import os_error_diagnostic

            emit_diagnostics([os_error_diagnostic(exc)], "text", Path.cwd())
            sys.exit(EXIT_ERRORS)
        except Exception as exc:  # noqa: BLE001
            bug = Diagnostic(
                Severity.ERROR,
                Code.CS902,
                f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a bug in coursec; please report it with the course that caused it",
            )
            click.echo(bug.format(), err=True)
            sys.exit(EXIT_INTERNAL)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


COURSE_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
