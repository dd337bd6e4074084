"""The authoring loop's commands: `coursec new` (a course skeleton) and `coursec preview`
(serve, reload on save, show errors over the page, simulate an LMS)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coursec.cli_common import COURSE_DIR, EXIT_ERRORS, emit_diagnostics, guard

if TYPE_CHECKING:
    from coursec.build import BuildResult


@click.command("new")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The course title [default: from the folder name].")
@click.option("--language", default="en", show_default=True, help="BCP 47 tag of the content.")
@click.option("--id", "course_id", help="The course id [default: from the folder name].")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@guard
def new_cmd(
    folder: Path, title: str | None, language: str, course_id: str | None, force: bool
) -> None:
    """Start a course: a skeleton that checks clean and builds, to edit with `coursec preview`."""
    from coursec.diagnostics import CoursecError
    from coursec.skeleton import NewCourse, invalid, new_course, slug

    name = folder.resolve().name
    course = NewCourse(
        title=title or name.replace("-", " ").replace("_", " ").strip().capitalize() or "My course",
        course_id=course_id or slug(title or name),
        language=language,
    )
    problem = invalid(course)
    if problem:
        raise click.BadParameter(problem[1], param_hint=problem[0])
    try:
        written = new_course(folder, course, force)
    except CoursecError as exc:
        emit_diagnostics(exc.diagnostics, "text", Path.cwd())
        sys.exit(EXIT_ERRORS)
    click.echo(f"wrote {len(written)} files into {folder}", err=True)
    click.echo(f"next: coursec preview {folder}", err=True)


@click.command("preview")
@click.argument("course_dir", type=COURSE_DIR)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the course in a browser.")
@guard
def preview_cmd(course_dir: Path, port: int, host: str, open_browser: bool) -> None:
    """Serve the course on 127.0.0.1 and reload the page after every save, until Ctrl-C.

    A save that breaks the course shows its errors over the page (and here). Add ?lms=scorm12
    or ?lms=scorm2004 to a module's address (or use the toolbar) to run it as a SCO in an LMS
    simulator that shows what the LMS records.
    """
    import shutil
    import tempfile
    import threading

    from coursec.diagnostics import CoursecError
    from coursec.preview.live import LiveBuild
    from coursec.preview.server import PreviewServer

    folder = Path(tempfile.mkdtemp(prefix="coursec-preview-"))
    live = LiveBuild(course_dir, folder / "out")
    try:
        server = PreviewServer(live, host, port).start()
    except CoursecError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        emit_diagnostics(exc.diagnostics, "text", Path.cwd())
        sys.exit(EXIT_ERRORS)

    def on_build(result: BuildResult, changed: list[str]) -> None:
        emit_diagnostics(result.diagnostics, "text", Path.cwd())
        what = ", ".join(changed[:3]) + (" …" if changed[3:] else "")
        if not result.ok:
            line = "errors: the page shows them over the last good build"
        else:
            line = f"built in {result.seconds:.2f} s: the page reloads"
        click.echo(f"{what} changed: {line}" if what else line, err=True)
        if not changed:
            click.echo(f"serving {server.url} ; press Ctrl-C to stop", err=True)
            if open_browser:
                import webbrowser

                threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()

    try:
        live.run(on_build)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)  # the preview's own temporary build
