"""The preview server: only the built output is served, the preview script only in what is
served (the outputs on disk are byte for byte a normal build's), errors as build states."""

from __future__ import annotations

import http.client
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from coursec.build import build
from coursec.cli import cli
from coursec.preview.server import inject
from support.preview import RunningPreview, running_preview


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "course"
    assert CliRunner().invoke(cli, ["new", str(folder)]).exit_code == 0
    return folder


@pytest.fixture(scope="module")
def preview(skeleton: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPreview]:
    with running_preview(skeleton, tmp_path_factory.mktemp("preview")) as running:
        yield running


def get(preview: RunningPreview, raw_path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (no client-side normalisation of `..`)."""
    parts = urlsplit(preview.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../course/course.yml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "//etc/passwd",
        "/static/../../out/.coursec-cache",
        "/.coursec-cache/",
        "/__sco__/scorm12/../../course.yml",
        "/__sco__/other/index.html",
        "/__coursec__/live.py",
        "/no-such-page.html",
    ],
)
def test_a_request_outside_the_output_is_404(preview: RunningPreview, path: str) -> None:
    status, _ = get(preview, path)
    assert status == 404


def test_a_symlink_out_of_the_output_is_404(preview: RunningPreview, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (preview.live.site / "link.txt").symlink_to(secret)
    try:
        assert get(preview, "/link.txt")[0] == 404
    finally:
        (preview.live.site / "link.txt").unlink()


def test_the_script_is_only_in_what_is_served(
    preview: RunningPreview, skeleton: Path, tmp_path: Path
) -> None:
    status, served = get(preview, "/getting-started.html")
    assert status == 200
    assert b'<script src="/__coursec__/preview.js"' in served
    on_disk = (preview.live.site / "getting-started.html").read_bytes()
    assert served == inject(on_disk, preview.live.state.version)
    # the preview's outputs are byte for byte those of an ordinary build of the same formats
    options = replace(preview.live.options(jobs=1), out_dir=tmp_path / "ordinary")
    ordinary = build(preview.course, options)
    assert ordinary.ok, ordinary.diagnostics
    built = files_of(tmp_path / "ordinary")
    assert built == files_of(preview.live.out_dir)
    assert not any(b"__coursec__" in content for content in built.values())


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".coursec-cache" not in p.parts
    }


def test_the_simulator_page_and_sco_files(preview: RunningPreview) -> None:
    status, page = get(preview, "/getting-started.html?lms=scorm2004")
    assert status == 200
    config = json.loads(page.split(b'id="lms-config">')[1].split(b"</script>")[0])
    assert config["launch"] == "/__sco__/scorm2004/getting-started.html"
    assert config["suspendLimit"] == 64000
    status, sco = get(preview, config["launch"])
    assert status == 200 and b'id="coursec-sco"' in sco
    assert b"__coursec__" not in sco


def test_a_broken_save_is_a_failed_state_with_positions(
    start_preview: Callable[[Path], RunningPreview], skeleton: Path
) -> None:
    running = start_preview(skeleton)
    module = running.course / "modules" / "01-getting-started.md"
    good = module.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.startswith("title:")) + 1
    lines[line - 1] = "titel: Getting Started\n"
    version = running.live.state.version
    module.write_text("".join(lines), encoding="utf-8")
    broken = running.wait_for_build(version)
    assert not broken.ok
    spans = [(d["span"]["path"], d["span"]["line"]) for d in broken.diagnostics if d.get("span")]
    assert ("modules/01-getting-started.md", line) in spans
    assert get(running, "/getting-started.html")[0] == 200  # the last good output is still served
    module.write_text(good, encoding="utf-8")
    fixed = running.wait_for_build(broken.version)
    assert fixed.ok and fixed.diagnostics == ()


def test_the_course_home_has_no_simulator(preview: RunningPreview) -> None:
    status, page = get(preview, "/index.html?lms=scorm12")
    assert status == 200
    assert b"lms-config" not in page
    assert page == inject((preview.live.site / "index.html").read_bytes(), 1)


def test_before_a_first_good_build_pages_wait_and_show_the_errors(
    skeleton: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(skeleton, broken)
    (broken / "modules" / "02-next-steps.md").write_text("no front matter\n", encoding="utf-8")
    with running_preview(broken, tmp_path / "work", first_ok=False) as running:
        assert not running.live.state.ok
        status, page = get(running, "/")
        assert status == 200
        assert b"Waiting for the course to build" in page
        assert b'src="/__coursec__/preview.js" data-version="1"' in page
        assert get(running, "/static/course.css")[0] == 404
