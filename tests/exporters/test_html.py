"""The HTML site of the reference course, checked in headless Chromium."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from conftest import REFERENCE_COURSE
from coursec.build import build
from coursec.loading import load_course
from coursec.options import BuildOptions
from support.browser import (
    axe_violations,
    format_violations,
    has_horizontal_scroll,
    off_origin_requests,
    page_errors,
)
from support.seed import seed_sentences

PAGES = ["index.html", "instrumental-convergence.html", "glossary.html", "objectives.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    result = build(REFERENCE_COURSE, BuildOptions(formats=("html",), out_dir=out / "dist"))
    assert result.ok, result.diagnostics
    return out / "dist" / "html"


def visible_text(page: Page) -> str:
    return " ".join(page.inner_text("body").split())


def test_every_page_of_the_course_exists(site: Path) -> None:
    course = load_course(REFERENCE_COURSE).course
    assert course is not None
    expected = {"index.html", "glossary.html", "objectives.html"}
    expected |= {m.page for m in course.published_modules}
    assert {p.name for p in site.glob("*.html")} == expected
    assert not (site / "static" / "coursec-scorm.js").exists()  # only SCORM pages need it
    assert (site / "static" / "coursec-quiz.js").is_file()
    assert PAGES[1] in expected


def test_every_seed_sentence_is_visible_on_module_page(
    site: Path, page: Page, http_server: Callable[[Path], str]
) -> None:
    base = http_server(site)
    page.goto(f"{base}/instrumental-convergence.html")
    text = visible_text(page)
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(
    site: Path, page: Page, http_server: Callable[[Path], str], name: str
) -> None:
    base = http_server(site)
    page.goto(f"{base}/{name}")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


@pytest.mark.parametrize("name", PAGES)
def test_no_request_leaves_the_origin_and_no_errors(
    site: Path, page: Page, http_server: Callable[[Path], str], name: str
) -> None:
    base = http_server(site)
    page.goto(f"{base}/{name}", wait_until="networkidle")
    assert off_origin_requests(page, base) == []
    assert page_errors(page) == []


@pytest.mark.parametrize("name", PAGES)
def test_fits_a_320px_screen(
    site: Path, new_page: Callable[..., Page], http_server: Callable[[Path], str], name: str
) -> None:
    page = new_page(width=320, height=640)
    page.goto(f"{http_server(site)}/{name}")
    assert not has_horizontal_scroll(page)


def test_opens_from_the_file_system(site: Path, page: Page) -> None:
    page.goto((site / "index.html").as_uri())
    page.click("text=Instrumental Convergence and Goal Misgeneralization")
    assert page.url.endswith("instrumental-convergence.html")
    assert page.evaluate("getComputedStyle(document.body).fontFamily")
    images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert images and all(w > 0 for w in images)
    assert page_errors(page) == []


def test_landmarks_headings_and_language(site: Path, page: Page) -> None:
    page.goto((site / "instrumental-convergence.html").as_uri())
    assert page.get_attribute("html", "lang") == "en"
    for selector in ("header", "nav", "main", "article", "footer", "a.cs-skip"):
        assert page.locator(selector).count() >= 1, selector
    assert page.locator("h1").count() == 1
    levels = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def test_module_page_content(site: Path) -> None:
    html = (site / "instrumental-convergence.html").read_text()
    assert 'alt="Conceptual image of a human overseeing an AI system with safety controls"' in html
    assert re.search(r'data-relation="leads_to".*?instrumental convergence.*?→', html, re.S)
    assert re.search(r'data-relation="means".*?corrigibility.*?=', html, re.S)
    assert 'data-relation="statement"' in html
    assert "Up next · Module 2" in html
    assert 'href="alignment-techniques.html"' not in html  # coming soon: announced, not linked
    assert 'href="glossary.html"' in html


def test_home_lists_modules_with_status(site: Path) -> None:
    html = (site / "index.html").read_text()
    assert 'href="instrumental-convergence.html"' in html
    assert "Alignment Techniques and Research" in html
    assert "Coming soon" in html


def test_focus_is_visible(site: Path, page: Page) -> None:
    page.goto((site / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "cs-skip"
    assert focused[1] != "none" and focused[2] != "0px"
