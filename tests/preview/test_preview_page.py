"""`coursec preview` in the browser: a save reaches the open page, a broken save shows the
errors over it with file:line, and the next good save clears them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from coursec.cli import cli
from support.preview import RunningPreview

PAGE = "getting-started.html"
MODULE = Path("modules") / "01-getting-started.md"


@pytest.fixture
def skeleton(tmp_path: Path) -> Path:
    folder = tmp_path / "new-course"
    assert CliRunner().invoke(cli, ["new", str(folder)]).exit_code == 0
    return folder


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_a_save_reaches_the_open_page_and_errors_show_over_it(
    skeleton: Path, start_preview: Callable[[Path], RunningPreview], page: Page
) -> None:
    preview = start_preview(skeleton)
    module = preview.course / MODULE
    good = module.read_text(encoding="utf-8")
    page.goto(preview.url + PAGE)
    page.wait_for_function("() => window.coursecPreview && window.coursecPreview.state")

    # an edit is on the open page within a second of the save (the page reloads itself)
    edited = good.replace("## Callouts\n", "## Callouts\n\nEdited while the page was open.\n")
    started = time.monotonic()
    save(module, edited)
    page.get_by_text("Edited while the page was open.").wait_for(timeout=10_000)
    reached = time.monotonic() - started
    assert reached < 1.5, f"the save took {reached:.2f} s to reach the page"

    # a broken save: the overlay names the file and line, over the last good page
    lines = edited.splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.startswith("title:")) + 1
    lines[line - 1] = "titel: Getting Started\n"
    save(module, "".join(lines))
    overlay = page.locator("#coursec-overlay")
    overlay.wait_for(timeout=10_000)
    assert f"{MODULE.as_posix()}:{line}:1:" in overlay.inner_text()
    assert 'unknown field "titel"' in overlay.inner_text()
    assert page.get_by_text("Edited while the page was open.").count() == 1  # still there

    # the next good save clears it
    save(module, good)
    page.wait_for_function("() => window.coursecPreview.state && window.coursecPreview.state.ok")
    page.get_by_text("Edited while the page was open.").wait_for(state="detached")
    assert overlay.count() == 0
