"""The PDF handout: content, layout facts, PDF quality, review mode and the resource fence.

PDFs are read back with pypdf (text, outline, metadata, structure) and poppler's pdftotext and
pdffonts. Expected text comes from the course sources through `coursec.loading.load_course`.
"""

from __future__ import annotations

import http.server
import io
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image
from pypdf import PdfReader

from conftest import COURSE_YML, COURSES, REFERENCE_COURSE, MakeCourse, write_course
from coursec.build import BuildResult, build
from coursec.diagnostics import Diagnostic
from coursec.exporters.pdf.body import prepare_body
from coursec.exporters.pdf.fetch import ORIGIN, BuildFetcher, RefusedURL, build_files
from coursec.exporters.pdf.handout import (
    handout_chapters,
    handout_html,
    print_course,
    print_question,
)
from coursec.inline import InlineMarkdown
from coursec.loading import load_course
from coursec.model import Course, Module
from coursec.options import BuildOptions
from coursec.questions import question_view
from coursec.quiz import quiz_view
from coursec.render import render
from coursec.schema import Question
from support import settings
from support.builds import EPOCH, Builds
from support.pdf import PAGINATION_ARTIFACT, loose_marked_content, outline

pytestmark = pytest.mark.pdf  # every test here lays a PDF out with WeasyPrint

POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="needs poppler-utils"
)

# --- helpers ---------------------------------------------------------------------------------


def build_pdf(course_dir: Path, out: Path, **options: bool) -> BuildResult:
    result = build(
        course_dir, BuildOptions(formats=("pdf",), out_dir=out, settings=settings.pdf(**options))
    )
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first), "-l", str(last if last is not None else first)]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True, timeout=60)
    return out.stdout.decode()


def page_texts(pdf: Path) -> list[str]:
    """Each page's text in reading order (pdftotext separates pages with form feeds)."""
    return pdftotext(pdf).split("\f")[: len(PdfReader(pdf).pages)]


def flat(text: str) -> str:
    """Text with list bullets dropped and all white space as single spaces."""
    return " ".join(text.replace("•", " ").split())


def body_text(pdf: Path, running: set[str]) -> str:
    """The document's running text: running headers and "Page X of Y" footers taken out."""
    kept = []
    for page in page_texts(pdf):
        lines = [ln for ln in page.splitlines() if ln.strip() not in running]
        kept += [ln for ln in lines if not re.fullmatch(r"\s*Page \d+ of \d+\s*", ln)]
    return flat("\n".join(kept))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+", " ".join(text.split())) if s]


def watermarked_pages(pdf: Path, folder: Path) -> list[bool]:
    """Whether each page shows the DRAFT watermark: light red pixels, drawn behind the text.

    The watermark is a page background (tagged as an artifact, so it is not chapter of the text a
    screen reader or pdftotext reads); it is found on the rendered page instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "20", str(pdf), str(folder / "p")], check=True, timeout=120
    )
    found = []
    for png in sorted(folder.glob("p-*.png"), key=lambda f: int(f.stem.split("-")[1])):
        image = Image.open(png).convert("RGB")
        tinted = sum(
            count
            for count, (r, g, b) in image.getcolors(1 << 20) or []
            if r > 235 and 200 < g < r - 10 and abs(g - b) < 8
        )
        found.append(tinted > 200)
    return found


def warnings(result: BuildResult, code: str = "CS505") -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


@dataclass
class Recorder:
    """A local HTTP server that records every request it gets."""

    url: str
    requests: list[str]


@pytest.fixture
def http_recorder() -> Iterator[Recorder]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png_bytes(4, 4))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Recorder(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


# Every file opened in this process is checked against WATCHED (audit hooks cannot be removed,
# so the hook stays cheap: one set lookup).
WATCHED: set[str] = set()
OPENED: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | Path) and str(args[0]) in WATCHED:
        OPENED.append(str(args[0]))


sys.addaudithook(_audit)


def png_bytes(width: int, height: int, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 100" width="400" height="100">'
    '<rect width="400" height="100" fill="#12a05a"/></svg>'
)

RICH_COURSE = COURSE_YML.replace(
    "  - modules/one.md\n", "  - modules/one.md\n  - modules/two.md\n  - modules/three.md\n"
)

RICH_ONE = """\
---
id: one
title: Widgets in depth
summary: Everything about widgets.
hero:
  src: ../assets/banner.svg
  alt: A green banner
  caption: The widget banner
key_terms:
  - term: widget
    means: a small gadget
  - term: gadget
    leads_to: more widgets
  - statement: widgets are fun
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
    sections: [widgets-and-gadgets]
