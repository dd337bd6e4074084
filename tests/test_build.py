"""`coursec build`: atomic, extensible, and safe with hostile content (reproducible: see
test_incremental's serial and parallel builds)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from conftest import MODULE_MD, REFERENCE_COURSE, MakeCourse
from coursec.build import build
from coursec.cli import cli
from coursec.options import BuildOptions
from support.outputs import tree_digest

PLUGIN = """
import os, time
from pathlib import Path

class SlowExporter:
    name = "slow"
    description = "writes a file, then waits to be killed"

    def export(self, plan, ctx):
        (ctx.out_dir / "partial.txt").write_text("half")
        Path(os.environ["COURSEC_TEST_MARKER"]).write_text("started")
        time.sleep(60)
        return []

class BrokenExporter:
    name = "broken"
    description = "fails halfway"

    def export(self, plan, ctx):
        (ctx.out_dir / "partial.txt").write_text("half")
        raise RuntimeError("disk on fire")

class ListingExporter:
    name = "listing"
    description = "a third-party exporter: lists the modules"

    def export(self, plan, ctx):
        from coursec.export import Artifact
        (ctx.out_dir / "modules.txt").write_text("\\n".join(m.module.id for m in plan.modules))
        return [Artifact(Path("modules.txt"), "module list")]
"""


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A third-party distribution declaring exporters in the coursec.exporters group."""
    site = tmp_path / "plugin-site"
    dist = site / "coursec_testplugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "coursec_testplugin.py").write_text(PLUGIN)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: coursec-testplugin\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[coursec.exporters]\n"
        "slow = coursec_testplugin:SlowExporter\n"
        "broken = coursec_testplugin:BrokenExporter\n"
        "listing = coursec_testplugin:ListingExporter\n"
        "missing = coursec_testplugin:DoesNotExist\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_third_party_exporter_is_found_through_entry_points(
    make_course: MakeCourse, plugin_path: Path, tmp_path: Path
) -> None:
    result = build(make_course(), BuildOptions(formats=("listing",), out_dir=tmp_path / "out"))
    assert result.ok, result.diagnostics
    assert (tmp_path / "out" / "modules.txt").read_text() == "one"
    listed = CliRunner().invoke(cli, ["formats"])
    assert "listing" in listed.output and "html" in listed.output


