"""The HTML pages of every course in courses/, site and SCORM, checked in headless Chromium:
axe in light and dark, a 320 px screen, wide tables and code, callouts."""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from conftest import COURSES, MODULE_MD, REFERENCE_COURSE, MakeCourse
from coursec.body_text import CALLOUT_LABELS, CALLOUT_TITLES
from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.loading import load_course
from coursec.markdown_rules import parse_callout_info
from coursec.model import Course
from coursec.options import BuildOptions
from support import settings
from support.browser import (
    axe_violations,
    format_violations,
    has_horizontal_scroll,
    off_origin_requests,
    page_errors,
)
from support.covering import every_pair
from support.seed import seed_sentences

Serve = Callable[[Path], str]
Build = Callable[..., Path]
SCHEMES = ["light", "dark"]
PACKAGINGS = [Packaging.MULTI_SCO, Packaging.SINGLE_SCO]

# Words of table cells that the browser broke across lines. Hyphens, dashes and slashes are
# places where a line may break; anywhere else in a word it may not ("INTEGE/R").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.cs-body td, .cs-body th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-\\u2010-\\u2014\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`outputs(course, fmt, packaging=None)`: the output folder, built once per module."""
    made: dict[tuple[Path, str, Packaging | None], Path] = {}

    def make(course: Path, fmt: str = "html", packaging: Packaging | None = None) -> Path:
        key = (course, fmt, packaging)
        if key not in made:
            out = tmp_path_factory.mktemp(f"{course.name}-{fmt}")
            options = BuildOptions(
                formats=(fmt,), out_dir=out / "dist", settings=settings.scorm(packaging)
            )
            result = build(course, options)
            assert result.ok, result.diagnostics
            if fmt == "html":
                made[key] = out / "dist" / "html"
            else:
                with zipfile.ZipFile(out / "dist" / f"{course.name}-{fmt}.zip") as zf:
                    zf.extractall(out / "pkg")
                made[key] = out / "pkg"
        return made[key]

    return make


@pytest.fixture
def site(course_dir: Path, outputs: Build) -> Path:
    return outputs(course_dir)


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


def pages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.html"))


def role_name(element: Locator, role: str) -> str:
    """The element's accessible name, as Chromium's accessibility tree has it for `role`."""
    first = element.aria_snapshot().splitlines()[0]
    found = re.match(rf"""- '?{role} "(.*)"'?:?$""", first)
    assert found is not None, first
    return str(json.loads(f'"{found.group(1)}"'))  # the snapshot escapes quotes as JSON does


def visible_text(page: Page) -> str:
    return " ".join(page.inner_text("body").split())


def axe_report(page: Page, url: str) -> str:
    page.goto(url)
    violations = axe_violations(page)
    return f"{url}: {format_violations(violations)}" if violations else ""


# --- every course ----------------------------------------------------------------------------


def test_every_page_of_the_course_exists(site: Path, course: Course) -> None:
    expected = {"index.html", "glossary.html", "objectives.html"}
    expected |= {m.page for m in course.published_modules}
    assert set(pages(site)) == expected
    assert not (site / "static" / "coursec-scorm.js").exists()  # only SCORM pages need it
    assert (site / "static" / "coursec-quiz.js").is_file()
    assert (site / "static" / "highlight-dark.css").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_has_no_axe_violations(
    site: Path, new_page: Callable[..., Page], http_server: Serve, scheme: str
) -> None:
    page = new_page(color_scheme=scheme)
    base = http_server(site)
    reports = [axe_report(page, f"{base}/{name}") for name in pages(site)]
    assert not any(reports), "\n".join(r for r in reports if r)


CONFIG = re.compile(r'(<script type="application/json" id="coursec-sco">).*?(</script>)', re.S)


@pytest.mark.parametrize("packaging", PACKAGINGS, ids=lambda p: p.value)
def test_both_scorm_editions_give_the_same_pages(
    course_dir: Path, outputs: Build, packaging: Packaging
) -> None:
    """So the browser checks of SCORM 2004's pages hold for 1.2's: the pages differ only in the
    SCO's configuration and in the mentions of other modules that a SCORM 2004 LMS may turn into
    navigation buttons; every other file is the same."""
    v12, v2004 = (outputs(course_dir, fmt, packaging) for fmt in ("scorm12", "scorm2004"))
    files = {p.relative_to(v12) for p in v12.rglob("*") if p.is_file()}
    assert files == {p.relative_to(v2004) for p in v2004.rglob("*") if p.is_file()}
    for name in sorted(files - {Path("imsmanifest.xml")}):
        if name.suffix != ".html":
            assert (v12 / name).read_bytes() == (v2004 / name).read_bytes(), name
            continue
        old, new = ((root / name).read_text("utf-8") for root in (v12, v2004))
        assert CONFIG.search(old) and CONFIG.search(new), name
        old, new = CONFIG.sub(r"\1\2", old), CONFIG.sub(r"\1\2", new)
        assert old == re.sub(r' data-coursec-choice="[^"]*"', "", new), name