quiz:
  questions:
    - id: widget-kind
      type: single-choice
      prompt: What is a widget?
      objectives: [explain-widgets]
      choices:
        - text: A small gadget.
          correct: true
        - text: A large lorry.
          feedback: Lorries are not widgets.
    - id: widget-order
      type: ordering
      prompt: Order the widget steps.
      objectives: [explain-widgets]
      items: [Alpha, Bravo, Charlie]
---
Widgets open the module.

## Widgets and gadgets

Widgets and gadgets are explained here, see [the next module](two.md#more-gadgets) and
[the teaser](three.md), the [manual](../assets/manual.txt) and [the web](https://example.org/widgets).
A footnote follows.[^1]

![A very wide picture](../assets/wide.png)

```python
def widget(x):
    \"\"\"Make a widget,
    carefully.\"\"\"
    return x + 1
```

| Widget | Size |
| --- | --- |
| Small | 1 |
| Large | 1000000000000000000000000000000000000000000000000000000000000000000000000 |

::: warning Careful
Widgets bite.
:::

### Subsection of widgets

Deeper widget facts.

[^1]: The footnote text.
"""

RICH_TWO = """\
---
id: two
title: Gadgets
summary: All about gadgets.
objectives:
  - id: list-gadgets
    text: List gadgets.
---
## More gadgets

Gadgets are listed here.
"""

RICH_THREE = """\
---
id: three
title: Future widgets
summary: Widgets of tomorrow, coming soon.
status: coming-soon
---
"""

RICH_FILES: dict[str, str | bytes] = {
    "assets/banner.svg": SVG,
    "assets/wide.png": png_bytes(3000, 300),
    "assets/manual.txt": "read me",
}


RICH_MODULES = {
    "modules/one.md": RICH_ONE,
    "modules/two.md": RICH_TWO,
    "modules/three.md": RICH_THREE,
}


@pytest.fixture
def rich_course(make_course: MakeCourse) -> Path:
    return make_course(course=RICH_COURSE, modules=RICH_MODULES, files=RICH_FILES)


@dataclass(frozen=True)
class Handout:
    course: Path
    result: BuildResult
    pdf: Path


@pytest.fixture(scope="module")
def rich_handout(tmp_path_factory: pytest.TempPathFactory) -> Handout:
    """The rich course's handout as built by default, once for the tests that only read it."""
    root = tmp_path_factory.mktemp("rich")
    course = write_course(root / "course", RICH_COURSE, RICH_MODULES, RICH_FILES)
    result = build_pdf(course, root / "dist")
    return Handout(course, result, root / "dist" / "demo.pdf")


# --- the resource fence, without rendering -----------------------------------------------


def test_fetcher_serves_the_builds_own_files(rich_course: Path) -> None:
    plan = render(load_course(rich_course).course)  # type: ignore[arg-type]
    files = build_files(plan)
    assert {"media/assets/banner.svg", "media/assets/wide.png", "media/assets/manual.txt"} <= set(
        files
    )
    assert {"static/course.css", "static/highlight.css", "print/handout.css"} <= set(files)
    assert not any(name.endswith(".j2") for name in files)
    fetcher = BuildFetcher(files)
    data, mime = fetcher.resolve(ORIGIN + "media/assets/banner.svg")
    assert (data.decode(), mime) == (SVG, "image/svg+xml")
    assert fetcher.resolve(ORIGIN + "print/handout.css")[1] == "text/css"
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/style.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.org/x.png",
        ORIGIN + "etc/passwd",
        ORIGIN + "media/../../etc/passwd",
        ORIGIN + "media/%2e%2e/%2e%2e/etc/passwd",
        ORIGIN + "media/assets/wide.png?x=1",
        "https://coursec.invalid:8443/media/assets/wide.png",
        "https://user@coursec.invalid/media/assets/wide.png",
        ORIGIN + "templates/print/handout.html.j2",
    ],
)
def test_fetcher_refuses_everything_else(url: str) -> None:
    fetcher = BuildFetcher({"media/assets/wide.png": b"png"})
    with pytest.raises(RefusedURL):
        fetcher(url)
    assert fetcher.refused == [url]