def test_broken_plugin_is_a_diagnostic(
    make_course: MakeCourse, plugin_path: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["build", str(make_course()), "--format", "missing", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "error[CS901]" in result.output and "coursec-testplugin" in result.output
    assert "Traceback" not in result.output


def test_unknown_format_is_a_diagnostic(make_course: MakeCourse, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(make_course()), "--format", "docx"])
    assert result.exit_code == 1
    assert 'error[CS504]: unknown output format "docx"' in result.output


def test_coursec_jobs_sets_the_default_workers(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COURSEC_JOBS stands for -j (for a runner allowed fewer CPUs than it sees); -j wins."""
    from coursec.build import default_jobs

    root = make_course()
    args = ["build", str(root), "--format", "html,scorm12", "--out", str(tmp_path / "out")]
    monkeypatch.setenv("COURSEC_JOBS", "3")
    assert default_jobs() == 3
    assert build(root, BuildOptions(formats=("html",), out_dir=tmp_path / "lib")).jobs == 3
    monkeypatch.setenv("COURSEC_JOBS", "1")
    assert "(no worker process)" in CliRunner().invoke(cli, [*args, "--clean"]).output
    worked = CliRunner().invoke(cli, [*args, "--clean", "-j", "2"])
    assert "(2 worker processes)" in worked.output, worked.output
    for bad in ("0", "two", "²"):
        monkeypatch.setenv("COURSEC_JOBS", bad)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "COURSEC_JOBS" in result.output, result.output
        assert "Traceback" not in result.output
        assert default_jobs() >= 1  # from Python, a value the CLI rejects is ignored
    monkeypatch.delenv("COURSEC_JOBS")
    assert default_jobs() == len(os.sched_getaffinity(0))


def test_failed_build_keeps_previous_output(
    make_course: MakeCourse, plugin_path: Path, tmp_path: Path
) -> None:
    root, out = make_course(), tmp_path / "out"
    assert build(root, BuildOptions(formats=("html",), out_dir=out)).ok
    before = tree_digest(out)
    (root / "modules" / "one.md").write_text(MODULE_MD.replace("Module one", "Changed"))
    result = CliRunner().invoke(
        cli, ["build", str(root), "--format", "html,broken", "--out", str(out)]
    )
    assert result.exit_code == 1  # the plugin's failure (CS501), not a bug in coursec
    assert 'error[CS501]: the "broken" output format failed' in result.output
    assert "Traceback" not in result.output
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["course", "out", "plugin-site"]


def test_course_errors_build_nothing(make_course: MakeCourse, tmp_path: Path) -> None:
    root, out = make_course(), tmp_path / "out"
    assert build(root, BuildOptions(formats=("html",), out_dir=out)).ok
    before = tree_digest(out)
    (root / "modules" / "one.md").write_text(MODULE_MD.replace("title:", "titel:"))
    result = build(root, BuildOptions(formats=("html",), out_dir=out))
    assert not result.ok
    assert tree_digest(out) == before


def test_killed_build_leaves_previous_output(
    make_course: MakeCourse, plugin_path: Path, tmp_path: Path
) -> None:
    root, out = make_course(), tmp_path / "out"
    assert build(root, BuildOptions(formats=("html",), out_dir=out)).ok
    before = tree_digest(out)
    marker = tmp_path / "marker"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(plugin_path), os.environ.get("PYTHONPATH", "")]),
        "COURSEC_TEST_MARKER": str(marker),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coursec",
            "build",
            str(root),
            "--format",
            "html,slow",
            "--out",
            str(out),
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow exporter never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert tree_digest(out) == before
    # the next build tidies the killed build's staging folder and succeeds
    assert build(root, BuildOptions(formats=("html",), out_dir=out)).ok
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


HOSTILE = """\
<script>alert(1)</script>

<img src=../assets/x.png alt=x onerror=alert(1)>

[x](javascript:alert(1)) [y](JAVASCRIPT:alert(2)) [z](vbscript:msgbox(1))

![i](javascript:alert(3))

<a href="javascript:alert(4)" onclick="alert(5)">raw</a> <svg onload=alert(6)></svg>
"""


@pytest.mark.parametrize("allow_html", [False, True])
def test_hostile_markdown_yields_no_executable_script(
    make_course: MakeCourse, tmp_path: Path, allow_html: bool
) -> None:
    from conftest import COURSE_YML

    course = COURSE_YML + ("allow_raw_html: true\n" if allow_html else "")
    root = make_course(
        course=course,
        modules={"modules/one.md": MODULE_MD + "\n" + HOSTILE},
        files={"assets/x.png": b"\x89PNG\r\n\x1a\n"},
    )
    out = tmp_path / "out"
    result = build(root, BuildOptions(formats=("html", "scorm12", "scorm2004"), out_dir=out))
    assert result.ok, result.diagnostics
    pages = {p.name: p.read_text() for p in (out / "html").glob("*.html")}
    for zip_name in ("demo-scorm12.zip", "demo-scorm2004.zip"):
        with zipfile.ZipFile(out / zip_name) as archive:
            pages |= {
                f"{zip_name}:{n}": archive.read(n).decode()
                for n in archive.namelist()
                if n.endswith(".html")
            }
    assert len(pages) >= 6
    for name, html in pages.items():
        assert executable_bits(html) == [], name
    escaped = pages["one.html"] if allow_html is False else ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped or allow_html


def executable_bits(html: str) -> list[str]:
    """Scripts other than ours, event-handler attributes and script URLs in a page."""
    found: list[str] = []
    tree = lxml.html.fromstring(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            ours = element.get("type") == "application/json" or element.get("src") == (
                "static/coursec-scorm.js"
            )
            if not ours:
                found.append(lxml.html.tostring(element, encoding="unicode"))
        for attr, value in element.attrib.items():
            if attr.lower().startswith("on"):
                found.append(f"{element.tag} {attr}")
            if attr in ("href", "src", "action", "formaction") and re.match(
                r"\s*(javascript|vbscript|data):", value, re.I
            ):
                found.append(f"{element.tag} {attr}={value}")
    return found


def test_reference_course_builds_with_the_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", str(REFERENCE_COURSE), "--format", "html", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "html" / "index.html").is_file()


def test_remote_image_becomes_a_link(make_course: MakeCourse, tmp_path: Path) -> None:
    module = MODULE_MD + "\n![A chart](https://example.com/chart.png)\n"
    root = make_course(modules={"modules/one.md": module})
    result = build(root, BuildOptions(formats=("html",), out_dir=tmp_path / "out"))
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.code == "CS308"]
    assert warning.span is not None and warning.span.line == 13
    html = (tmp_path / "out" / "html" / "one.html").read_text()
    assert '<a href="https://example.com/chart.png">A chart (external image)</a>' in html
    assert '<img src="https://' not in html


def test_course_overrides_theme_templates_and_css(make_course: MakeCourse, tmp_path: Path) -> None:
    override = (
        '{% extends "base.html.j2" %}{% block main %}<p>Custom {{ module.title }}</p>{% endblock %}'
    )
    root = make_course(
        files={
            "templates/module.html.j2": override,
            "templates/static/course.css": "body { color: rebeccapurple }",
        }
    )
    result = build(root, BuildOptions(formats=("html",), out_dir=tmp_path / "out"))
    assert result.ok, result.diagnostics
    site = tmp_path / "out" / "html"
    assert "<p>Custom Module one</p>" in (site / "one.html").read_text()
    assert (site / "static" / "course.css").read_text() == "body { color: rebeccapurple }"
    assert "cs-home" in (site / "index.html").read_text()  # not overridden: the default


def test_broken_custom_template_is_a_diagnostic(make_course: MakeCourse, tmp_path: Path) -> None:
    root = make_course(files={"templates/module.html.j2": "line one\n{% if %}\n"})
    result = CliRunner().invoke(
        cli, ["build", str(root), "--format", "html", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "module.html.j2:2:1: error[CS503]" in result.output
    assert "Traceback" not in result.output