@pytest.mark.slow
@every_pair(COURSES, ("packaging", PACKAGINGS), ("scheme", SCHEMES))
def test_scorm_pages_have_no_axe_violations_and_fit_320px(
    course_dir: Path,
    outputs: Build,
    new_page: Callable[..., Page],
    http_server: Serve,
    packaging: Packaging,
    scheme: str,
) -> None:
    """SCORM 2004's pages, opened outside an LMS; 1.2's are the same pages (see above). Each
    packaging of each course in one colour scheme, every pair of course, packaging and scheme
    met: the module content is checked in both schemes on the site, and what only a SCO shows
    (its notices) in both schemes on each course."""
    folder = outputs(course_dir, "scorm2004", packaging)
    base = http_server(folder)
    reports = []
    page = new_page(color_scheme=scheme)
    for name in pages(folder):
        page.goto(f"{base}/{name}")
        violations = axe_violations(page)
        if violations:
            reports.append(f"{name} ({scheme}): {format_violations(violations)}")
    narrow = new_page(width=320, height=640)
    for name in pages(folder):
        narrow.goto(f"{base}/{name}")
        if has_horizontal_scroll(narrow):
            reports.append(f"{name} scrolls sideways at 320 px")
    assert reports == [], "\n".join(reports)


def test_no_request_leaves_the_origin_and_no_errors(
    site: Path, page: Page, http_server: Serve
) -> None:
    base = http_server(site)
    for name in pages(site):
        page.goto(f"{base}/{name}", wait_until="networkidle")
        assert off_origin_requests(page, base) == [], name
        assert page_errors(page) == [], name


@pytest.mark.slow
def test_fits_a_320px_screen(site: Path, new_page: Callable[..., Page], http_server: Serve) -> None:
    """No page scrolls sideways; what is wider scrolls in its own region (axe checks that
    each can be reached by keyboard)."""
    page = new_page(width=320, height=640)
    base = http_server(site)
    wide = []
    reports = []
    for name in pages(site):
        reports.append(axe_report(page, f"{base}/{name}"))
        if has_horizontal_scroll(page):
            wide.append(name)
    assert wide == []
    assert not any(reports), "\n".join(r for r in reports if r)


@pytest.mark.parametrize("width", [320, 1280])
def test_no_word_in_a_table_is_broken(
    site: Path, course: Course, new_page: Callable[..., Page], http_server: Serve, width: int
) -> None:
    page = new_page(width=width, height=800)
    base = http_server(site)
    for module in course.published_modules:
        page.goto(f"{base}/{module.page}")
        assert page.evaluate(BROKEN_WORDS) == [], (module.page, width)


def test_wide_content_scrolls_in_its_region_by_keyboard(
    site: Path, course: Course, new_page: Callable[..., Page], http_server: Serve
) -> None:
    page = new_page(width=320, height=640)
    base = http_server(site)
    scrolled = 0
    for module in course.published_modules:
        page.goto(f"{base}/{module.page}")
        regions = page.locator(".cs-body [role=region]")
        tables = page.locator(".cs-body table").count()
        code = page.locator(".cs-body pre").count()
        assert regions.count() == tables + code, module.page
        for region in regions.all():
            assert region.get_attribute("tabindex") == "0"
            assert re.match(r"(Table|Code) \d+", role_name(region, "region")), module.page
            if region.evaluate("e => e.scrollWidth > e.clientWidth"):
                region.focus()
                page.keyboard.press("ArrowRight")
                page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
                scrolled += 1
        assert not has_horizontal_scroll(page), module.page
    if course.id == "sql-201":
        assert scrolled >= 5  # its wide tables and long code lines


def test_callouts_are_named_with_their_kind(
    site: Path, course: Course, page: Page, http_server: Serve
) -> None:
    base = http_server(site)
    for module in course.published_modules:
        page.goto(f"{base}/{module.page}")
        expected = []
        for token in module.body.tokens:
            if token.type == "container_callout_open":
                kind, title = parse_callout_info(token.info)
                custom = title != CALLOUT_TITLES[kind]
                expected.append(f"{CALLOUT_LABELS[kind]}: {title}" if custom else title)
        names = [role_name(c, "note") for c in page.locator(".cs-body aside.cs-callout").all()]
        assert names == expected
        for callout in page.locator(".cs-body aside.cs-callout").all():
            kind = str(callout.get_attribute("class")).rpartition("--")[2]
            assert CALLOUT_LABELS[kind].lower() in role_name(callout, "note").lower()