def test_only_a_courses_own_print_template_is_read_for_its_chapters(
    make_course: MakeCourse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coursec's own print template lays the handout out in chapters: it is not parsed again
    to find that out (0.05 s a build). A course's own template is: one that renders no
    chapter is laid out as one document."""
    plan = render(load_course(make_course()).course)  # type: ignore[arg-type]
    printed = print_course(plan, plan.modules, whole=True)

    def parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("coursec's own print template was parsed")

    with monkeypatch.context() as patched:
        patched.setattr(plan.theme.env, "parse", parse)
        chapters = handout_chapters(plan, printed)
    assert chapters is not None and chapters[0].name == "cover"
    whole = "<html><body>{% for m in modules %}{{ m.module.title }}{% endfor %}</body></html>"
    own = make_course(files={"templates/print/handout.html.j2": whole})
    plan = render(load_course(own).course)  # type: ignore[arg-type]
    assert handout_chapters(plan, print_course(plan, plan.modules, whole=True)) is None


def test_a_print_template_of_a_courses_own_from_before_the_parts_prints_index_and_key_whole(
    tmp_path: Path,
) -> None:
    """coursec's own print template has the objectives index and the answer key in parts, each
    a chapter; a course's own template that renders chapters but not the parts
    (`objective_parts`, `answer_parts`) has each laid out as one chapter, as it was written."""
    course = shutil.copytree(REFERENCE_COURSE, tmp_path / "course")
    plan = render(load_course(course).course)  # type: ignore[arg-type]
    chapters = handout_chapters(plan, print_course(plan, plan.modules, whole=True)) or []
    assert [c.name for c in chapters][-3:] == ["glossary", "objectives:1", "answers:1"]
    template = course / "templates" / "print" / "handout.html.j2"
    template.parent.mkdir(parents=True)
    template.write_text(
        "<html><body>{% for a in articles %}{{ a.module.title }}{% endfor %}"
        "{{ objective_index | length }} {{ quizzes | length }}</body></html>"
    )
    plan = render(load_course(course).course)  # type: ignore[arg-type]
    chapters = handout_chapters(plan, print_course(plan, plan.modules, whole=True)) or []
    assert [c.name for c in chapters][-3:] == ["glossary", "objectives", "answers"]
    assert [c.numbered for c in chapters][-3:] == [True, True, False]


def test_theme_files_that_link_outside_are_not_served(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    course = make_course()
    for folder in ("print", "static"):
        (course / "templates" / folder).mkdir(parents=True)
        (course / "templates" / folder / "leak.css").symlink_to(secret)
    (course / "templates" / "print" / "own.css").write_text("p { margin: 0 }")
    files = build_files(render(load_course(course).course))  # type: ignore[arg-type]
    assert "print/own.css" in files
    assert "print/leak.css" not in files and "static/leak.css" not in files


def test_exporter_module_does_not_import_weasyprint() -> None:
    code = "import sys, coursec.cli, coursec.exporters.pdf; print('weasyprint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- module bodies adapted to one document -----------------------------------------------


def test_body_links_ids_and_review_notes(rich_course: Path) -> None:
    course = load_course(rich_course).course
    assert course is not None
    plan = render(course)
    one, two = plan.modules
    in_pdf = {m.page: m for m in (one.module, two.module)}
    html, headings = prepare_body(plan, one, in_pdf, whole_course=True, review=False)
    assert 'href="#two-more-gadgets"' in html  # a link to another module stays inside the PDF
    assert "three.html" not in html and "index.html" not in html  # the teaser has no page
    assert 'data-file="assets/manual.txt"' in html and "media/assets/manual.txt" not in html
    assert re.search(r'<a href="https://example.org/widgets" class="cs-external">', html)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert ids and all(i.startswith("one-") for i in ids), ids  # footnote ids are module-scoped
    assert all(f'href="#{ref}"' in html for ref in re.findall(r'href="#(one--[^"]+)"', html))
    assert [(h.id, h.text) for h in headings] == [
        ("one-widgets-and-gadgets", "Widgets and gadgets")
    ]

    alone, _ = prepare_body(plan, one, {one.module.page: one.module}, False, True)
    assert "two.html" not in alone and 'href="#two-' not in alone  # not in a one-module PDF
    module = one.module
    for section in module.sections:
        assert f">modules/one.md:{module.line_of(section.line)}</span>" in alone
    first_code_line = next(
        n for n, ln in enumerate(module.path.read_text().splitlines(), 1) if ln.startswith("def ")
    )
    assert f"counter-reset: cs-line {first_code_line - 1}" in alone
    assert alone.count('class="cs-line"') == 4


def test_questions_never_print_their_answer_as_the_layout() -> None:
    ordering = Question.model_validate(
        {"id": "o", "type": "ordering", "prompt": "Order", "objectives": ["x"], "items": ["a", "b"]}
    )
    printed = print_question(question_view(ordering, "m__quiz", 1, InlineMarkdown()))
    assert [text for _, text in printed.options] == ["b", "a"]
    assert printed.answer == ("b. a", "a. b")
    matching = Question.model_validate(
        {
            "id": "m",
            "type": "matching",
            "prompt": "Match",
            "objectives": ["x"],
            "pairs": [{"left": "one", "right": "A"}, {"left": "two", "right": "B"}],
        }
    )
    printed = print_question(question_view(matching, "m__quiz", 2, InlineMarkdown()))
    assert [text for _, text in printed.options] == ["B", "A"]
    assert printed.answer == ("1. one → b. A", "2. two → a. B")


# --- small courses through the public pipeline -------------------------------------------


@POPPLER
def test_rich_course_handout(rich_handout: Handout) -> None:
    result = rich_handout.result
    assert [str(a.path) for a in result.artifacts] == ["demo.pdf"]
    assert warnings(result) == [] and warnings(result, "CS506") == []
    pdf = rich_handout.pdf
    reader = PdfReader(pdf)
    text = flat(pdftotext(pdf))
    for expected in (
        "Widgets and gadgets are explained here",
        "Gadgets are listed here.",
        "Up next · Module 3 Future widgets Widgets of tomorrow, coming soon. Coming soon",
        "widget = a small gadget",
        "gadget → more widgets",
        "widgets are fun",
        "The footnote text.",
        "Widgets bite.",
        "the manual [file: assets/manual.txt]",
        "(https://example.org/widgets)",
        "Answer a. A small gadget.",
    ):
        assert expected in text, expected
    assert "Module 3 Future widgets Coming soon" in flat(pdftotext(pdf, 2))  # in the contents
    # the coming-soon module has a teaser page, which "Up next" links to and a bookmark names
    teaser = reader.get_destination_page_number(reader.named_destinations["three-title"]) + 1
    assert "Widgets of tomorrow, coming soon." in flat(pdftotext(pdf, teaser))
    assert (0, "Future widgets (coming soon)", teaser) in outline(reader)
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert "three-title" in {str(a.get("/Dest")) for a in links}
    # the wide image is scaled down to the text block (A4 less two 20 mm margins)
    widths: list[float] = []

    def visit(op: bytes, args: Any, cm: list[float], tm: list[float]) -> None:
        if op == b"Do":
            widths.append(cm[0])

    for page in reader.pages:
        page.extract_text(visitor_operand_before=visit)
    text_block = (210 - 40) / 25.4 * 72
    assert widths and max(widths) <= text_block + 0.5
    assert any(w > text_block - 2 for w in widths)


@POPPLER
def test_svg_images_are_drawn(rich_handout: Handout, tmp_path: Path) -> None:
    prefix = tmp_path / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "30",
            "-f",
            "3",
            "-l",
            "3",
            str(rich_handout.pdf),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(1 << 20) or []}
    assert any(
        abs(r - 0x12) < 12 and abs(g - 0xA0) < 12 and abs(b - 0x5A) < 12 for r, g, b in colours
    )


FIGURE_MODULE = """\
---
id: one
title: Figures
summary: A figure with a caption.
---
## Charts

{filler}

<figure class="cs-figure"><img src="../assets/chart.png" alt="A bar chart of sales by month">\
<figcaption>Figure 1: Sales rose every month.</figcaption></figure>

The text after the figure.
"""


def structure_elements(node: Any, parent: Any = None) -> Iterator[tuple[Any, Any]]:
    """(element, parent element) of every element of a structure tree, depth first."""
    node = node.get_object()
    if not isinstance(node, dict):
        return
    if "/S" in node:
        yield node, parent
        parent = node
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        yield from structure_elements(kid, parent)


@POPPLER
def test_a_figure_keeps_its_caption_and_is_tagged(make_course: MakeCourse, tmp_path: Path) -> None:
    """A figure's image and caption share a page (even when the figure comes near a page's
    end), and the tagged PDF has the image as a Figure with its alt text and the caption as
    a Caption beside it. One module per position of the figure, each starting a page: with 44
    to 50 lines before it, the figure comes near the end of a page (one build for them all)."""
    fillers = [0, *range(44, 51)]
    listed = "".join(f"  - modules/f{lines}.md\n" for lines in fillers)
    modules = {}
    for lines in fillers:
        filler = "\n\n".join(f"Line {n} of text before the figure." for n in range(lines))
        text = FIGURE_MODULE.format(filler=filler).replace("id: one", f"id: f{lines}", 1)
        modules[f"modules/f{lines}.md"] = text
    course = make_course(
        course=COURSE_YML.replace("  - modules/one.md\n", listed) + "allow_raw_html: true\n",
        modules=modules,
        files={"assets/chart.png": png_bytes(800, 500)},
    )
    build_pdf(course, tmp_path / "dist")
    pdf = tmp_path / "dist" / "demo.pdf"
    reader = PdfReader(pdf)
    pages = {ref.idnum: n for n, ref in enumerate(p.indirect_reference for p in reader.pages)}
    found = list(structure_elements(reader.trailer["/Root"]["/StructTreeRoot"]))
    figures = [(e, p) for e, p in found if e["/S"] == "/Figure"]
    assert len(figures) == len(fillers)
    at = []
    for lines, (figure, parent) in zip(fillers, figures, strict=True):
        assert figure["/Alt"] == "A bar chart of sales by month", lines
        [caption] = [e for e, p in found if e["/S"] == "/Caption" and p is parent]
        page = pages[figure.raw_get("/Pg").idnum]
        assert pages[caption.raw_get("/Pg").idnum] == page, lines
        assert "Figure 1: Sales rose every month." in flat(pdftotext(pdf, page + 1)), lines
        at.append(page)
    assert at == sorted(set(at))  # each figure on a page of its own module


def test_one_pdf_per_module_from_option_or_course_yml(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course = make_course(course=COURSE_YML + "pdf:\n  per_module: true\n")
    result = build_pdf(course, tmp_path / "a")
    assert sorted(str(a.path) for a in result.artifacts) == ["demo-one.pdf", "demo.pdf"]
    result = build_pdf(course, tmp_path / "b", per_module=False)
    assert [str(a.path) for a in result.artifacts] == ["demo.pdf"]
    plain = make_course(course=COURSE_YML)
    result = build_pdf(plain, tmp_path / "c", per_module=True)
    assert sorted(p.name for p in (tmp_path / "c").glob("*.pdf")) == ["demo-one.pdf", "demo.pdf"]
    single = PdfReader(tmp_path / "c" / "demo-one.pdf")
    assert (
        single.metadata is not None and single.metadata.title == "DEMO 101 · Module 1: Module one"
    )
    # what the margin boxes draw (running header, page numbers) is a pagination artifact; all
    # else is in the structure tree
    assert not loose_marked_content(single)
    for page in single.pages:
        drawn = page.get_contents().get_data()
        assert PAGINATION_ARTIFACT.search(drawn)


@POPPLER
def test_module_without_a_body_and_a_teaser_first(make_course: MakeCourse, tmp_path: Path) -> None:
    course = make_course(
        course=COURSE_YML.replace(
            "  - modules/one.md\n", "  - modules/soon.md\n  - modules/one.md\n"
        ),
        modules={
            "modules/soon.md": (
                "---\nid: soon\ntitle: Soon\nsummary: Later.\nstatus: coming-soon\n---\n"
            ),
            "modules/one.md": "---\nid: one\ntitle: Bodiless\nsummary: Only a summary.\n---\n",
        },
    )
    build_pdf(course, tmp_path / "dist", per_module=True)
    text = flat(pdftotext(tmp_path / "dist" / "demo.pdf"))
    assert "Module 1 Soon Coming soon" in text and "Module 2 Bodiless" in text
    assert "No key terms are given in this handout." in text
    assert "Only a summary." in flat(pdftotext(tmp_path / "dist" / "demo-one.pdf"))


@POPPLER
def test_learner_copy_leaves_out_the_answer_key(rich_handout: Handout, tmp_path: Path) -> None:
    build_pdf(rich_handout.course, tmp_path / "l", learner=True)
    reviewer = flat(pdftotext(rich_handout.pdf))
    learner = flat(pdftotext(tmp_path / "l" / "demo.pdf"))
    assert "answer key included" in reviewer and "Lorries are not widgets." in reviewer
    assert "What is a widget?" in learner and "Order the widget steps." in learner
    assert "Answer" not in learner and "Lorries are not widgets." not in learner


@POPPLER
def test_review_copy_of_a_small_course(rich_handout: Handout, tmp_path: Path) -> None:
    build_pdf(rich_handout.course, tmp_path / "dist", review=True)
    pdf = tmp_path / "dist" / "demo.pdf"
    marks = watermarked_pages(pdf, tmp_path / "review-png")
    assert len(marks) == len(PdfReader(pdf).pages) and all(marks)
    assert not any(watermarked_pages(rich_handout.pdf, tmp_path / "plain-png"))
    assert "Review copy" in pdftotext(pdf, 1)
    joined = "".join(pdftotext(pdf).split())
    source = rich_handout.course / "modules" / "one.md"
    lines = source.read_text().splitlines()
    heading = lines.index("## Widgets and gadgets") + 1
    question = next(n for n, ln in enumerate(lines, 1) if "- id: widget-order" in ln)
    assert f"modules/one.md:{heading}" in joined
    assert f"modules/one.md:{question}" in joined
    code = lines.index("```python") + 2  # first line of code
    numbered = [f"{code + i}{text}" for i, text in enumerate(["defwidget(x):", '"""Makeawidget,'])]
    assert all(n in joined for n in numbered), numbered


