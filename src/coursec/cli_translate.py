"""`coursec translate`: hand a course to translators as XLIFF 2.0 and merge their work back."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coursec.cli_common import COURSE_DIR, EXIT_ERRORS, emit_diagnostics, guard


@click.group("translate")
def translate_group() -> None:
    """Hand a course to translators as XLIFF 2.0, and build the translated course from it."""


@translate_group.command("extract")
@click.argument("course_dir", type=COURSE_DIR)
@click.option("--to", "language", required=True, metavar="LANG", help="Target language, e.g. fr.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Default: <course-id>.<LANG>.xlf.",
)
@click.option(
    "--update",
    "previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier (translated) XLIFF file: keep its translations, mark what changed.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors: write nothing then.")
@guard
def translate_extract_cmd(
    course_dir: Path, language: str, out_file: Path | None, previous: Path | None, strict: bool
) -> None:
    """Write every translatable text of a course into one XLIFF 2.0 file."""
    from coursec.diagnostics import CoursecError, promote_warnings
    from coursec.translate.files import write_extraction

    try:
        report = write_extraction(course_dir, language, out_file, previous, strict)
    except CoursecError as exc:
        emit_diagnostics(exc.diagnostics, "text", Path.cwd())
        sys.exit(EXIT_ERRORS)
    diagnostics = promote_warnings(report.diagnostics) if strict else report.diagnostics
    emit_diagnostics(diagnostics, "text", Path.cwd())
    if report.path is None:
        sys.exit(EXIT_ERRORS)
    click.echo(f"wrote {report.path}: {report.summary}", err=True)


@translate_group.command("merge")
@click.argument("course_dir", type=COURSE_DIR)
@click.argument("xlf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. untranslated texts) as errors.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace the --out folder even if it holds files coursec did not write (they are lost).",
)
@guard
def translate_merge_cmd(
    course_dir: Path, xlf: Path, out_dir: Path, strict: bool, force: bool
) -> None:
    """Write the translated course folder from a course and its translated XLIFF file."""
    from coursec.diagnostics import CoursecError, promote_warnings
    from coursec.translate.merge import merge

    try:
        result = merge(course_dir, xlf, out_dir, force=force, strict=strict)
    except CoursecError as exc:
        emit_diagnostics(exc.diagnostics, "text", Path.cwd())
        sys.exit(EXIT_ERRORS)
    diagnostics = promote_warnings(result.diagnostics) if strict else result.diagnostics
    emit_diagnostics(diagnostics, "text", Path.cwd())
    if not result.ok or (strict and diagnostics):
        click.echo("merge failed: nothing was written", err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(
        f"wrote {out_dir}: {result.translated} text(s) translated, "
        f"{result.kept} left in the source language",
        err=True,
    )