def test_figures_show_their_image_and_caption(
    site: Path, course: Course, page: Page, http_server: Serve
) -> None:
    base = http_server(site)
    shown = 0
    for module in course.published_modules:
        tokens = list(module.body.tokens)
        captions = [
            tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "figcaption_open"
        ]
        page.goto(f"{base}/{module.page}", wait_until="load")
        figures = page.locator(".cs-body figure.cs-figure").all()
        assert len(figures) == len(captions), module.page
        for figure, caption in zip(figures, captions, strict=True):
            assert figure.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
            assert figure.locator("figcaption").inner_text() == caption
        shown += len(figures)
    if course.id == "sql-201":
        assert shown == 3  # a PNG and two SVGs


def test_landmarks_headings_and_language(
    site: Path, course: Course, page: Page, http_server: Serve
) -> None:
    base = http_server(site)
    for module in course.published_modules:
        page.goto(f"{base}/{module.page}")
        assert page.get_attribute("html", "lang") == course.spec.language
        for selector in ("header", "nav", "main", "article", "footer", "a.cs-skip"):
            assert page.locator(selector).count() >= 1, selector
        assert page.locator("h1").count() == 1
        levels = page.evaluate(
            "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
        )
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (module.page, levels)


def test_focus_is_visible(site: Path, page: Page) -> None:
    page.goto((site / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "cs-skip"
    assert focused[1] != "none" and focused[2] != "0px"


# --- callout kinds look different --------------------------------------------------------------

CALLOUT_LOOK = """() => [...document.querySelectorAll('aside.cs-callout')].map(a => {
  const s = getComputedStyle(a);
  const icon = getComputedStyle(a.querySelector('.cs-callout__title'), '::before');
  return [a.className, icon.content,
          [s.borderTopStyle, s.borderRightStyle, s.borderBottomStyle, s.borderLeftStyle,
           s.borderTopWidth, s.borderLeftWidth, s.borderTopRightRadius].join(' ')];
})"""


@pytest.mark.parametrize("media", ["screen light", "screen dark", "print light"])
def test_each_callout_kind_has_its_own_icon_and_border(
    make_course: MakeCourse, outputs: Build, new_page: Callable[..., Page], media: str
) -> None:
    body = "".join(f"\n::: {kind}\nA {kind}.\n:::\n" for kind in CALLOUT_TITLES)
    site = outputs(make_course(modules={"modules/one.md": MODULE_MD + body}))
    kind_of_media, scheme = media.split()
    page = new_page(color_scheme=scheme)
    page.emulate_media(media=kind_of_media)
    page.goto((site / "one.html").as_uri())
    looks = page.evaluate(CALLOUT_LOOK)
    assert [cls.rpartition("--")[2] for cls, _, _ in looks] == list(CALLOUT_TITLES)
    icons = [icon for _, icon, _ in looks]
    assert all(icon not in ("none", "normal", '""') for icon in icons), icons
    assert len(set(icons)) == len(icons)  # not colour alone: an icon of its own
    assert len({border for _, _, border in looks}) == len(looks)  # and a border of its own


# --- the reference course's own content -------------------------------------------------------


@pytest.fixture(scope="module")
def reference_site(outputs: Build) -> Path:
    return outputs(REFERENCE_COURSE)


def test_every_seed_sentence_is_visible_on_module_page(
    reference_site: Path, page: Page, http_server: Serve
) -> None:
    base = http_server(reference_site)
    page.goto(f"{base}/instrumental-convergence.html")
    text = visible_text(page)
    missing = [s for s in seed_sentences() if s not in text]
    assert missing == []


def test_opens_from_the_file_system(reference_site: Path, page: Page) -> None:
    page.goto((reference_site / "index.html").as_uri())
    page.click("text=Instrumental Convergence and Goal Misgeneralization")
    assert page.url.endswith("instrumental-convergence.html")
    assert page.evaluate("getComputedStyle(document.body).fontFamily")
    # The click returns once the new page commits; a broken image is complete too, with no width.
    page.wait_for_function("[...document.images].every(i => i.complete)")
    images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert images and all(w > 0 for w in images)
    assert page_errors(page) == []


def test_module_page_content(reference_site: Path) -> None:
    html = (reference_site / "instrumental-convergence.html").read_text()
    assert 'alt="Conceptual image of a human overseeing an AI system with safety controls"' in html
    assert re.search(r'data-relation="leads_to".*?instrumental convergence.*?→', html, re.S)
    assert re.search(r'data-relation="means".*?corrigibility.*?=', html, re.S)
    assert 'data-relation="statement"' in html
    assert "Up next · Module 2" in html
    assert 'href="alignment-techniques.html"' not in html  # coming soon: announced, not linked
    assert 'href="glossary.html"' in html


def test_home_lists_modules_with_status(reference_site: Path) -> None:
    html = (reference_site / "index.html").read_text()
    assert 'href="instrumental-convergence.html"' in html
    assert "Alignment Techniques and Research" in html
    assert "Coming soon" in html
