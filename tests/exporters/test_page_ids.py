"""Every page of every output, for every course: no id twice, and every in-page reference
(`#fragment` links, `aria-labelledby`, `for` ...) lands on an element of that page.

Pages: the HTML site, the SCORM pages of both editions in both packagings (the single-SCO page
holds every module), and the PDF handout's HTML (the whole course, and each module alone).
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html
from lxml.etree import _Element

from coursec.build import build
from coursec.exporters.pdf.handout import handout_html
from coursec.exporters.scorm import Packaging
from coursec.loading import load_course
from coursec.options import BuildOptions
from coursec.render import render
from support import settings

IDREF_ATTRIBUTES = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "for")
FOOTNOTE_LINKS = "//sup[@class='footnote-ref']/a | //a[@class='footnote-backref']"


def problems(page: str) -> list[str]:
    """What is wrong with the ids of one HTML page."""
    root = lxml_html.document_fromstring(page)
    ids = Counter(str(e.get("id")) for e in root.iter() if e.get("id") is not None)
    found = [f'id "{i}" is used {n} times' for i, n in sorted(ids.items()) if n > 1]
    for element in root.iter():
        href = element.get("href") if element.tag == "a" else None
        if href is not None and href.startswith("#") and href[1:] not in ids:
            found.append(f"link to missing #{href[1:]}")
        for attribute in IDREF_ATTRIBUTES:
            for ref in (element.get(attribute) or "").split():
                if ref not in ids:
                    found.append(f'{attribute}="{ref}" names no element')
    for link in root.xpath(FOOTNOTE_LINKS):
        target = root.get_element_by_id(link.get("href", "#")[1:], None)
        if target is not None and _module_of(target) is not _module_of(link):
            found.append(f"footnote link {link.get('href')} leads into another module")
    return found


def _module_of(element: _Element) -> _Element | None:
    return next(iter(element.iterancestors("article")), None)


def assert_pages_are_sound(pages: dict[str, str]) -> None:
    assert pages
    report = {name: found for name, page in pages.items() if (found := problems(page))}
    assert report == {}


def test_site_pages(course_dir: Path, tmp_path: Path) -> None:
    result = build(course_dir, BuildOptions(formats=("html",), out_dir=tmp_path))
    assert result.ok, result.diagnostics
    site = tmp_path / "html"
    assert_pages_are_sound({p.name: p.read_text(encoding="utf-8") for p in site.glob("*.html")})


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004"])
@pytest.mark.parametrize("packaging", list(Packaging), ids=[p.value for p in Packaging])
def test_scorm_pages(course_dir: Path, tmp_path: Path, fmt: str, packaging: Packaging) -> None:
    options = BuildOptions(formats=(fmt,), out_dir=tmp_path, settings=settings.scorm(packaging))
    result = build(course_dir, options)
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(tmp_path / f"{course_dir.name}-{fmt}.zip") as zf:
        pages = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".html")}
    if packaging is Packaging.SINGLE_SCO:
        assert list(pages) == ["course.html"]
    assert_pages_are_sound(pages)


def test_handout_html(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    plan = render(course)
    pages = {
        "course handout": handout_html(plan, plan.modules, whole=True),
        "review copy": handout_html(plan, plan.modules, whole=True, review=True),
    }
    for rendered in plan.modules:
        pages[rendered.module.id] = handout_html(plan, [rendered], whole=False)
    assert_pages_are_sound(pages)


def test_the_check_finds_what_it_looks_for() -> None:
    page = """<html><body>
    <article><p id="a">x</p><sup class="footnote-ref"><a href="#m2--fn1">[1]</a></sup></article>
    <article><p id="a">y</p><li id="m2--fn1">note</li>
      <label for="nothing">l</label><a href="#gone">g</a><div aria-labelledby="a b">z</div>
    </article></body></html>"""
    assert problems(page) == [
        'id "a" is used 2 times',
        'for="nothing" names no element',
        "link to missing #gone",
        'aria-labelledby="b" names no element',
        "footnote link #m2--fn1 leads into another module",
    ]
