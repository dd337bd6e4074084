"""Each course as an IMS Common Cartridge 1.1 (`--format imscc`), read back the way Moodle's and
Canvas's CC importers read it (tests/support/cartridge.py, which cites the importers' files and
the XPaths each one follows), and compared with the course source: the organization of modules,
the pages, and each knowledge check's questions, answers, scores and feedback.

Moodle: moodle/moodle backup/cc/cc2moodle.php, backup/cc/cc112moodle.php and
backup/cc/entity11.quiz.class.php. Canvas: instructure/canvas-lms
lib/cc/importer/standard/org_converter.rb, lib/cc/importer/standard/quiz_converter.rb and
gems/plugins/qti_exporter/lib/qti/assessment_item_converter.rb, through
instructure/QTIMigrationTool lib/imsqtiv1.py. The manifest and assessments of both courses were
validated by hand against the official CC 1.1 XSDs with their embedded Schematron
(ccv1p1_imscp_v1p2_v1p0.xsd, ccv1p1_qtiasiv1p2p1_v1p0.xsd); the tests below assert the
profile's rules those schemas state (one organization with one untitled root item, an
assessment resource with one file and no href, cc_maxattempts 1-5 or unlimited, cc_weighting
1-99, three or more choices for cc.multiple_choice).
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from conftest import COURSE_YML, COURSES, MakeCourse
from coursec.build import build
from coursec.diagnostics import Diagnostic
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.questions.choices import ChoiceQuestion
from coursec.quiz import QuizView, quiz_view
from support import cartridge
from support.cartridge import NS, QUIZ_TYPE

PROFILES = {
    "single-choice": "cc.multiple_choice.v0p1",
    "multiple-response": "cc.multiple_response.v0p1",
    "true-false": "cc.true_false.v0p1",
    "short-text": "cc.fib.v0p1",
}  # the CC 1.1 QTI profile's names (ccv1p1_qtiasiv1p2p1_v1p0.xsd, Schematron rule 2b)


@dataclass
class Cartridge:
    root: Path  # the extracted zip
    names: set[str]  # the zip's entries
    diagnostics: list[Diagnostic]

    @property
    def manifest(self) -> etree._ElementTree:
        return cartridge.read(self.root / "imsmanifest.xml")


def _build(
    course_dir: Path, out: Path, settings: dict[str, dict[str, str]] | None = None
) -> Cartridge:
    options = BuildOptions(formats=("imscc",), out_dir=out / "dist", settings=settings or {})
    result = build(course_dir, options)
    assert result.ok, result.diagnostics
    [archive] = (out / "dist").glob("*.imscc")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(out / "cartridge")
        names = set(zf.namelist())
    return Cartridge(out / "cartridge", names, result.diagnostics)


@pytest.fixture(scope="module")
def cartridges(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Cartridge]:
    """A course's cartridge, built once for this file."""
    made: dict[Path, Cartridge] = {}

    def get(course_dir: Path) -> Cartridge:
        if course_dir not in made:
            made[course_dir] = _build(course_dir, tmp_path_factory.mktemp(course_dir.name))
        return made[course_dir]

    return get


@pytest.fixture
def cc(course_dir: Path, cartridges: Callable[[Path], Cartridge]) -> Cartridge:
    return cartridges(course_dir)


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


def asked(view: QuizView) -> list[str]:
    """The ids of the questions the cartridge can ask, from the source: the four kinds the
    profile has, a single-choice question only with 3 or more choices."""
    return [
        q.id
        for q in view.questions
        if q.type in PROFILES and not (q.type == "single-choice" and len(q.question.choices) < 3)
    ]


def test_manifest_is_cc11_with_one_section_per_module(course: Course, cc: Cartridge) -> None:
    """cc2moodle.php: the items under the root are sections; org_converter.rb: `organization >
    item > item` are modules. Both see each published module, in order, with its page first
    and its quiz second."""
    manifest = cc.manifest
    root = manifest.getroot()
    assert root.tag == f"{{{cartridge.CC}}}manifest"
    assert root.findtext(f"{{{cartridge.CC}}}metadata/{{{cartridge.CC}}}schema") == (
        "IMS Common Cartridge"
    )
    assert root.findtext(f"{{{cartridge.CC}}}metadata/{{{cartridge.CC}}}schemaversion") == "1.1.0"
    assert cartridge.moodle_course_title(manifest) == course.spec.title
    [organizations] = manifest.xpath("/imscc:manifest/imscc:organizations", namespaces=NS)
    assert organizations.get("default") is None
    [organization] = organizations
    assert organization.get("structure") == "rooted-hierarchy"
    [root_item] = organization.xpath("imscc:item", namespaces=NS)
    assert root_item.find(f"{{{cartridge.CC}}}title") is None

    sections = cartridge.moodle_sections(manifest)
    modules = course.published_modules
    assert [s.title for s in sections] == [m.title for m in modules]
    assert [title for title, _ in cartridge.canvas_modules(manifest)] == [m.title for m in modules]
    for section, module in zip(sections, modules, strict=True):
        page, *quiz = section.activities
        assert page[0] == module.title
        assert page[2] == "webcontent"
        hrefs = manifest.xpath(f'//imscc:resource[@identifier="{page[1]}"]/@href', namespaces=NS)
        assert hrefs == [module.page]
        view = quiz_view(course, module)
        if view is None or not asked(view):
            assert quiz == []
        else:
            [(title, _, kind)] = quiz
            assert (title, kind) == (f"{view.title}: {module.title}", QUIZ_TYPE)


