"""The course handout laid out in chapters, kept in a part store and joined into one PDF.

A dict-backed store stands in for the build's; WeasyPrint layouts are counted by wrapping the
exporter's own layout function. The joined PDF is compared with what WeasyPrint makes of the
same content as one document: same pages, text, outline and structure tree.
"""

from __future__ import annotations

import io
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

import coursec.executor
from conftest import COURSE_YML, COURSES, MakeCourse, write_course
from coursec.build import build
from coursec.diagnostics import Diagnostic, DiagnosticSink
from coursec.export import ExportContext
from coursec.exporters.pdf import PdfExporter, PdfOptions
from coursec.exporters.pdf import body as _pdf_body
from coursec.exporters.pdf import chapters as _pdf_chapters
from coursec.exporters.pdf import handout as _pdf_handout
from coursec.exporters.pdf import layout as _pdf_layout
from coursec.exporters.pdf.fetch import BuildFetcher, build_files
from coursec.exporters.pdf.handout import handout_html
from coursec.exporters.pdf.objects import OpenedAhead
from coursec.exporters.pdf.prepare import prepare
from coursec.loading import load_course
from coursec.options import BuildOptions
from coursec.render import render
from coursec.theme import default_theme_dir
from support.builds import Builds
from support.pdf import PAGINATION_ARTIFACT, join_bytes, outline

pytestmark = pytest.mark.pdf  # every test here lays a PDF out with WeasyPrint

EPOCH = "1700000000"
WORDS = "Widgets are small gadgets that people keep in drawers and forget about. "


class DictStore:
    """A part store in memory: what one build puts, the next one gets."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}
        self.put_keys: set[str] = set()

    def get(self, key: str, /) -> bytes | None:
        return self.kept.get(key)

    def put(self, key: str, data: bytes, /) -> None:
        self.kept[key] = data
        self.put_keys.add(key)


def module(n: int, paragraphs: int = 6, quiz: bool = False) -> str:
    body = "\n\n".join(f"{WORDS * 3} Paragraph {i} of module {n}." for i in range(paragraphs))
    questions = f"""\
quiz:
  questions:
    - id: q{n}
      type: true-false
      prompt: Widgets of module {n} are small?
      objectives: [know-{n}]
      answer: true
"""
    return f"""\
---
id: m{n}
title: Module number {n}
summary: All about chapter {n} of the widgets.
key_terms:
  - term: widget {n}
    means: gadget number {n}
objectives:
  - id: know-{n}
    text: Know widget {n}.
{questions if quiz else ""}---
## First section of {n}

{body}

## Second section of {n}

See [the first module](m1.md).

| Widget | Size |
| --- | --- |
| Small {n} | {n} |
"""


def four_modules() -> tuple[str, dict[str, str]]:
    """course.yml and the modules of a course of four, the second with a quiz."""
    listed = "".join(f"  - modules/m{n}.md\n" for n in range(1, 5))
    return (
        COURSE_YML.replace("  - modules/one.md\n", listed),
        {f"modules/m{n}.md": module(n, quiz=n == 2) for n in range(1, 5)},
    )


@pytest.fixture
def course(make_course: MakeCourse, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return make_course(*four_modules())


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first id in the body of every document WeasyPrint lays out ("draft:" and the id when
    it is laid out but not written; "numbers": the stamp)."""
    made: list[str] = []
    real = _pdf_layout.lay_out

    def counting(html: str, files: BuildFetcher, margins: _pdf_layout.Margins) -> Any:
        found = re.search(r'<body[^>]*>.*?\sid="([^"]+)"', html, re.S)
        made.append(found[1] if found else margins.value)
        return real(html, files, margins)

    def drafting(html: str, files: BuildFetcher) -> Any:
        found = re.search(r'<body[^>]*>.*?\sid="([^"]+)"', html, re.S)
        made.append(f"draft:{found[1] if found else ''}")
        return real_draft(html, files)

    real_draft = _pdf_layout.draft
    monkeypatch.setattr(_pdf_layout, "lay_out", counting)
    monkeypatch.setattr(_pdf_layout, "draft", drafting)
    return made