# --- the resource fence, end to end ------------------------------------------------------


def test_remote_image_in_content_is_never_fetched(
    make_course: MakeCourse, tmp_path: Path, http_recorder: Recorder
) -> None:
    url = f"{http_recorder.url}/x.png"
    module = f"""\
---
id: one
title: Module one
summary: The first module.
---
## Remote

A remote picture: ![Remote picture]({url})
"""
    course = make_course(modules={"modules/one.md": module})
    result = build_pdf(course, tmp_path / "dist")
    assert http_recorder.requests == []
    # the loader already turns a remote image into a link, with a warning at its line
    [remote] = warnings(result, "CS308")
    assert remote.span is not None and remote.span.path.name == "one.md"
    assert remote.span.line == 8
    text = flat(pdftotext(tmp_path / "dist" / "demo.pdf"))
    assert "Remote picture (external image)" in text


def test_absolute_path_as_image_is_rejected_before_rendering(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    module = "---\nid: one\ntitle: One\nsummary: S.\n---\n![secret](/etc/passwd)\n"
    course = make_course(modules={"modules/one.md": module})
    result = build(course, BuildOptions(formats=("pdf",), out_dir=tmp_path / "dist"))
    assert not result.ok and "CS304" in {d.code for d in result.diagnostics}
    assert not (tmp_path / "dist").exists()


HOSTILE_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en"><head><title>Hostile</title>
<link rel="stylesheet" href="file://{secret}">
<link rel="stylesheet" href="{remote}/style.css">
<link rel="attachment" href="file://{secret}" title="secret">
<style>@import url("{remote}/import.css"); body {{ background: url(file://{secret}); }}</style>
</head><body>
<img src="file://{secret}" alt="a">
<img src="{secret}" alt="b">
<img src="../../../../../../../../../../{secret}" alt="c">
<img src="{remote}/img.png" alt="d">
{{% for pm in modules %}}{{{{ pm.body | safe }}}}{{% endfor %}}
</body></html>
"""


def test_custom_template_cannot_read_files_or_fetch_urls(
    make_course: MakeCourse,
    tmp_path: Path,
    http_recorder: Recorder,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN-7f3a9 root:x:0:0")
    template = HOSTILE_TEMPLATE.format(secret=secret, remote=http_recorder.url)
    course = make_course(files={"templates/print/handout.html.j2": template})
    WATCHED.add(str(secret))
    try:
        result = build_pdf(course, tmp_path / "dist")
    finally:
        WATCHED.discard(str(secret))
    assert OPENED == []  # the file was never opened
    assert http_recorder.requests == []  # and no request was made
    refused = {d.message for d in warnings(result)}
    for url in (
        f"file://{secret}",
        f"{http_recorder.url}/style.css",
        f"{http_recorder.url}/import.css",
        f"{http_recorder.url}/img.png",
        f"{ORIGIN}{str(secret).lstrip('/')}",
    ):
        assert f'PDF: refused to load "{url}"' in refused, (url, refused)
    reader = PdfReader(tmp_path / "dist" / "demo.pdf")
    assert dict(reader.attachments) == {}
    assert "TOKEN-7f3a9" not in "".join(p.extract_text() for p in reader.pages)
    assert b"TOKEN-7f3a9" not in (tmp_path / "dist" / "demo.pdf").read_bytes()
    # WeasyPrint's own complaints become diagnostics, not terminal output
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]


def test_renderer_warnings_become_diagnostics(
    make_course: MakeCourse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = (
        '<!DOCTYPE html><html lang="en"><head><title>T</title>'
        "<style>body { frobnicate: 3 }</style></head><body>"
        "{% for pm in modules %}{{ pm.body | safe }}{% endfor %}</body></html>"
    )
    course = make_course(files={"templates/print/handout.html.j2": template})
    result = build_pdf(course, tmp_path / "dist")
    messages = [d.message for d in warnings(result, "CS506")]
    assert any("PDF renderer:" in m and "frobnicate" in m for m in messages), messages
    assert capsys.readouterr().err == ""


# --- every course in courses/ ---------------------------------------------------------------


@pytest.fixture(scope="module", params=sorted(COURSES))
def course(request: pytest.FixtureRequest) -> Course:
    loaded = load_course(COURSES[request.param])
    assert loaded.course is not None, loaded.diagnostics
    return loaded.course


@pytest.fixture(scope="module")
def handout(course: Course, built: Builds) -> Path:
    return built.handout(course.root, per_module=True) / f"{course.id}.pdf"


@pytest.fixture(scope="module")
def review_handout(course: Course, built: Builds) -> Path:
    return built.handout(course.root, review=True) / f"{course.id}.pdf"


def running_strings(course: Course) -> set[str]:
    listed = course.listed_modules
    return {
        course.spec.code,
        "Contents",
        "Glossary",
        "Objectives index",
        "Answer key",
        *(f"Module {listed.index(m) + 1} · {m.title}" for m in listed),
    }


def bookmark_title(module: Module) -> str:
    """A module's bookmark: its title, and for a coming-soon module a note that says so."""
    return module.title if module.published else f"{module.title} (coming soon)"


def squash(text: str) -> str:
    """Text as compared with the PDF's: without white space, hyphens (pdftotext drops the one
    that ends a line) or the targets the handout prints after links to the web and files."""
    text = re.sub(r"\s\((?:https?|mailto):[^)]*\)|\s\[file: [^\]]*\]", "", text)
    return "".join(text.split()).replace("-", "")


BLOCKS = ("p", "pre", "li", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "figcaption", "aside", "div")


def body_chunks(html: str) -> list[str]:
    """A module body's text as the handout prints it: its sentences, and the words of its
    tables (the PDF's text runs across a table row line by line, not cell by cell)."""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for hidden in root.find_class("footnote-backref"):
        hidden.drop_tree()
    chunks: list[str] = []
    for table in list(root.iter("table")):
        chunks += [word for cell in table.iter("td", "th") for word in cell.text_content().split()]
        marker = lxml_html.Element("p")
        marker.text, marker.tail = "\u2029", table.tail
        table.getparent().replace(table, marker)
    for block in root.iter(*BLOCKS):  # text never runs on across blocks (a code block's last
        block.text = "\u2029" + (block.text or "")  # line, the callout title that follows)
        block.tail = "\u2029" + (block.tail or "")
    for chapter in root.text_content().split("\u2029"):
        chunks += sentences(chapter)
    return chunks


@pytest.mark.slow
@POPPLER
def test_every_sentence_of_the_course_is_in_the_pdf(course: Course, handout: Path) -> None:
    text = squash(body_text(handout, running_strings(course)))
    spec = course.spec
    expected = [spec.code, spec.title, spec.subject, *sentences(spec.description)]
    for rendered in render(course).modules:
        module = rendered.module
        expected += [module.title, *sentences(module.spec.summary)]
        if module.spec.hero is not None:
            expected.append(module.spec.hero.caption or "")
        expected += [o.text for o in module.objectives]
        expected += [t.text for t in module.key_terms]
        expected += body_chunks(rendered.html)
    for module in course.listed_modules:
        if not module.published:
            expected += [module.title, *sentences(module.spec.summary)]
    missing = [s for s in expected if squash(s) not in text]
    assert missing == []


def test_every_id_of_the_handout_is_unique(course: Course) -> None:
    """Footnotes, headings, objectives and questions of all modules share one document."""
    plan = render(course)
    documents = [
        handout_html(plan, plan.modules, whole=True),
        handout_html(plan, plan.modules, whole=True, review=True),
        *(handout_html(plan, (one,), whole=False) for one in plan.modules),
    ]
    for document in documents:
        ids = lxml_html.document_fromstring(document).xpath("//@id")
        assert len(ids) > 10
        assert [i for i in set(ids) if ids.count(i) > 1] == []


@pytest.mark.slow
@POPPLER
def test_svg_text_is_in_the_pdf(course: Course, handout: Path) -> None:
    """What a browser draws of each SVG the handout shows, text included, is in the PDF."""
    plan = render(course)
    files = build_files(plan)
    shown = set(
        re.findall(r'<img src="([^"]+\.svg)"', handout_html(plan, plan.modules, whole=True))
    )
    text = flat(pdftotext(handout))
    for src in sorted(shown):
        source = files[unquote(src)]
        assert isinstance(source, Path)
        root = etree.fromstring(source.read_bytes())
        for element in root.iter("{http://www.w3.org/2000/svg}text"):
            words = flat("".join(element.itertext()))
            assert not words or words in text, (source.name, words)


@pytest.mark.slow
def test_outline_lists_modules_and_sections(course: Course, handout: Path) -> None:
    marks = outline(PdfReader(handout))
    top = [title for depth, title, _ in marks if depth == 0]
    modules = [bookmark_title(m) for m in course.listed_modules]
    answer_key = ["Answer key"] if any(m.spec.quiz for m in course.published_modules) else []
    assert top == ["Contents", *modules, "Glossary", "Objectives index", *answer_key]
    children: dict[str, list[str]] = {}
    parent = ""
    for depth, title, _ in marks:
        if depth == 0:
            parent = title
        elif depth == 1:
            children.setdefault(parent, []).append(title)
    for module in course.published_modules:
        headed = [s.title for s in module.sections if not s.id.endswith("-intro")]
        view = quiz_view(course, module)  # its title, or "Knowledge check" in its language
        quiz = [view.title] if view else []
        assert children.get(module.title) == headed + quiz, module.id
    for module in course.listed_modules:
        if not module.published:
            assert bookmark_title(module) not in children  # a teaser has no sections
    assert not {spec for spec in ("Learning objectives", "Key terms", course.spec.title)} & {
        t for _, t, _ in marks
    }


@pytest.mark.slow
def test_metadata(course: Course, handout: Path) -> None:
    reader = PdfReader(handout)
    meta = reader.metadata
    assert meta is not None
    spec = course.spec
    assert meta.title == f"{spec.code} · {spec.title}"
    assert meta.author == ", ".join(a.name for a in spec.authors)
    assert meta.subject == spec.subject
    assert meta.keywords is not None and all(k in meta.keywords for k in spec.keywords)
    assert meta.creation_date == datetime.fromtimestamp(EPOCH, UTC)
    assert meta.modification_date == datetime.fromtimestamp(EPOCH, UTC)
    assert meta.creator is not None and meta.creator.startswith("coursec ")
    assert reader.trailer["/Root"]["/Lang"] == spec.language


@pytest.mark.slow
def test_tagged_pdf_ua(course: Course, handout: Path) -> None:
    reader = PdfReader(handout)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfuaid:part="1"' in xmp
    tags = structure_kinds(root["/StructTreeRoot"])
    figures = [alt for kind, alt in tags if kind == "/Figure"]
    headings = {kind for kind, _ in tags if kind in ("/H1", "/H2")}
    expected = []
    for module in course.published_modules:
        if module.spec.hero is not None:
            expected.append(module.spec.hero.alt)
        expected += [ref.alt for ref in module.body.references if ref.kind == "image"]
    assert sorted(figures) == sorted(expected)
    assert headings == {"/H1", "/H2"}
    # every caption of the handout (hero captions, figure captions) is tagged as one
    plan = render(course)
    printed = handout_html(plan, plan.modules, whole=True)
    assert [kind for kind, _ in tags].count("/Caption") == printed.count("<figcaption")


def structure_kinds(node: Any) -> list[tuple[str, str]]:
    """(tag, alt text) of every element of a structure tree, depth first."""
    found: list[tuple[str, str]] = []
    node = node.get_object()
    if not isinstance(node, dict):
        return found
    if "/S" in node:
        found.append((str(node["/S"]), str(node.get("/Alt", ""))))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        found += structure_kinds(kid)
    return found


def contents_entries(pdf: Path, reader: PdfReader) -> list[tuple[str, int]]:
    """(title, page) of each entry the contents pages print, in order."""
    marks = outline(reader)
    first = next(page for _, title, page in marks if title == "Contents")
    after = min(page for _, title, page in marks if page > first)
    entries = []
    pending = ""  # a module's entry that pdftotext split over lines (at its "Coming soon" badge)
    for line in pdftotext(pdf, first, after - 1).splitlines():
        if not line.strip():
            continue
        line = f"{pending} {line.strip()}".strip()
        match = re.fullmatch(r"(?:Module \d+\s+)?(.+?)[\s.]*?\s?(\d+)", line)
        if match and "." in line:
            entries.append((match[1].strip(" ."), int(match[2])))
            pending = ""
        else:
            pending = line if re.match(r"Module \d+\s", line) else ""
    return entries


@pytest.mark.slow
@POPPLER
def test_bookmarks_mirror_the_contents(course: Course, handout: Path) -> None:
    """The contents' entries are the bookmarks of the first two levels, with the same pages,
    and each lands on the page that shows its heading."""
    reader = PdfReader(handout)
    printed = contents_entries(handout, reader)
    marks = [
        (title.replace(" (coming soon)", " Coming soon"), page)
        for depth, title, page in outline(reader)
        if depth <= 1 and title != "Contents"
    ]
    assert printed == marks
    texts = page_texts(handout)
    for title, page in printed:
        heading = title.removesuffix(" Coming soon")
        assert flat(heading) in flat(texts[page - 1]), (title, page)


@pytest.mark.slow
@POPPLER
def test_every_page_but_the_cover_shows_its_number(handout: Path) -> None:
    texts = page_texts(handout)
    total = len(texts)
    numbered = [bool(re.search(rf"\bPage {i} of {total}\b", t)) for i, t in enumerate(texts, 1)]
    assert numbered == [False] + [True] * (total - 1)


@pytest.mark.slow
@POPPLER
def test_fonts_are_embedded(handout: Path) -> None:
    out = subprocess.run(["pdffonts", str(handout)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        emb, _sub, uni = row.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), row
    assert any("DejaVu" in row for row in rows)


@pytest.mark.slow
def test_same_source_gives_the_same_bytes(
    course: Course, handout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    build_pdf(course.root, tmp_path / "again")
    assert (tmp_path / "again" / handout.name).read_bytes() == handout.read_bytes()


@pytest.mark.slow
@POPPLER
def test_review_copy(course: Course, review_handout: Path, tmp_path: Path) -> None:
    assert all(watermarked_pages(review_handout, tmp_path / "png"))
    # margin notes wrap at hyphens, which pdftotext then drops: compare without them
    joined = "".join(pdftotext(review_handout).split()).replace("-", "")
    refs = []
    for module in course.published_modules:
        source = module.path.relative_to(course.root.resolve()).as_posix().replace("-", "")
        refs += [f"{source}:{module.line_of(s.line)}" for s in module.sections]
    assert [r for r in refs if r not in joined] == []
