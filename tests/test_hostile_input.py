"""Hostile and careless input: files that are not files, YAML bombs, template escapes, active
content in assets. Each ends in a clear diagnostic, in bounded time and memory, with no
script in any output."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import COURSE_YML, MODULE_MD, MakeCourse
from coursec.build import build
from coursec.loading import load_course
from coursec.options import BuildOptions

FAST = ("html", "scorm12", "scorm2004")
TABS = 2  # pages that load files at once in the browser test


def coursec(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a process of its own: a hang fails the test instead of stalling it."""
    return subprocess.run(
        [sys.executable, "-m", "coursec", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- only regular files are read -------------------------------------------------------------


@pytest.mark.parametrize("what", ["module", "course.yml", "hero", "download"])
@pytest.mark.parametrize("command", ["check", "build -j 1", "build -j 2"])
def test_a_fifo_is_reported_and_never_read(
    make_course: MakeCourse, tmp_path: Path, what: str, command: str
) -> None:
    module = (
        MODULE_MD.replace(
            "summary: The first module.",
            "summary: The first module.\nhero: {src: ../assets/hero.png, alt: A hero}",
        )
        + "\n[the data](../assets/data.csv)\n"
    )
    course = make_course(
        modules={"modules/one.md": module},
        files={"assets/hero.png": b"\x89PNG\r\n\x1a\n", "assets/data.csv": "a,b\n"},
    )
    fifo = {
        "module": course / "modules" / "one.md",
        "course.yml": course / "course.yml",
        "hero": course / "assets" / "hero.png",
        "download": course / "assets" / "data.csv",
    }[what]
    fifo.unlink()
    os.mkfifo(fifo)
    args = command.split()
    if args[0] == "build":
        args += ["--out", str(tmp_path / "out"), "--format", "html"]

    run = coursec(args[0], str(course), *args[1:])

    assert run.returncode == 1, run.stderr
    assert "error[CS107]" in run.stderr
    assert f'{fifo.name}" is not a regular file: it is a FIFO' in run.stderr or (
        f"{fifo.name} is not a regular file: it is a FIFO" in run.stderr
    )
    assert "does not exist" not in run.stderr and "Traceback" not in run.stderr


def test_a_folder_where_a_module_file_belongs(make_course: MakeCourse) -> None:
    course = make_course(
        course=COURSE_YML + "  - modules/two.md\n",
        modules={"modules/one.md": MODULE_MD, "modules/two.md/readme.txt": "oops"},
    )
    diagnostics = [d.format() for d in load_course(course).diagnostics]
    assert any(
        '[CS107]: "modules/two.md" is not a regular file: it is a folder' in d for d in diagnostics
    ), diagnostics


def test_an_oversized_source_is_refused(make_course: MakeCourse) -> None:
    course = make_course(modules={"modules/one.md": MODULE_MD + "x" * (3 * 1024 * 1024)})
    diagnostics = load_course(course).diagnostics
    assert [d.code for d in diagnostics] == ["CS109"]
    assert "over the limit of 2,097,152" in diagnostics[0].message


# --- bounded YAML -------------------------------------------------------------------------------

BOMB = "id: demo\nlol1: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &{chr(97 + i - 1)} [{', '.join(['*' + chr(97 + i - 2)] * 9)}]\n" for i in range(2, 10)
)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bomb", BOMB, "with its aliases (*name) expanded, this value holds more than"),
        ("self", "id: demo\nloop: &x [*x]\n", "this alias refers to a value that contains it"),
        ("flow", "id: demo\nx: " + "[" * 100_000 + "]" * 100_000, "nested more than 40 levels"),
        ("block", "id: demo\nx:\n" + "- " * 50_000 + "deep\n", "nested more than 40 levels"),
        ("number", "id: demo\nduration_minutes: " + "9" * 6000 + "\n", "has 6000 digits"),
    ],
    ids=["bomb", "self", "flow", "block", "number"],
)
@pytest.mark.slow
def test_yaml_bombs_end_quickly_with_a_diagnostic(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """In a process of its own, with its time and peak memory measured."""
    course = tmp_path / name
    course.mkdir()
    (course / "course.yml").write_text(text)
    probe = (
        "import sys, time\n"
        "from coursec.cli import cli\n"  # `main` ends the process: nothing after it runs
        "start = time.perf_counter()\n"
        "try:\n    cli(prog_name='coursec')\nexcept SystemExit as exc:\n    code = exc.code\n"
        # VmHWM: this process's own peak (ru_maxrss would keep the forking parent's)
        "peak = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(f'RESULT {code} {time.perf_counter() - start:.3f} {peak}', file=sys.stderr)\n"
    )
    for command in ("check", "build"):
        run = subprocess.run(
            [sys.executable, "-c", probe, command, str(course)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        result = run.stderr.rsplit("RESULT ", 1)[-1].split()
        code, seconds, peak_kib = int(result[0]), float(result[1]), int(result[2])
        assert code == 1, run.stderr
        assert message in run.stderr and "error[CS1" in run.stderr
        assert "Traceback" not in run.stderr
        assert seconds < 5.0, f"{command} took {seconds} s"  # ~0.3 s idle: a hang detector
        assert peak_kib < 300 * 1024, f"{command} peaked at {peak_kib} KiB"


# --- course templates run in a sandbox ---------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "says"),
    [
        (
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "access to attribute '__class__' of 'str' object is unsafe",
        ),
        (
            "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
            "is unsafe",
        ),
        ("{{ course.root.parent }}", "access to attribute 'parent'"),
        ("{{ course.modules[0].path.read_text() }}", "access to attribute 'read_text'"),
        ("{% set l = [] %}{{ l.append(1) }}", "unsafe"),
    ],
    ids=["mro", "globals", "path-parent", "path-read", "append"],
)
def test_a_course_template_cannot_escape_the_sandbox(
    make_course: MakeCourse, tmp_path: Path, template: str, says: str
) -> None:
    course = make_course(files={"templates/index.html.j2": template})
    out = tmp_path / "out"

    result = build(course, BuildOptions(formats=("html",), out_dir=out, jobs=1))

    assert not result.ok
    errors = [d for d in result.diagnostics if d.code == "CS507"]
    assert errors and says in errors[0].message, [d.format() for d in result.diagnostics]
    assert errors[0].span is not None and errors[0].span.path.name == "index.html.j2"
    assert not out.exists() and not (tmp_path / "PWNED").exists()


def test_a_course_template_linked_out_of_its_folder_is_refused(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the build machine's secret")
    course = make_course()
    (course / "templates").mkdir()
    (course / "templates" / "index.html.j2").symlink_to(secret)

    result = build(course, BuildOptions(formats=("html",), out_dir=tmp_path / "out", jobs=1))

    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert [d.code for d in errors] == ["CS507"]
    assert "outside the theme folder" in errors[0].message


def test_a_course_template_still_renders_its_data(make_course: MakeCourse, tmp_path: Path) -> None:
    override = (
        '{% extends "index.html.j2" %}{% block main %}<p id="mine">'
        "{{ course.spec.title | upper }}: {{ course.published_modules | length }}"
        " {{ course.modules[0].path.name }}</p>{% endblock %}"
    )
    base = (Path(__file__).resolve().parents[1] / "templates" / "index.html.j2").read_text()
    course = make_course(
        files={"templates/index.html.j2": override, "templates/_base_index.html.j2": base}
    )
    (course / "templates" / "index.html.j2").write_text(
        override.replace('"index.html.j2"', '"_base_index.html.j2"')
    )
    out = tmp_path / "out"
    result = build(course, BuildOptions(formats=("html",), out_dir=out, jobs=1))
    assert result.ok, [d.format() for d in result.diagnostics]
    assert '<p id="mine">DEMO COURSE: 1 one.md</p>' in (out / "html" / "index.html").read_text()


# --- active content in assets ------------------------------------------------------------------

SCRIPTED_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 100 40" width="100" height="40" onload="alert('svg onload')">
  <title>A chart</title>
  <script>fetch('https://evil.invalid/svg-script')</script>
  <style>@import url(https://evil.invalid/svg.css);
    text { fill: url(https://evil.invalid/p) }</style>
  <foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml"
    src="https://evil.invalid/frame"/></foreignObject>
  <a xlink:href="javascript:alert('svg link')"><text x="5" y="20">Chart</text></a>
  <image href="https://evil.invalid/pixel.png" width="1" height="1"/>
  <h:script xmlns:h="http://www.w3.org/1999/xhtml">alert('xhtml')</h:script>
</svg>
"""

HOSTILE_MODULE = (
    MODULE_MD
    + """
![A chart](../assets/chart.svg)

[the chart as a file](../assets/chart.svg) · [notes](../assets/notes.html) ·
[helper](../assets/helper.js)

<img src="https://evil.invalid/tracker.png" alt="tracker">

| a | b |
|---|---|
| <span style="background-image:url(javascript:alert(1))">x</span> | y |
"""
)


def hostile_course(make_course: MakeCourse, allow_scripted: bool) -> Path:
    course = COURSE_YML + "allow_raw_html: true\n"
    if allow_scripted:
        course += "allow_scripted_downloads: true\n"
    return make_course(
        course=course,
        modules={"modules/one.md": HOSTILE_MODULE},
        files={
            "assets/chart.svg": SCRIPTED_SVG,
            "assets/notes.html": "<script>fetch('https://evil.invalid/notes')</script>",
            "assets/helper.js": "fetch('https://evil.invalid/js')",
            "templates/static/course-extra.css": (
                "@import url('https://evil.invalid/theme.css');\n"
                "body { background: url(https://evil.invalid/bg.png) }\n"
            ),
        },
    )


def test_scripted_downloads_are_refused_unless_allowed(make_course: MakeCourse) -> None:
    refused = load_course(hostile_course(make_course, allow_scripted=False)).diagnostics
    errors = sorted(d.message for d in refused if d.code == "CS310")
    assert errors == [
        '"../assets/helper.js" would run as a page or script in the site and in the LMS',
        '"../assets/notes.html" would run as a page or script in the site and in the LMS',
    ]
    lines = sorted(d.span.line for d in refused if d.code == "CS310" and d.span is not None)
    assert lines == [15, 16]  # the lines of the links themselves

    allowed = load_course(hostile_course(make_course, allow_scripted=True)).diagnostics
    assert {d.severity.value for d in allowed if d.code == "CS310"} == {"warning"}


def test_active_content_is_reported(make_course: MakeCourse) -> None:
    diagnostics = load_course(hostile_course(make_course, allow_scripted=True)).diagnostics
    by_code = {d.code: d for d in diagnostics if d.code in ("CS311", "CS308")}
    svg = by_code["CS311"]
    assert svg.span is not None and svg.span.path.name == "chart.svg"
    for what in ("<script>", "the onload event handler", "<foreignObject>", "and 3 more"):
        assert what in svg.message, svg.message
    remote = sorted(d.message for d in diagnostics if d.code == "CS308")
    assert any("tracker.png" in m for m in remote), remote
    assert any("course-extra.css loads from outside the course" in m for m in remote), remote


@pytest.mark.browser
def test_no_output_runs_script_or_reaches_another_server(
    make_course: MakeCourse, tmp_path: Path, new_page: object, http_server: object
) -> None:
    """Every page, SVG and download of every output, opened in Chromium: nothing runs, nothing
    is requested from anywhere but the output's own origin."""
    from support.browser import off_origin_requests, page_dialogs, page_errors, recorded_requests

    course = hostile_course(make_course, allow_scripted=False)
    (course / "modules" / "one.md").write_text(
        HOSTILE_MODULE.replace(
            " · [notes](../assets/notes.html) ·\n[helper](../assets/helper.js)", ""
        )
    )
    out = tmp_path / "out"
    result = build(course, BuildOptions(formats=FAST, out_dir=out, jobs=1))
    assert result.ok, [d.format() for d in result.diagnostics]
    roots = [out / "html"]
    for name in ("demo-scorm12.zip", "demo-scorm2004.zip"):
        target = tmp_path / name
        with zipfile.ZipFile(out / name) as archive:
            archive.extractall(target)
        roots.append(target)
    svg = (out / "html" / "media" / "assets" / "chart.svg").read_text()
    assert "script" not in svg and "evil.invalid" not in svg and "javascript" not in svg
    assert "Chart" in svg  # the drawing itself stays

    opened = 0
    pages = [new_page() for _ in range(TABS)]  # type: ignore[operator]
    for root in roots:
        base = http_server(root)  # type: ignore[operator]
        files = [
            path
            for path in sorted(root.rglob("*"))
            if path.suffix in (".html", ".svg", ".css") and path.is_file()
        ]
        # a few files load at once, each in a tab of its own: the network's quiet half-second
        # that `networkidle` waits for passes for all of them together
        for start in range(0, len(files), TABS):
            batch = list(zip(files[start : start + TABS], pages, strict=False))
            for path, page in batch:
                for record in (recorded_requests(page), page_errors(page), page_dialogs(page)):
                    record.clear()  # what the file before did is checked
                page.goto(f"{base}/{path.relative_to(root).as_posix()}", wait_until="commit")
            for _, page in batch:
                page.wait_for_load_state("load")
                page.wait_for_load_state("networkidle")
            pages[0].wait_for_timeout(100)  # every page has been quiet this long at least
            for path, page in batch:
                assert page_dialogs(page) == [], path
                assert off_origin_requests(page, base) == [], path
                assert [e for e in page_errors(page) if "evil" in e] == [], path
                opened += 1
    assert opened >= 20