def export(
    course_dir: Path, out: Path, store: DictStore | None = None, **options: Any
) -> tuple[bytes, list[Diagnostic]]:
    loaded = load_course(course_dir)
    assert loaded.course is not None, loaded.diagnostics
    plan = render(loaded.course)
    sink = DiagnosticSink()
    ctx = ExportContext(
        out, PdfOptions(**options), sink, store if store is not None else DictStore()
    )
    PdfExporter().export(plan, ctx)
    return (out / f"{loaded.course.id}.pdf").read_bytes(), sink.items


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text()))


# --- reuse ---------------------------------------------------------------------------------


def test_editing_one_module_lays_out_only_that_module(
    course: Path, tmp_path: Path, layouts: list[str]
) -> None:
    store = DictStore()
    cold, _ = export(course, tmp_path / "a", store)
    # first a draft of the contents with what prints no page numbers; then what prints the
    # numbers of those pages; then the contents, with the stamp
    assert layouts == [
        *["draft:contents", "cover-title", "m1", "m2", "m3", "m4", "answer-key"],
        *["glossary", "objectives", "contents", "numbers"],
    ]
    layouts.clear()
    again, _ = export(course, tmp_path / "b", store)
    assert layouts == [] and again == cold
    edit(course / "modules" / "m3.md", lambda t: t.replace("Paragraph 2 of", "Paragraph II of"))
    store.put_keys.clear()
    warm, _ = export(course, tmp_path / "c", store)
    assert layouts == ["m3"]
    assert warm == export(course, tmp_path / "d")[0]  # the same bytes as from an empty store
    # every piece the handout is made of is put again (9 chapters, the draft, the stamp, the
    # module bodies as printed, the HTML of the 4 modules' chapters, of the contents and of the
    # 3 back-matter chapters); only the old layout and HTML of module 3 are left for the store
    # to drop
    assert len(store.put_keys) == 20 and len(set(store.kept) - store.put_keys) == 2
    assert b"Paragraph II of" not in warm  # text is in compressed content streams
    assert "Paragraph II of module 3" in " ".join(
        p.extract_text() for p in PdfReader(tmp_path / "c" / "demo.pdf").pages
    )