def test_zip_holds_exactly_the_files_the_resources_list(cc: Cartridge) -> None:
    manifest = cc.manifest
    listed = {str(h) for h in manifest.xpath("//imscc:resource/imscc:file/@href", namespaces=NS)}
    assert cc.names == listed | {"imsmanifest.xml"}
    for resource in manifest.xpath("//imscc:resource", namespaces=NS):
        files = resource.xpath("imscc:file/@href", namespaces=NS)
        if resource.get("type") == QUIZ_TYPE:  # the profile: one file, no href
            assert len(files) == 1
            assert resource.get("href") is None
        elif resource.get("href") is not None:  # a page: it and what every page uses
            assert resource.get("href") in files
            assert resource.xpath("imscc:dependency/@identifierref", namespaces=NS) == [
                "SHARED-ASSETS"
            ]
    quiz_files = sorted(n for n in cc.names if n.startswith("assessments/"))
    assert sorted(cartridge.canvas_quiz_files(manifest)) == quiz_files  # Canvas finds each


LOADS = re.compile(
    r'<(?:img|script|link|source|video|audio|iframe)\b[^>]*?\b(?:src|href)="([^"]*)"'
)
LINKS = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')


def test_pages_are_self_contained(course: Course, cc: Cartridge) -> None:
    """No SCORM runtime and no in-page knowledge check (the LMS gives the quiz); everything a
    page loads is in the package, nothing comes from another server, and every local link
    leads to a file of the package."""
    for module in course.published_modules:
        html = (cc.root / module.page).read_text(encoding="utf-8")
        assert "<script" not in html
        assert "cs-quiz" not in html
        for url in LOADS.findall(html):
            assert url in cc.names, (module.page, url)  # never http(s): or //
        for url in LINKS.findall(html):
            if not url.startswith(("#", "https://", "http://", "mailto:")):
                assert url.split("#")[0] in cc.names, (module.page, url)
    assert not any("coursec-scorm" in n or "coursec-quiz" in n for n in cc.names)
    for name in (n for n in cc.names if n.endswith(".css")):
        css = (cc.root / name).read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(?:[a-z]+:|//)", css), name


def test_quizzes_as_moodle_imports_them(course: Course, cc: Cartridge) -> None:
    """entity11.quiz.class.php: each question's type, text, grade, answers with their score and
    feedback, the accepted answers of a short-text question, and the attempts, are the
    source's. Nothing is general feedback (Moodle shows that to everyone)."""
    manifest = cc.manifest
    checked = 0
    for section, module in zip(
        cartridge.moodle_sections(manifest), course.published_modules, strict=True
    ):
        view = quiz_view(course, module)
        if view is None or not asked(view):
            continue
        [(_, resource, _)] = section.activities[1:]
        assessment = cartridge.read(cc.root / cartridge.moodle_quiz_file(manifest, resource))
        attempts = view.quiz.attempts
        assert cartridge.moodle_max_attempts(assessment) == attempts  # 0: unlimited
        rubric = assessment.xpath(
            "/xmlns:questestinterop/xmlns:assessment/xmlns:rubric/xmlns:material/xmlns:mattext",
            namespaces=NS,
        )  # the pass mark, which no qtimetadata field of the profile carries
        assert [r.text for r in rubric] == [f"Pass mark: {view.quiz.passing_score}%."]
        questions = cartridge.moodle_questions(assessment)
        by_id = {q.id: q for q in view.questions}
        assert [q.ident.split("__")[1] for q in questions] == asked(view)
        for read in questions:
            source = by_id[read.ident.split("__")[1]]
            assert read.cc_type == PROFILES[source.type]
            assert read.moodle_type
            assert read.text == str(source.prompt)
            assert read.name
            assert read.default_grade == source.points
            assert read.general_feedback == ""
            given = dict(source.feedback)
            right_fb = f"{given['correct']} " if "correct" in given else ""
            wrong_fb = f"{given['incorrect']} " if "incorrect" in given else ""
            spec = source.question
            if source.type == "short-text":
                assert read.accepted == [" ".join(a.split()) for a in spec.accept]
                continue
            if source.type == "true-false":
                expected = [("true", "True", spec.answer), ("false", "False", not spec.answer)]
                choice_fb = ["", ""]
            else:
                assert isinstance(source, ChoiceQuestion)
                choices = source.choices
                expected = [(c.id, str(c.html), c.correct) for c in choices]
                choice_fb = [f"{c.feedback} " if c.feedback else "" for c in choices]
            assert [(a.ident, a.text) for a in read.answers] == [e[:2] for e in expected]
            right = [e[2] for e in expected]
            if source.type == "multiple-response":
                n = sum(right)
                assert [a.score for a in read.answers] == [
                    round(1 / n, 7) if r else 0.0 for r in right
                ]
                assert [a.feedback for a in read.answers] == choice_fb
            else:
                assert [a.score for a in read.answers] == [1.0 if r else 0.0 for r in right]
                assert [a.feedback for a in read.answers] == [
                    fb + (right_fb if r else wrong_fb)
                    for fb, r in zip(choice_fb, right, strict=True)
                ]
            checked += 1
    assert checked


def test_canvas_finds_correct_and_incorrect_feedback_by_name(course: Course, cc: Cartridge) -> None:
    """assessment_item_converter.rb get_feedback: the question's own feedback."""
    for module in course.published_modules:
        view = quiz_view(course, module)
        if view is None or not asked(view):
            continue
        assessment = cartridge.read(cc.root / "assessments" / f"{module.id}.xml")
        by_id = {q.id: q for q in view.questions}
        for item in assessment.xpath("//xmlns:item", namespaces=NS):
            source = by_id[item.get("ident").split("__")[1]]
            expected = {k: str(v) for k, v in source.feedback}
            assert cartridge.canvas_question_feedback(item) == expected


def test_no_question_is_dropped_silently(course: Course, cc: Cartridge) -> None:
    """Each question the cartridge leaves out has a CS530 warning naming it at its type; a
    check that draws questions has CS531 at its `draw`."""
    warned = {d.message.split('"')[1]: d for d in cc.diagnostics if d.code == "CS530"}
    drawn = {d.span.path if d.span else None for d in cc.diagnostics if d.code == "CS531"}
    expected_left_out: dict[str, Path] = {}
    for module in course.published_modules:
        view = quiz_view(course, module)
        if view is None:
            continue
        kept = set(asked(view))
        expected_left_out |= {q.id: module.path for q in view.questions if q.id not in kept}
        if view.quiz.draw is not None and view.quiz.draw < len(view.questions):
            assert module.path in drawn
    assert {q: d.span.path if d.span else None for q, d in warned.items()} == expected_left_out
    for diagnostic in warned.values():
        assert diagnostic.severity == "warning"
        assert diagnostic.hint


def test_sql_201_leaves_out_its_matching_and_ordering_questions() -> None:
    """The course with every kind: its matching and ordering questions are the ones left out."""
    course = load_course(COURSES["sql-201"]).course
    assert course is not None
    kinds = {
        q.type
        for m in course.published_modules
        if (v := quiz_view(course, m)) is not None
        for q in v.questions
        if q.id not in asked(v)
    }
    assert kinds == {"matching", "ordering"}


QUIZ_MODULE = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
quiz:
  attempts: {attempts}
  questions:
    - id: two-choices
      type: single-choice
      prompt: Widget or gadget?
      objectives: [explain-widgets]
      choices:
        - {{ text: Widget, correct: true }}
        - {{ text: Gadget }}
    - id: heavy
      type: true-false
      prompt: Widgets are gadgets.
      objectives: [explain-widgets]
      answer: false
      points: {points}
      feedback:
        incorrect: See [the gadgets](#widgets-and-gadgets).
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""


def test_what_the_profile_cannot_say_is_warned_and_left_to_the_lms(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """Rule 4d (three or more choices), 1i (cc_maxattempts 1-5 or unlimited), 2c (cc_weighting
    1-99): a two-choice single-choice question is left out (CS530); 7 attempts and 100 points
    are left to the LMS's default (CS531), each at its line."""
    module = QUIZ_MODULE.format(attempts=7, points=100)
    course_dir = make_course(modules={"modules/one.md": module})
    cc = _build(course_dir, tmp_path / "out")
    found = sorted((d.code, d.span.line if d.span else 0) for d in cc.diagnostics)
    lines = module.splitlines()
    line = {
        key: next(i for i, t in enumerate(lines, 1) if t.strip().startswith(key))
        for key in ("attempts:", "points:")
    }
    type_line = next(i for i, t in enumerate(lines, 1) if "type: single-choice" in t)
    assert found == sorted(
        [("CS530", type_line), ("CS531", line["attempts:"]), ("CS531", line["points:"])]
    )
    assessment = cartridge.read(cc.root / "assessments" / "one.xml")
    [question] = cartridge.moodle_questions(assessment)
    assert question.ident == "one__heavy"
    assert question.default_grade == 1
    assert cartridge.moodle_max_attempts(assessment) == 0
    fields = assessment.xpath("//xmlns:fieldlabel/text()", namespaces=NS)
    assert "cc_maxattempts" not in fields
    assert "cc_weighting" not in fields


def test_assessments_off_keeps_the_check_on_the_page(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """`imscc.assessments: false`: no QTI resource; the page keeps its self-scored check and
    the files it needs."""
    module = QUIZ_MODULE.format(attempts=2, points=3)
    course_yml = textwrap.dedent(COURSE_YML) + "imscc:\n  assessments: false\n"
    course_dir = make_course(course=course_yml, modules={"modules/one.md": module})
    cc = _build(course_dir, tmp_path / "out")
    assert not cc.diagnostics
    assert QUIZ_TYPE not in cc.manifest.xpath("//imscc:resource/@type", namespaces=NS)
    html = (cc.root / "one.html").read_text(encoding="utf-8")
    assert 'class="cs-quiz"' in html
    assert {"static/coursec-quiz.js", "static/quiz.css"} <= cc.names
    on = _build(course_dir, tmp_path / "on", {"imscc": {"assessments": "true"}})
    assert "assessments/one.xml" in on.names


def test_same_source_same_bytes(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    course_dir = make_course(modules={"modules/one.md": QUIZ_MODULE.format(attempts=2, points=3)})
    _build(course_dir, tmp_path / "a")
    _build(course_dir, tmp_path / "b")
    [a] = (tmp_path / "a" / "dist").glob("*.imscc")
    [b] = (tmp_path / "b" / "dist").glob("*.imscc")
    assert a.read_bytes() == b.read_bytes()


def test_links_to_a_heading_lead_to_the_modules_page(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """The quiz is not on the module's page, so `[see](#slug)` in a question leads there."""
    module = QUIZ_MODULE.format(attempts=2, points=3)
    cc = _build(make_course(modules={"modules/one.md": module}), tmp_path / "out")
    assessment = cartridge.read(cc.root / "assessments" / "one.xml")
    html = "".join(assessment.xpath("//xmlns:mattext/text()", namespaces=NS))
    assert 'href="#' not in html
    [fragment] = re.findall(r'href="one\.html#([^"]+)"', html)
    assert f'id="{fragment}"' in (cc.root / "one.html").read_text(encoding="utf-8")


MATCHING_ONLY = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - {id: know-widgets, text: Know widgets and gadgets., sections: [widgets-and-gadgets]}
quiz:
  questions:
    - id: pairs
      type: matching
      prompt: Match them.
      objectives: [know-widgets]
      pairs:
        - {left: Widget, right: A small device}
        - {left: Gadget, right: A clever tool}
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""


def test_a_check_the_cartridge_cannot_ask_at_all_stays_on_the_page(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """When every question of a check is left out (CS530), there is no LMS quiz to give it:
    the check stays on the module's page, self-scored, rather than vanish from the cartridge."""
    cc = _build(make_course(modules={"modules/one.md": MATCHING_ONLY}), tmp_path / "out")
    assert [d.code for d in cc.diagnostics] == ["CS530"]
    assert QUIZ_TYPE not in cc.manifest.xpath("//imscc:resource/@type", namespaces=NS)
    html = (cc.root / "one.html").read_text(encoding="utf-8")
    assert 'class="cs-quiz"' in html
    assert {"static/coursec-quiz.js", "static/quiz.css"} <= cc.names
    files = cc.manifest.xpath("//imscc:file/@href", namespaces=NS)
    assert {"static/coursec-quiz.js", "static/quiz.css"} <= set(files)


def test_metadata_lists_every_language_of_the_course(
    cartridges: Callable[[Path], Cartridge],
) -> None:
    """The LOM record names the course's language first, then its modules' own (as SCORM's)."""
    multilingual = Path(__file__).parents[1] / "data" / "multilingual"
    course = load_course(multilingual).course
    assert course is not None
    listed = cartridges(multilingual).manifest.xpath(
        "/imscc:manifest/imscc:metadata/lomimscc:lom/lomimscc:general/lomimscc:language/text()",
        namespaces=NS,
    )
    assert listed == list(course.languages)
    assert {"fr", "ar", "ja"} <= set(listed) and listed[0] == course.spec.language
