"""Every file an output references is in it, and no SCO refers to another SCO's page.

Each course is built in every packaging; the site folder and both SCORM zips are crawled
(support.outputs) and then every page of each is loaded in Chromium, which must request nothing
that the output does not have. The checkers are shown to fail on outputs broken on purpose.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Response

from conftest import COURSES
from coursec.exporters.scorm import Packaging
from support.builds import Builds, Edition
from support.covering import every_pair
from support.outputs import html_pages, package_problems, reference_problems, sco_pages

PACKAGES: list[tuple[Edition, Packaging]] = [
    ("1.2", Packaging.MULTI_SCO),
    ("1.2", Packaging.SINGLE_SCO),
    ("2004", Packaging.MULTI_SCO),
    ("2004", Packaging.SINGLE_SCO),
]
PACKAGE_IDS = [f"{e}-{p.value}" for e, p in PACKAGES]
# Fragments (`page.html#id`) are left to the id checks of the pages themselves: here, files.
FILES_ONLY: dict[str, bool] = {}


def test_site_references_only_its_own_files(course_dir: Path, built: Builds) -> None:
    assert reference_problems(built.site(course_dir), **FILES_ONLY) == []


@pytest.mark.parametrize(("edition", "packaging"), PACKAGES, ids=PACKAGE_IDS)
def test_package_references_only_its_own_files_and_no_sco_another(
    course_dir: Path, built: Builds, tmp_path: Path, edition: Edition, packaging: Packaging
) -> None:
    archive = built.archive(course_dir, edition, packaging)
    assert package_problems(archive, tmp_path, **FILES_ONLY) == []
    assert "index.html" not in html_pages(tmp_path)  # the course home is not in a package
    assert sco_pages(tmp_path)


def missing_requests(page: Page, base: str, pages: list[str]) -> list[str]:
    """Load each page; every request that failed or was answered with an error status."""
    failed: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    def on_failed(request: Request) -> None:
        failed.append(f"failed {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        for name in pages:
            page.goto(f"{base}/{name}", wait_until="load")
            page.wait_for_load_state("networkidle")
    finally:  # the page goes back to the worker's pool: it keeps no listener of this test's
        page.remove_listener("response", on_response)
        page.remove_listener("requestfailed", on_failed)
    return failed


@pytest.mark.browser
def test_every_site_page_loads_all_it_asks_for(
    course_dir: Path, built: Builds, page: Page, http_server: Callable[[Path], str]
) -> None:
    site = built.site(course_dir)
    assert missing_requests(page, http_server(site), html_pages(site)) == []


@pytest.mark.browser
@every_pair(COURSES, ("packaging", list(Packaging)), ("edition", ["1.2", "2004"]))
def test_every_package_page_loads_all_it_asks_for(
    course_dir: Path,
    built: Builds,
    page: Page,
    http_server: Callable[[Path], str],
    edition: Edition,
    packaging: Packaging,
) -> None:
    """Each packaging of each course in one edition, every pair of values met: both editions'
    pages ask for the same files (test_html checks they differ only in the SCO's configuration,
    and the test above that every package has every file its pages reference)."""
    root = built.package(course_dir, edition, packaging)
    pages = html_pages(root)
    assert pages
    assert missing_requests(page, http_server(root), pages) == []


# --------------------------------------------------------------------------- the checkers fail


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_crawler_reports_every_kind_of_missing_reference(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "index.html": (
                '<link rel="stylesheet" href="static/site.css">'
                '<img src="media/Logo.png" srcset="media/logo.png 1x, media/logo@2x.png 2x">'
                '<a href="other.html#nowhere">x</a><a href="#here" id="here">y</a>'
                '<a href="../outside.html">z</a><a href="https://example.org/x">ok</a>'
                '<a href="javascript:alert(1)">bad</a>'
                "<style>.a { background: url('media/bg.png') }</style>"
                '<p style="background: url(media/inline.png)">p</p>'
                '<svg><use xlink:href="media/sprite.svg#icon"/></svg>'
            ),
            "other.html": '<p id="somewhere">other</p>',
            "static/site.css": '@import "print.css"; .b { background: url("../media/logo.png") }',
            "media/logo.png": "png",
            "media/sprite.svg": (
                '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                '<image href="gone.png"/><symbol id="icon"/></svg>'
            ),
        },
    )
    problems = reference_problems(root)
    expected = [
        "index.html: src 'media/Logo.png': no such file",  # exact case
        "index.html: srcset 'media/logo@2x.png': no such file",
        "index.html: href 'other.html#nowhere': other.html has no element with id 'nowhere'",
        "index.html: href '../outside.html': no such file",
        "index.html: href 'javascript:alert(1)'",
        "index.html: url() 'media/bg.png': no such file",
        "index.html: url() 'media/inline.png': no such file",
        "static/site.css: @import 'print.css': no such file",
        "media/sprite.svg: href 'gone.png': no such file",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert not any("site.css': no such" in p for p in problems)  # it exists
    assert not any("sprite.svg#icon" in p or "#here" in p or "example.org" in p for p in problems)
    assert len(problems) == len(expected)
    assert not any("nowhere" in p for p in reference_problems(root, fragments=False))


def test_package_checker_reports_missing_files_and_links_between_scos(tmp_path: Path) -> None:
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" identifier="M">
  <organizations default="O"><organization identifier="O"><title>t</title>
    <item identifier="I1" identifierref="R1"><title>a</title></item>
    <item identifier="I2" identifierref="R2"><title>b</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="R1" type="webcontent" adlcp:scormType="sco" href="a.html">
      <file href="a.html"/><file href="static/gone.css"/></resource>
    <resource identifier="R2" type="webcontent" adlcp:scormType="sco" href="b.html">
      <file href="b.html"/></resource>
  </resources>
</manifest>"""
    files = {
        "imsmanifest.xml": manifest,
        "a.html": '<a href="b.html">next module</a><a href="#top" id="top">top</a>',
        "b.html": '<a href="index.html">home</a>',
    }
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    problems = package_problems(archive, tmp_path / "pkg")
    assert problems == [
        "imsmanifest.xml:10: 'static/gone.css': no such file in the package",
        "a.html: href 'b.html': a SCO must not refer to another SCO's page",
        "b.html: href 'index.html': no such file in the output",
    ]