def test_the_objectives_index_and_answer_key_come_in_parts_each_laid_out_apart(
    make_course: MakeCourse, tmp_path: Path, layouts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part of the objectives index and of the answer key is a chapter of its own: the
    parts are laid out side by side with the rest, and an edited question lays out its module
    and its part of the key again, not the whole key. Each part starts a page, under the
    running header of its index or key."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(_pdf_handout, "OBJECTIVES_PER_PART", 2)
    monkeypatch.setattr(_pdf_handout, "ANSWERS_PER_PART", 2)
    listed = "".join(f"  - modules/m{n}.md\n" for n in range(1, 6))
    course = make_course(
        COURSE_YML.replace("  - modules/one.md\n", listed),
        {f"modules/m{n}.md": module(n, paragraphs=2, quiz=True) for n in range(1, 6)},
    )
    store = DictStore()
    export(course, tmp_path / "a", store)
    assert [m for m in layouts if m.startswith("obj")] == [
        "objectives",
        "objindex-m3",
        "objindex-m5",
    ]
    assert [m for m in layouts if m.startswith("answer")] == [
        *["answer-key", "answers-m3", "answers-m5"],
    ]
    layouts.clear()
    edit(
        course / "modules" / "m4.md", lambda t: t.replace("module 4 are small", "module 4 are tiny")
    )
    warm, _ = export(course, tmp_path / "b", store)
    assert layouts == ["m4", "answers-m3"]
    assert warm == export(course, tmp_path / "c")[0]  # the same bytes as from an empty store
    joined, single = joined_and_single_pdfs(course, tmp_path / "d")
    reader = PdfReader(joined)
    assert_like_one_document(reader, PdfReader(single))
    texts = [page.extract_text() for page in reader.pages]
    for title in ("Objectives index", "Answer key"):
        pages = [i for i, text in enumerate(texts) if f"DEMO 101 {title}" in text]  # its header
        assert pages == list(range(pages[0], pages[-1] + 1))
        starts = [i for i in pages if re.match(rf"{title}\n|Module [35]: ", texts[i])]
        assert len(starts) == 3 and starts[0] == pages[0]  # each part starts a page


def dates(pdf: bytes) -> list[str]:
    """The dates of the document information and of the XMP metadata."""
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        info = [str(opened.docinfo[key]) for key in ("/CreationDate", "/ModDate")]
        xmp = re.findall(
            r"<xmp:(?:Create|Modify)Date>([^<]*)<", opened.Root.Metadata.read_bytes().decode()
        )
    return info + xmp


def test_a_later_date_on_the_same_day_is_given_to_the_pdf_without_laying_the_cover_out(
    course: Path, tmp_path: Path, layouts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A course dated by its newest file changes date with each edit (EPOCH: 22:13:20 UTC)."""
    store = DictStore()
    first, _ = export(course, tmp_path / "a", store)
    assert dates(first) == [*["D:20231114221320Z"] * 2, *["2023-11-14T22:13:20Z"] * 2]
    layouts.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 3599))
    later, _ = export(course, tmp_path / "b", store)
    assert layouts == []
    assert dates(later) == [*["D:20231114231319Z"] * 2, *["2023-11-14T23:13:19Z"] * 2]
    assert later == export(course, tmp_path / "c")[0]  # as from an empty store
    layouts.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 7200))  # the next day
    export(course, tmp_path / "d", store)
    assert layouts == ["cover-title"]
    text = PdfReader(tmp_path / "d" / "demo.pdf").pages[0].extract_text()
    assert "November 15, 2023" in text


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each PDF the join takes, whether it was opened ahead (`objects.OpenedAhead`)."""
    found: list[bool] = []
    real = OpenedAhead.take

    def take(self: OpenedAhead, data: bytes) -> pikepdf.Pdf:
        found.append(id(data) in self._opened)
        return real(self, data)

    monkeypatch.setattr(OpenedAhead, "take", take)
    return found


def test_with_workers_an_edit_joins_the_chapters_opened_while_the_module_is_laid_out(
    course: Path, tmp_path: Path, taken: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coursec.executor, "START_METHOD", "fork")
    out = tmp_path / "out"

    def handout(folder: Path, jobs: int) -> bytes:
        result = build(course, BuildOptions(formats=("pdf",), out_dir=folder, jobs=jobs))
        assert result.ok, result.diagnostics
        assert result.workers == (2 if jobs == 2 else 0)
        return (folder / "demo.pdf").read_bytes()

    handout(out, jobs=2)
    assert taken and not any(taken)  # nothing was in the store
    taken.clear()
    edit(course / "modules" / "m3.md", lambda t: t.replace("Paragraph 2 of", "Paragraph II of"))
    real = _pdf_layout.lay_out

    def slow(*args: Any) -> Any:  # in the worker: time enough to open them, however busy
        time.sleep(1)
        return real(*args)

    monkeypatch.setattr(_pdf_layout, "lay_out", slow)
    warm = handout(out, jobs=2)
    # the cover, modules 1, 2 and 4 and the answer key; not module 3, nor the chapters that
    # print page numbers and the stamp (the store held them, but nothing was laid out beside)
    assert sum(taken) == 5 and len(taken) == 10
    assert warm == handout(tmp_path / "clean", jobs=1)


def test_the_join_is_told_how_many_objects_the_chapters_hold(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chapter's layout counts the objects of the chapter made ready to join, and the part
    store keeps the count with it: the join is given their sum, laid out or reused, and decides
    from it whether to write the handout as it is joined."""
    given: list[tuple[int, int]] = []
    real = _pdf_chapters.join

    def join(chapters: list[bytes], *args: Any, **kwargs: Any) -> None:
        counted = sum(len(pikepdf.Pdf.open(io.BytesIO(data)).objects) for data in chapters)
        given.append((args[6], counted))
        real(chapters, *args, **kwargs)

    monkeypatch.setattr(_pdf_chapters, "join", join)
    store = DictStore()
    first, _ = export(course, tmp_path / "a", store)
    again, _ = export(course, tmp_path / "b", store)
    assert first == again
    assert len(given) == 2 and given[0] == given[1] and given[0][0] == given[0][1] > 0


def test_a_longer_module_renumbers_what_follows(
    course: Path, tmp_path: Path, layouts: list[str]
) -> None:
    store = DictStore()
    export(course, tmp_path / "a", store)
    pages = len(PdfReader(tmp_path / "a" / "demo.pdf").pages)
    layouts.clear()
    edit(course / "modules" / "m2.md", lambda t: t + "\n" + f"\n\n{WORDS * 8}" * 12)
    warm, _ = export(course, tmp_path / "b", store)
    reader = PdfReader(tmp_path / "b" / "demo.pdf")
    assert len(reader.pages) > pages
    # the module, then the chapters that print page numbers, and the page numbers themselves;
    # the other modules, the cover and the answer key are reused
    assert sorted(layouts) == sorted(["m2", "glossary", "objectives", "contents", "numbers"])
    assert warm == export(course, tmp_path / "c")[0]
    texts = [page.extract_text() for page in reader.pages]
    m3 = next(page for _, title, page in outline(reader) if title == "Module number 3")
    contents = " ".join(texts[1:3])
    assert re.search(rf"Module number 3\W+{m3}\b", contents), contents
    total = len(texts)
    assert [bool(re.search(rf"Page {i} of {total}\b", t)) for i, t in enumerate(texts, 1)] == [
        False,
        *[True] * (total - 1),
    ]  # no number on the cover


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The id of every module whose body is prepared for print (`body.prepare_body`)."""
    made: list[str] = []
    real = _pdf_body.prepare_body

    def counting(plan: Any, rendered: Any, *args: Any) -> tuple[str, Any]:
        made.append(rendered.module.id)
        return real(plan, rendered, *args)

    monkeypatch.setattr(_pdf_body, "prepare_body", counting)
    return made


@pytest.mark.parametrize("review", [False, True])
def test_an_edit_prepares_only_the_bodies_it_changed(
    course: Path, tmp_path: Path, prepared: list[str], review: bool
) -> None:
    store = DictStore()
    export(course, tmp_path / "a", store, review=review)
    assert sorted(prepared) == ["m1", "m2", "m3", "m4"]
    prepared.clear()
    edit(course / "modules" / "m3.md", lambda t: t.replace("Paragraph 2 of", "Paragraph II of"))
    # the same body, a line further down its file: a reviewer's copy prints its lines
    edit(
        course / "modules" / "m4.md", lambda t: t.replace("---\n", "---\nduration_minutes: 5\n", 1)
    )
    warm, _ = export(course, tmp_path / "b", store, review=review)
    assert prepared == (["m3", "m4"] if review else ["m3"])
    assert warm == export(course, tmp_path / "c", review=review)[0]
    prepared.clear()
    # a body kept by another version, or spoilt: prepared again, to the same bytes
    for key in store.kept:
        if key.startswith('["coursec-print-body/'):
            store.kept[key] = b'{"[\\"m1\\"]": 3}'
    assert export(course, tmp_path / "d", store, review=review)[0] == warm
    assert sorted(prepared) == ["m1", "m2", "m3", "m4"]


@pytest.fixture
def module_chapters(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The module chapters whose HTML the print template renders."""
    made: list[str] = []
    real = _pdf_handout.render_handout

    def counting(plan: Any, printed: Any, **kwargs: Any) -> str:
        chapter = kwargs.get("chapter") or ""
        if chapter.startswith("module:"):
            made.append(chapter.removeprefix("module:"))
        return real(plan, printed, **kwargs)

    monkeypatch.setattr(_pdf_handout, "render_handout", counting)
    return made


@pytest.mark.parametrize("review", [False, True])
def test_a_module_chapter_is_rendered_again_only_when_what_it_shows_changed(
    course: Path, tmp_path: Path, module_chapters: list[str], review: bool
) -> None:
    store = DictStore()
    export(course, tmp_path / "cold", store, review=review)
    assert module_chapters == ["m1", "m2", "m3", "m4"]
    modules = course / "modules"
    steps: list[tuple[str, Callable[[], None], list[str]]] = [
        ("nothing", lambda: None, []),
        (
            "a body",
            lambda: edit(modules / "m3.md", lambda t: t.replace("Paragraph 2 of", "Para 2 of")),
            ["m3"],
        ),
        (  # the same values a line further down: a reviewer's copy prints the lines
            "lines",
            lambda: edit(modules / "m4.md", lambda t: t.replace("---\n", "---\n# note\n", 1)),
            ["m4"] if review else [],
        ),
        (  # module 2's chapter shows module 3's title and summary under "Up next"
            "a summary",
            lambda: edit(modules / "m3.md", lambda t: t.replace("All about", "Much about")),
            ["m1", "m2", "m3", "m4"],
        ),
    ]
    for n, (what, change, rendered) in enumerate(steps):
        change()
        module_chapters.clear()
        warm, _ = export(course, tmp_path / f"warm{n}", store, review=review)
        assert module_chapters == rendered, what
        assert warm == export(course, tmp_path / f"cold{n}", review=review)[0], what


@pytest.fixture
def index_drafts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The contents and back-matter chapters whose HTML the print template renders before any
    page number is known (their numbered renders come after, in every build)."""
    made: list[str] = []
    real = _pdf_handout.render_handout

    def counting(plan: Any, printed: Any, **kwargs: Any) -> str:
        chapter, pages = kwargs.get("chapter") or "", kwargs.get("pages")
        if chapter not in ("", "cover") and not chapter.startswith("module:") and pages == {}:
            made.append(chapter)
        return real(plan, printed, **kwargs)

    monkeypatch.setattr(_pdf_handout, "render_handout", counting)
    return made


def test_the_contents_and_back_matter_are_rendered_again_only_when_what_they_show_changed(
    course: Path, tmp_path: Path, index_drafts: list[str]
) -> None:
    store = DictStore()
    export(course, tmp_path / "cold", store)
    every = ["contents", "glossary", "objectives:1", "answers:1"]
    assert index_drafts == every
    modules = course / "modules"
    steps: list[tuple[str, Callable[[], None], list[str]]] = [
        ("nothing", lambda: None, []),
        (
            "a body",
            lambda: edit(modules / "m3.md", lambda t: t.replace("Paragraph 2 of", "Para 2 of")),
            [],
        ),
        (  # the contents and the objectives index print the headings
            "a heading",
            lambda: edit(modules / "m3.md", lambda t: t.replace("## Second", "## Later")),
            every,
        ),
        (
            "a key term",
            lambda: edit(modules / "m4.md", lambda t: t.replace("gadget number", "gizmo no.")),
            every,
        ),
        (  # the answer key prints the questions
            "a question",
            lambda: edit(modules / "m2.md", lambda t: t.replace("are small?", "are tiny?")),
            every,
        ),
    ]
    for n, (what, change, rendered) in enumerate(steps):
        change()
        index_drafts.clear()
        warm, _ = export(course, tmp_path / f"warm{n}", store)
        assert index_drafts == rendered, what
        assert warm == export(course, tmp_path / f"cold{n}")[0], what


def test_a_course_with_templates_of_its_own_renders_every_module_chapter(
    course: Path, tmp_path: Path, module_chapters: list[str]
) -> None:
    (course / "templates").mkdir()
    (course / "templates" / "_macros.html.j2").write_text(
        (default_theme_dir() / "_macros.html.j2")
        .read_text()
        .replace('<ul class="cs-terms">', '<p>Terms of this course</p><ul class="cs-terms">')
    )
    store = DictStore()
    export(course, tmp_path / "a", store)
    module_chapters.clear()
    again, _ = export(course, tmp_path / "b", store)
    assert module_chapters == ["m1", "m2", "m3", "m4"]  # nothing says what they print
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(again)).pages)
    assert text.count("Terms of this course") == 4  # the course's macro, in every module


def test_reused_parts_report_the_same_diagnostics(
    make_course: MakeCourse, tmp_path: Path, layouts: list[str]
) -> None:
    css = '@import url("/etc/theme.css");\nbody { frobnicate: 3 }\n'
    base = (Path(__file__).resolve().parents[2] / "templates" / "print" / "handout.css").read_text()
    underlined = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 20">'
        '<text y="15" text-decoration="underline">key</text></svg>'
    )
    one = "---\nid: one\ntitle: One\nsummary: S.\n---\n![A key](../assets/u.svg)\n"
    course_dir = make_course(
        modules={"modules/one.md": one},
        files={"templates/print/handout.css": css + base, "assets/u.svg": underlined},
    )
    store = DictStore()
    _, cold = export(course_dir, tmp_path / "a", store)
    codes = [(d.code, d.message) for d in cold]
    assert ("CS505", 'PDF: refused to load "https://coursec.invalid/etc/theme.css"') in codes
    assert any(code == "CS506" and "frobnicate" in message for code, message in codes)
    assert ("CS506", 'PDF: u.svg: text with text-decoration "underline" is printed without it') in (
        codes
    )
    layouts.clear()
    _, warm = export(course_dir, tmp_path / "b", store)
    assert layouts == []
    assert [(d.code, d.message) for d in warm] == codes


# --- the joined PDF against one WeasyPrint document ----------------------------------------


def structure(reader: PdfReader) -> list[tuple[str, int]]:
    """(tag, page) of every structure element in document order, checking the tree on the way.

    Every element's /P is its parent; every marked-content id drawn on a page maps, through the
    parent tree entry of that page, to the element that holds it; every link annotation's
    /StructParent maps to the Link element that holds its object reference.
    """
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    keys = [int(k) for k in nums[0::2]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    parent_tree = dict(zip(keys, list(nums)[1::2], strict=True))  # values unresolved
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    marked: dict[tuple[int, int], int] = {}
    holders: dict[int, int] = {}  # annotation -> Link element
    found: list[tuple[str, int]] = []

    def walk(ref: IndirectObject) -> None:
        node = ref.get_object()
        kids = node.raw_get("/K") if "/K" in node else []
        kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            held = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(held, DictionaryObject) and held.get("/Type") == "/OBJR":
                holders[held.raw_get("/Obj").idnum] = ref.idnum
            elif isinstance(kid, IndirectObject):
                child = kid.get_object()
                assert child.raw_get("/P").idnum == ref.idnum
                found.append((str(child["/S"]), pages[child.raw_get("/Pg").idnum]))
                walk(kid)
            else:
                marked[(pages[node.raw_get("/Pg").idnum], int(kid))] = ref.idnum

    [document] = tree["/K"] if isinstance(tree["/K"], ArrayObject) else [tree.raw_get("/K")]
    walk(document if isinstance(document, IndirectObject) else tree.raw_get("/K"))
    for i, page in enumerate(reader.pages):
        assert page["/StructParents"] == i
        drawn = page.get_contents().get_data()
        mcids = [int(m) for m in re.findall(rb"/MCID (\d+)", drawn)]
        entry = parent_tree[i].get_object()
        for mcid in mcids:  # all content is in the tree, but what the margin boxes draw
            assert entry[mcid].idnum == marked[(i, mcid)]
        if i:  # the running headers (the cover has none)
            assert PAGINATION_ARTIFACT.search(drawn), i
        for annotation in page.raw_get("/Annots").get_object() if "/Annots" in page else []:
            key = annotation.get_object()["/StructParent"]
            assert parent_tree[key].idnum == holders[annotation.idnum]
    return found


def elements(reader: PdfReader) -> list[Any]:
    """Every structure element, depth first."""
    found: list[Any] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            child = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(child, dict) and child.get("/Type") != "/OBJR":
                found.append(child)
                stack.append(child)
    return found


def joined_and_single_pdfs(course_dir: Path, folder: Path) -> tuple[Path, Path]:
    """The course handout joined from chapters, and laid out by WeasyPrint as one document."""
    export(course_dir, folder / "joined")
    plan = render(load_course(course_dir).course)  # type: ignore[arg-type]
    html = handout_html(plan, plan.modules, whole=True)
    laid = _pdf_layout.lay_out(html, BuildFetcher(build_files(plan)), _pdf_layout.Margins.ALL)
    single = folder / "single.pdf"
    single.write_bytes(laid.pdf)
    return folder / "joined" / f"{plan.course.id}.pdf", single


@pytest.fixture(scope="module")
def joined_and_single(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`joined_and_single_pdfs` of the course of four, made once for the tests that read them."""
    folder = tmp_path_factory.mktemp("joined-and-single")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return joined_and_single_pdfs(write_course(folder / "course", *four_modules()), folder)


def assert_like_one_document(joined: PdfReader, single: PdfReader) -> None:
    """Same pages (size and text), outline, metadata and PDF/UA identification."""
    assert len(joined.pages) == len(single.pages)
    for i, (a, b) in enumerate(zip(joined.pages, single.pages, strict=True)):
        assert a.mediabox == b.mediabox, i
        # a chapter cannot print the page of the answer key, which is laid out after it
        expected = re.sub(
            r"(answer key included in the appendix)(,\s+page)?\s+\d+", r"\1", b.extract_text()
        )
        assert a.extract_text() == expected, i
    assert outline(joined) == outline(single)
    assert {k: v for k, v in joined.metadata.items() if k != "/Producer"} == {  # type: ignore[union-attr]
        k: v
        for k, v in single.metadata.items()  # type: ignore[union-attr]
        if k != "/Producer"
    }
    root, one = joined.trailer["/Root"], single.trailer["/Root"]
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        assert root[key] == one[key]
    assert root["/Metadata"].get_data() == one["/Metadata"].get_data()
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_data()


def test_joined_pdf_has_the_pages_text_and_outline_of_one_document(
    joined_and_single: tuple[Path, Path],
) -> None:
    assert_like_one_document(*(PdfReader(p) for p in joined_and_single))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COURSES))
def test_every_course_joins_like_one_document(name: str, built: Builds) -> None:
    """Teaser pages, landscape pages and links between modules come through the chapters."""
    course = COURSES[name]
    loaded = load_course(course).course
    assert loaded is not None
    joined = built.handout(course, per_module=True) / f"{loaded.id}.pdf"
    assert_like_one_document(PdfReader(joined), PdfReader(built.one_document_pdf(course)))


def test_joined_pdf_has_one_structure_tree_like_one_document(
    joined_and_single: tuple[Path, Path],
) -> None:
    joined_path, single_path = joined_and_single
    joined = PdfReader(joined_path)
    # a chapter's bare spans (and links in links) are merged into their parents when it is
    # prepared: so are the document's, for the comparison; the quiz's reference to the answer
    # key has no page number in chapters, but its ::after is a Link in the Link, merged
    single = PdfReader(io.BytesIO(prepare(single_path.read_bytes(), "one document")))
    assert structure(joined) == structure(single)
    # table header ids, made from object numbers in each chapter, are unique in the whole
    heads = [e for e in elements(joined) if e.get("/S") == "/TH"]
    ids = [str(e["/ID"]) for e in heads]
    assert len(ids) == 8 and len(set(ids)) == 8  # two header cells in each of 4 modules
    cells = [e for e in elements(joined) if e.get("/S") == "/TD"]
    assert {str(h) for e in cells for h in e["/A"]["/Headers"]} == set(ids)
    # every internal link, within a chapter or across chapters, names a destination of the whole
    dests = set(joined.named_destinations)
    links = [a.get_object() for page in joined.pages for a in page.get("/Annots", [])]
    internal = [str(a["/Dest"]) for a in links if "/Dest" in a]
    assert internal and set(internal) <= dests
    assert "m1-title" in internal and "glossary" in internal  # across chapters
    assert not [a for a in links if "/A" in a and "coursec.invalid" in str(a["/A"]["/URI"])]


@pytest.mark.skipif(
    subprocess.run(["which", "pdffonts"], capture_output=True).returncode, reason="poppler"
)
def test_joined_pdf_embeds_one_program_per_font_like_one_document(
    joined_and_single: tuple[Path, Path],
) -> None:
    def fonts(path: Path) -> list[list[str]]:
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        return [row.split() for row in out.stdout.splitlines()[2:]]

    joined, single = joined_and_single
    rows = fonts(joined)
    assert rows and all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows)
    names = [row[0] for row in rows]
    assert len(set(names)) == len(names)  # a subset's name is its own
    assert {n.split("+", 1)[1] for n in names} == {r[0].split("+", 1)[1] for r in fonts(single)}
    programs, spaced = set(), Counter[str]()
    with pikepdf.open(joined) as pdf:  # every font the file holds
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type0":
                programs.add(font.DescendantFonts[0].FontDescriptor.FontFile2.objgen)
                if b"> <0020>" in font.ToUnicode.read_bytes():
                    spaced[str(font.BaseFont).split("+", 1)[1]] += 1
    assert len(programs) == len(rows)  # each font its own program
    # one subset of each font, shared by every chapter, as in one document (a subset that draws
    # no space keeps its own: text extraction takes the gaps between words from its widths)
    assert spaced and set(spaced.values()) == {1}
    assert joined.stat().st_size <= 1.2 * single.stat().st_size


def test_review_copy_joins_the_watermarked_pages(course: Path, tmp_path: Path) -> None:
    export(course, tmp_path / "r", review=True)
    reader = PdfReader(tmp_path / "r" / "demo.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Review copy" in text and "modules/m3.md:" in text
    total = len(reader.pages)
    assert f"Page {total} of {total}" in reader.pages[-1].extract_text()


# --- joining WeasyPrint's own PDFs ---------------------------------------------------------


def test_joining_is_deterministic_and_keeps_every_page(course: Path, tmp_path: Path) -> None:
    plan = render(load_course(course).course)  # type: ignore[arg-type]
    files = BuildFetcher(build_files(plan))
    one = _pdf_layout.lay_out(
        handout_html(plan, plan.modules[:1], whole=False), files, _pdf_layout.Margins.ALL
    )
    two = _pdf_layout.lay_out(
        handout_html(plan, plan.modules[1:2], whole=False), files, _pdf_layout.Margins.ALL
    )
    chapters = [prepare(one.pdf, "1" * 64), prepare(two.pdf, "2" * 64)]
    joined = join_bytes(chapters, [], b"0" * 32)
    assert joined == join_bytes(
        [prepare(one.pdf, "1" * 64), prepare(two.pdf, "2" * 64)], [], b"0" * 32
    )
    reader = PdfReader(io.BytesIO(joined))
    assert len(reader.pages) == len(one.page_names) + len(two.page_names)
    assert reader.trailer["/ID"][0] == "0" * 32
    assert [p.extract_text() for p in reader.pages] == [
        p.extract_text() for r in (one, two) for p in PdfReader(io.BytesIO(r.pdf)).pages
    ]
