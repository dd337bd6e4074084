"""Courses in other languages: the interface text of every shipped language (no English left),
the `lang` and `dir` of pages and articles, a module in another language than its course, the
languages a SCORM manifest lists, and an Arabic site in the browser (right to left, mirrored,
the quiz runtime in Arabic, axe clean)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html
from playwright.sync_api import Page

from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.i18n import SHIPPED
from coursec.options import BuildOptions
from support import settings
from support.browser import axe_violations, format_violations, page_errors
from support.languages import DATA, course_in, english_fragments


def build_course(course: Path, out: Path, fmt: str, packaging: Packaging | None = None) -> Path:
    options = BuildOptions(formats=(fmt,), out_dir=out, settings=settings.scorm(packaging))
    result = build(course, options)
    assert result.ok, result.diagnostics
    if fmt == "html":
        return out / "html"
    with zipfile.ZipFile(out / f"{course.name}-{fmt}.zip") as zf:
        zf.extractall(out / "pkg")
    return out / "pkg"


def shown_text(page: Path) -> str:
    """What a reader meets on a page: its text, the names and hints in attributes, and the
    messages its scripts show (the JSON the page gives them)."""
    root = lxml_html.parse(str(page)).getroot()
    parts = []
    for script in root.xpath("//script[@type='application/json']"):
        data = json.loads(script.text_content())
        messages = data.get("text", {}) if script.get("class") == "cs-quiz-data" else data
        if script.get("id") in ("coursec-text",) or script.get("class") == "cs-quiz-data":
            parts += [
                json.dumps(v, ensure_ascii=False) for k, v in messages.items() if k != "plural"
            ]
    for script in root.xpath("//script"):
        script.getparent().remove(script)
    parts.append(root.text_content())
    for element in root.iter():
        parts += [element.get(a) or "" for a in ("aria-label", "title", "alt", "placeholder")]
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("locale", [s for s in SHIPPED if s != "en"])
def test_no_english_interface_text_is_left_in_another_language(tmp_path: Path, locale: str) -> None:
    tag = locale.replace("_", "-")
    course = course_in(tmp_path, tag, ["alpha"])
    pages = [
        build_course(course, tmp_path / "site", "html"),
        build_course(course, tmp_path / "lms", "scorm12"),
    ]
    texts = {p: shown_text(p) for folder in pages for p in sorted(folder.glob("*.html"))}
    assert len(texts) >= 5
    fragments = english_fragments(locale)
    assert len(fragments) > 50
    left = sorted(
        f"{page.parent.name}/{page.name}: {fragment!r} (of {message!r})"
        for page, text in texts.items()
        for message, fragment in fragments
        if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text)
    )
    assert not left, "\n".join(left)
    index = lxml_html.parse(str(pages[0] / "index.html")).getroot()
    assert index.get("lang") == tag
    assert index.get("dir") == ("rtl" if locale == "ar" else "ltr")


def package_text(document: Path) -> str:
    """The text a package's XML file gives the LMS to show: its element text (the HTML of a
    QTI `mattext` as the text it shows) and its titles."""
    parts = []
    for element in etree.parse(str(document)).iter():
        if not isinstance(element.tag, str):
            continue
        text = element.text or ""
        if element.get("texttype") == "text/html" and text.strip():
            text = lxml_html.fromstring(text).text_content()
        parts += [text, element.get("title") or ""]
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("locale", [s for s in SHIPPED if s != "en"])
def test_no_english_interface_text_is_left_in_the_cmi5_package_and_the_cartridge(
    tmp_path: Path, locale: str
) -> None:
    """The cmi5 AU pages (with the cmi5 runtime's messages) and cmi5.xml; the cartridge's
    pages, its manifest and its QTI quizzes (their titles, pass mark, true/false choices)."""
    course = course_in(tmp_path, locale.replace("_", "-"), ["alpha"])
    out = tmp_path / "dist"
    result = build(course, BuildOptions(formats=("cmi5", "imscc"), out_dir=out))
    assert result.ok, result.diagnostics
    texts: dict[str, str] = {}
    for name, fmt in (("multilingual-cmi5.zip", "cmi5"), ("multilingual.imscc", "imscc")):
        with zipfile.ZipFile(out / name) as zf:
            zf.extractall(out / fmt)
        for path in sorted((out / fmt).rglob("*")):
            where = f"{fmt}/{path.relative_to(out / fmt)}"
            if path.suffix == ".html":
                texts[where] = shown_text(path)
            elif path.suffix == ".xml":
                texts[where] = package_text(path)
    # what the check below must cover: the runtimes' messages, a quiz with a true/false question
    au = lxml_html.parse(str(out / "cmi5" / "alpha.html")).getroot()
    blob = json.loads(au.get_element_by_id("coursec-text").text_content())
    assert {"cmi5Exit", "cmi5Reused"} <= set(blob)
    quiz = etree.parse(str(out / "imscc" / "assessments" / "alpha.xml"))
    assert quiz.xpath("//*[local-name()='rubric']") and quiz.xpath("//*[@ident='true']")
    assert {"cmi5/cmi5.xml", "imscc/imsmanifest.xml", "imscc/assessments/alpha.xml"} <= set(texts)
    left = sorted(
        f"{where}: {fragment!r} (of {message!r})"
        for where, text in texts.items()
        for message, fragment in english_fragments(locale)
        if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text)
    )
    assert not left, "\n".join(left)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The multilingual course (English, with French, Arabic and Japanese modules): its site and
    its single-SCO SCORM 2004 package."""
    out = tmp_path_factory.mktemp("multilingual")
    return {
        "html": build_course(DATA, out / "site", "html"),
        "scorm2004": build_course(DATA, out / "lms", "scorm2004", Packaging.SINGLE_SCO),
    }


@pytest.mark.parametrize(
    ("page", "lang", "direction"),
    [("alpha", "en", "ltr"), ("beta", "fr", "ltr"), ("gamma", "ar", "rtl"), ("delta", "ja", "ltr")],
)
def test_a_module_page_is_in_the_module_language(
    mixed: dict[str, Path], page: str, lang: str, direction: str
) -> None:
    root = lxml_html.parse(str(mixed["html"] / f"{page}.html")).getroot()
    assert (root.get("lang"), root.get("dir")) == (lang, direction)
    terms = root.xpath("//h2[contains(@id, '-objectives')]")[0].text_content()
    wanted = {
        "en": "Learning objectives",
        "fr": "Objectifs d\u2019apprentissage",
        "ar": "أهداف التعلّم",
        "ja": "学習目標",
    }[lang]
    assert terms == wanted
    # the course's own text on the page stays marked as the course's language
    if lang != "en":
        assert root.xpath("//header[@class='cs-header']/@lang") == ["en"]


def test_a_french_module_in_an_english_course_is_announced_as_french(
    mixed: dict[str, Path],
) -> None:
    page = lxml_html.parse(str(mixed["scorm2004"] / "course.html")).getroot()
    assert page.get("lang") == "en"
    articles = {a.get("data-coursec-module"): a for a in page.xpath("//article")}
    assert articles["beta"].get("lang") == "fr"
    assert articles["gamma"].get("lang") == "ar" and articles["gamma"].get("dir") == "rtl"
    assert articles["alpha"].get("lang") is None  # the page's language
    # its interface text is French, its callout titles too
    beta = articles["beta"]
    assert "Notions clés" in beta.text_content()
    assert "Astuce" in beta.text_content()
    index = lxml_html.parse(str(mixed["html"] / "index.html")).getroot()
    card = index.xpath("//li[.//a[@href='beta.html']]")[0]
    assert card.get("lang") == "fr"


def test_the_manifest_lists_the_languages_of_the_course(mixed: dict[str, Path]) -> None:
    manifest = etree.parse(str(mixed["scorm2004"] / "imsmanifest.xml"))
    general = manifest.xpath("//*[local-name()='general']/*[local-name()='language']/text()")
    assert general == ["en", "fr", "ar", "ja"]


def test_the_stylesheets_name_no_physical_side() -> None:
    static = Path(__file__).resolve().parents[2] / "templates" / "static"
    for sheet in sorted(static.glob("*.css")):
        css = sheet.read_text(encoding="utf-8")
        assert not re.search(r"\b(left|right)\b", css), sheet.name


@pytest.fixture(scope="module")
def arabic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("arabic")
    course = course_in(tmp, "ar", ["alpha", "gamma"])
    result = build(course, BuildOptions(formats=("html",), out_dir=tmp / "dist"))
    assert result.ok, result.diagnostics
    return tmp / "dist" / "html"


@pytest.mark.parametrize("name", ["index", "alpha", "gamma", "glossary", "objectives"])
def test_an_arabic_page_is_right_to_left_and_axe_clean(
    page: Page, http_server: Callable[[Path], str], arabic_site: Path, name: str
) -> None:
    page.goto(f"{http_server(arabic_site)}/{name}.html")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page_errors(page) == []


def test_the_layout_mirrors(
    page: Page, http_server: Callable[[Path], str], arabic_site: Path
) -> None:
    page.goto(f"{http_server(arabic_site)}/alpha.html")
    callout = page.locator(".cs-callout").first
    widths = callout.evaluate(
        "e => [parseFloat(getComputedStyle(e).borderRightWidth),"
        " parseFloat(getComputedStyle(e).borderLeftWidth)]"
    )
    assert widths[0] > widths[1]  # the rule is on the reading side: the right
    page.goto(f"{http_server(arabic_site)}/gamma.html")
    main = page.locator("main").bounding_box()
    back = page.locator(".cs-pager__prev").bounding_box()
    assert main and back
    # the link back to the previous module leads the pager: on the right, where lines start
    right_gap = (main["x"] + main["width"]) - (back["x"] + back["width"])
    assert right_gap < back["x"] - main["x"]


def test_the_quiz_runtime_speaks_arabic(
    page: Page, http_server: Callable[[Path], str], arabic_site: Path
) -> None:
    page.goto(f"{http_server(arabic_site)}/alpha.html")
    quiz = page.locator(".cs-quiz")
    assert "السؤال 1 من 5" in quiz.locator(".cs-question__number").first.inner_text()
    quiz.locator(".cs-quiz__check").click()  # nothing answered: nothing counted
    assert "أجب عن سؤال واحد على الأقل" in quiz.locator(".cs-quiz__result").inner_text()
    quiz.locator("input[type=radio]").first.check()
    quiz.locator(".cs-quiz__check").click()
    result = quiz.locator(".cs-quiz__result").inner_text()
    assert "نتيجتك" in result
    assert "محاولة" in result  # one attempt left, in Arabic
    assert page_errors(page) == []
