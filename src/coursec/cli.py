"""The `coursec` command line: the only module that talks to the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from coursec import __version__
from coursec.diagnostics import Diagnostic, Severity, to_json

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


def _emit_diagnostics(diagnostics: list[Diagnostic], fmt: str, base: Path) -> None:
    if fmt == "json":
        click.echo(to_json(diagnostics, base))
        return
    for diagnostic in diagnostics:
        colour = "red" if diagnostic.severity is Severity.ERROR else "yellow"
        first, _, rest = diagnostic.format(base).partition("\n")
        click.echo(click.style(first, fg=colour), err=True)
        if rest:
            click.echo(rest, err=True)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    if diagnostics:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)


def _guard(func: Any) -> Any:
    """No traceback reaches an author: an unexpected failure is reported as a bug, exit 70."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            click.echo(
                f"error[CS902]: internal error: {type(exc).__name__}: {exc}\n"
                "  hint: this is a bug in coursec; please report it with the course that caused it",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


COURSE_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coursec")
def cli() -> None:
    """Compile a plain-text course into an HTML site, SCORM packages and PDF handouts."""


@cli.command("check")
@click.argument("course_dir", type=COURSE_DIR)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--coverage",
    "show_coverage",
    is_flag=True,
    help="Print the matrix of objectives x sections x questions.",
)
@_guard
def check_cmd(course_dir: Path, fmt: str, strict: bool, show_coverage: bool) -> None:
    """Validate a course folder and report every problem with its file:line:col."""
    from coursec.course import load_course
    from coursec.coverage import coverage, coverage_table
    from coursec.diagnostics import promote_warnings

    loaded = load_course(course_dir)
    diagnostics = promote_warnings(loaded.diagnostics) if strict else loaded.diagnostics
    failed = any(d.severity is Severity.ERROR for d in diagnostics)
    if show_coverage and loaded.course is not None:
        rows = coverage(loaded.course)
        if fmt == "json":
            payload = {
                "diagnostics": [d.to_json(Path.cwd()) for d in diagnostics],
                "coverage": [r.to_json() for r in rows],
            }
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            _emit_diagnostics(diagnostics, fmt, Path.cwd())
            click.echo(coverage_table(rows))
    else:
        _emit_diagnostics(diagnostics, fmt, Path.cwd())
    if failed:
        sys.exit(EXIT_ERRORS)
    if fmt == "text":
        click.echo(f"{course_dir}: ok", err=True)


@cli.command("build")
@click.argument("course_dir", type=COURSE_DIR)
@click.option(
    "--format",
    "formats",
    default="html,scorm12,scorm2004,pdf",
    show_default=True,
    help="Comma-separated output formats (see `coursec formats`).",
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Default: dist/<course-id>."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--packaging",
    type=click.Choice(["multi-sco", "single-sco"]),
    help="SCORM: one SCO per module or one for the course (overrides course.yml).",
)
@click.option("--pdf-per-module", is_flag=True, default=None, help="Also write a PDF per module.")
@click.option("--review", is_flag=True, help="PDF: DRAFT watermark and source lines in the margin.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@_guard
def build_cmd(
    course_dir: Path,
    formats: str,
    out_dir: Path | None,
    strict: bool,
    packaging: str | None,
    pdf_per_module: bool | None,
    review: bool,
    quiet: bool,
) -> None:
    """Build a course into dist/<course-id>/ (all formats unless --format says otherwise)."""
    from coursec.build import build
    from coursec.options import BuildOptions
    from coursec.schema import Packaging

    options = BuildOptions(
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        out_dir=out_dir,
        strict=strict,
        packaging=Packaging(packaging) if packaging else None,
        pdf_per_module=pdf_per_module,
        review=review,
    )
    result = build(course_dir, options)
    _emit_diagnostics(result.diagnostics, "text", Path.cwd())
    if not result.ok or result.out_dir is None:
        click.echo("build failed: nothing was written", err=True)
        sys.exit(EXIT_ERRORS)
    if not quiet:
        for report in result.artifacts:
            click.echo(
                f"{report.exporter:<10} {result.out_dir / report.artifact.path}"
                f"  {report.size / 1024:,.0f} KiB  {report.seconds:.2f}s"
            )


@cli.command("schema")
@click.argument("which", type=click.Choice(["course", "module"]), default="course")
def schema_cmd(which: str) -> None:
    """Print the JSON Schema (draft 2020-12) of course.yml or of module front matter."""
    from coursec.schema import CourseSpec, ModuleSpec

    model = CourseSpec if which == "course" else ModuleSpec
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://coursec.dev/schema/{which}.json",
        **model.model_json_schema(),
    }
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@cli.command("formats")
def formats_cmd() -> None:
    """List the installed output formats (built-in and third-party)."""
    from coursec.export import available

    for name, entry in available().items():
        click.echo(f"{name:<12} {entry.value}")


def main() -> None:
    cli(prog_name="coursec")
