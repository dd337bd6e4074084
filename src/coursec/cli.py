"""The `coursec` command line: the only module that talks to the terminal."""

from __future__ import annotations

import json
import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coursec import __version__
from coursec.cli_authoring import new_cmd, preview_cmd
from coursec.cli_common import (
    COURSE_DIR,
    EXIT_ERRORS,
    emit_diagnostics,
    guard,
)
from coursec.cli_progress import BuildReporter, build_summary
from coursec.cli_translate import translate_group
from coursec.diagnostics import Severity

if TYPE_CHECKING:
    from coursec.build import BuildResult
    from coursec.options import BuildOptions


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
@click.option(
    "--clean", is_flag=True, help="Load the course even if it is unchanged since it last passed."
)
@guard
def check_cmd(course_dir: Path, fmt: str, strict: bool, show_coverage: bool, clean: bool) -> None:
    """Validate a course folder and report every problem with its file:line:col.

    A course that passed is remembered (in the user's cache folder): while none of its files
    changes, checking it again reports the same without loading it.
    """
    from coursec.diagnostics import promote_warnings
    from coursec.incremental.check_record import check_course

    course, found = check_course(course_dir, use_record=not (clean or show_coverage))
    diagnostics = promote_warnings(found) if strict else found
    failed = any(d.severity is Severity.ERROR for d in diagnostics)
    if show_coverage and course is not None:
        from coursec.coverage import coverage, coverage_table

        rows = coverage(course)
        if fmt == "json":
            payload = {
                "diagnostics": [d.to_json(Path.cwd()) for d in diagnostics],
                "coverage": [r.to_json() for r in rows],
            }
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            emit_diagnostics(diagnostics, fmt, Path.cwd())
            click.echo(coverage_table(rows))
    else:
        emit_diagnostics(diagnostics, fmt, Path.cwd())
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
    "--set",
    "settings",
    multiple=True,
    metavar="KEY.OPTION=VALUE",
    help="An exporter's option, over course.yml's (e.g. pdf.review=true); repeatable.",
)
@click.option(
    "--packaging",
    metavar="multi-sco|single-sco",
    help="= --set scorm.packaging=…: one SCO per module or one for the course.",
)
@click.option("--pdf-per-module", is_flag=True, help="= --set pdf.per_module=true.")
@click.option("--review", is_flag=True, help="= --set pdf.review=true: DRAFT, source lines.")
@click.option("--learner", is_flag=True, help="= --set pdf.learner=true: no answer key.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    envvar="COURSEC_JOBS",
    show_envvar=True,
    help="Worker processes for rendering and exporting [default: one per CPU; 1: none].",
)
@click.option("--clean", is_flag=True, help="Ignore the build cache: render and export everything.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace the --out folder even if it holds files coursec did not write (they are lost).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option(
    "--watch", is_flag=True, help="Keep running: rebuild whenever a file of the course changes."
)
@guard
def build_cmd(
    course_dir: Path,
    formats: str,
    out_dir: Path | None,
    strict: bool,
    settings: tuple[str, ...],
    packaging: str | None,
    pdf_per_module: bool,
    review: bool,
    learner: bool,
    jobs: int | None,
    clean: bool,
    force: bool,
    quiet: bool,
    watch: bool,
) -> None:
    """Build a course into dist/<course-id>/ (all formats unless --format says otherwise).

    Only what changed is rebuilt: an output folder that already matches the sources is left
    untouched, and unchanged modules are not rendered again. With --watch, coursec stays
    running and rebuilds after every change, until Ctrl-C.
    """
    from coursec.build import build
    from coursec.options import BuildOptions, parse_settings

    shortcuts = [
        setting
        for flag, setting in (
            (packaging, f"scorm.packaging={packaging}"),
            (pdf_per_module, "pdf.per_module=true"),
            (review, "pdf.review=true"),
            (learner, "pdf.learner=true"),
        )
        if flag
    ]
    try:
        chosen = parse_settings([*shortcuts, *settings])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    options = BuildOptions(
        formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
        out_dir=out_dir,
        strict=strict,
        settings=chosen,
        jobs=jobs,
        clean=clean,
        force=force,
    )
    if watch:
        _watch(course_dir, options)
        return
    reporter = BuildReporter(quiet)
    try:
        result = build(course_dir, options, reporter.event)
    finally:
        reporter.close()
    emit_diagnostics(result.diagnostics, "text", Path.cwd())
    if not result.ok or result.out_dir is None:
        click.echo("build failed: nothing was written", err=True)
        sys.exit(EXIT_ERRORS)
    if not quiet:
        build_summary(result)


def _watch(course_dir: Path, options: BuildOptions) -> None:
    import threading

    from coursec.watch import watch

    def on_build(result: BuildResult, changed: list[str]) -> None:
        emit_diagnostics(result.diagnostics, "text", Path.cwd())
        what = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if changed[3:] else "")
        if not result.ok or result.out_dir is None:
            line = "build failed: the last good output stays"
        elif result.up_to_date:
            line = f"{result.out_dir} is up to date"
        else:
            counts = f"{len(result.rendered)} rendered, {len(result.reused)} reused"
            line = f"built {result.out_dir} in {result.seconds:.2f} s ({counts})"
        click.echo(f"{what} changed: {line}" if what else line, err=True)
        if not changed:
            click.echo("watching for changes; press Ctrl-C to stop", err=True)

    stop = threading.Event()
    try:
        watch(course_dir, options, on_build, stop)
    except KeyboardInterrupt:
        stop.set()
        click.echo("stopped watching", err=True)


@cli.command("schema")
@click.argument("which", type=click.Choice(["course", "module"]), default="course")
def schema_cmd(which: str) -> None:
    """Print the JSON Schema (draft 2020-12) of course.yml or of module front matter."""
    from coursec.editor_schema import json_schema

    click.echo(
        json.dumps(
            json_schema("course" if which == "course" else "module"), indent=2, ensure_ascii=False
        )
    )


@cli.command("formats")
def formats_cmd() -> None:
    """List the installed output formats (built-in and third-party)."""
    from coursec.export import available

    for name, entry in available().items():
        click.echo(f"{name:<12} {entry.value}")


cli.add_command(new_cmd)
cli.add_command(preview_cmd)
cli.add_command(preview_cmd, "serve")
cli.add_command(translate_group)


def main() -> None:
    """The `coursec` program. It ends without tearing the interpreter down (as mypy does): by
    then every output is written, every worker has ended and every temporary folder is gone,
    and freeing what a build made, object by object, took 0.13 s after a one-module edit of a
    200-module course. For the same reason a build's largest structures are never freed
    (`coursec.collector.defer_frees`). An exception the commands do not catch still ends it the
    usual way."""
    from coursec.collector import defer_frees

    defer_frees()
    code = 0
    try:
        cli(prog_name="coursec")  # ends with SystemExit, as click's commands do
    except SystemExit as end:
        if end.code is not None and not isinstance(end.code, int):
            raise  # a message to print: Python prints it and exits with 1
        code = end.code or 0
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a pipe closed early (`coursec ... | head`)
            stream.flush()
    os._exit(code)
