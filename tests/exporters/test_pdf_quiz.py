"""Knowledge checks in the PDF handout of every course: the reviewer's answer key appendix, a
learner's copy (`BuildOptions.learner`) that prints the questions without it, and the quiz
texts' inline Markdown printed as formatted text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import MakeCourse
from coursec.exporters.pdf.handout import handout_html
from coursec.loading import load_course
from coursec.model import Course
from coursec.quiz import QuestionView, QuizView
from coursec.quiz_text import question_texts
from coursec.render import render
from support.builds import Builds
from support.quiz import quiz_views
from support.quiz_markdown import MARKDOWN_QUIZ_MODULE

pytestmark = pytest.mark.pdf  # every test here lays a PDF out with WeasyPrint

POPPLER = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def flat(text: str) -> str:
    return " ".join(text.replace("•", " ").replace("◦", " ").split())


def bare(text: str) -> str:
    """Text without white space, to compare printed text: pdftotext adds a space where a code
    span's padding leaves a gap ("`NULL`s" reads "NULL s")."""
    return "".join(flat(text).split())


def pdftotext(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    return flat(out.stdout.decode())


def top_bookmarks(pdf: Path) -> list[str]:
    return [str(item.title) for item in PdfReader(pdf).outline if not isinstance(item, list)]


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


@pytest.fixture
def quizzes(course: Course) -> list[QuizView]:
    return quiz_views(course)


@pytest.fixture
def handouts(course_dir: Path, course: Course, built: Builds) -> dict[str, Path]:
    """The PDF and the first module's PDF, for reviewers and for learners (one build of each
    for the whole session)."""
    first = quiz_views(course)[0].id
    out: dict[str, Path] = {}
    for name, learner in (("reviewer", False), ("learner", True)):
        dist = built.handout(course_dir, per_module=True, **({"learner": True} if learner else {}))
        out[name] = dist / f"{course.id}.pdf"
        out[f"{name}-module"] = dist / f"{course.id}-{first}.pdf"
    return out


def plain(view: QuestionView, text: str) -> str:
    """A text of the question as printed (its Markdown rendered), for `bare` comparison."""
    return bare(view.inline.plain(text))


def test_handout_html_has_an_answer_key_only_for_reviewers(
    course: Course, quizzes: list[QuizView]
) -> None:
    plan = render(course)
    reviewer = handout_html(plan, plan.modules, whole=True)
    learner = handout_html(plan, plan.modules, whole=True, answers=False)
    assert 'id="answer-key"' in reviewer and 'href="#answer-key"' in reviewer
    assert 'id="answer-key"' not in learner and "Answer key" not in learner
    assert 'class="cs-answer"' not in learner
    for quiz in quizzes:
        for question in quiz.questions:
            assert f'id="question-{question.id}"' in reviewer  # the question, in its module
            assert f'id="question-{question.id}"' in learner
            assert f'id="answer-{question.id}"' in reviewer  # and its answer, in the appendix
            assert f'href="#question-{question.id}"' in reviewer
        # the key comes after the body, the glossary and the objectives index
        assert reviewer.index(f'id="{quiz.id}-quiz"') < reviewer.index('id="glossary"')
    assert reviewer.index('id="objectives"') < reviewer.index('id="answer-key"')


def test_handout_html_prints_quiz_markdown_as_html(course: Course, quizzes: list[QuizView]) -> None:
    """Each printed text is its Markdown as HTML, in the questions and in the answer key."""
    plan = render(course)
    reviewer = handout_html(plan, plan.modules, whole=True)
    for quiz in quizzes:
        for view in quiz.questions:
            # printed twice: in the module and in the answer key
            assert reviewer.count(f"</span> {view.prompt}</p>") == 1, view.id
            assert reviewer.count(f"</a> {view.prompt}</p>") == 1, view.id
            for _, html in view.feedback:
                assert html in reviewer, view.id


@POPPLER
def test_reviewer_handout_lists_answers_feedback_and_objectives(
    handouts: dict[str, Path], course: Course, quizzes: list[QuizView]
) -> None:
    text = pdftotext(handouts["reviewer"])
    assert "answer key included in the appendix" in text
    key = bare(text[text.rindex("Answer key The answer to each knowledge-check question") :])
    objectives = {o.id: o.text for m in course.published_modules for o in m.objectives}
    for quiz in quizzes:
        for view in quiz.questions:
            question = view.question
            entry_start = key.index(bare(f"Q{view.number}. {plain(view, question.prompt)}"))
            entry = key[entry_start : entry_start + 1200]
            assert entry.index("Answer") < entry.index("Assesses"), question.id
            for objective in question.objectives:
                assert bare(objectives[objective]) in entry, (question.id, objective)
            for feedback in (question.feedback.correct, question.feedback.incorrect):
                if feedback:
                    assert plain(view, feedback) in entry, question.id
            for choice in question.choices:
                if choice.correct:
                    assert plain(view, choice.text) in entry, question.id
                if choice.feedback:
                    assert plain(view, choice.feedback) in entry, question.id
            for accepted in question.accept:
                assert bare(accepted) in entry
            for pair in question.pairs:
                assert f"{plain(view, pair.left)}→" in entry
    assert top_bookmarks(handouts["reviewer"])[-1] == "Answer key"
    index = text[text.rindex("Objectives index Each learning objective") :]
    assert index.count("Assessed by Q") == sum(
        any(objective in v.question.objectives for q in quizzes for v in q.questions)
        for objective in objectives
    )


def test_objectives_index_keeps_a_word_space_after_each_label(course: Course) -> None:
    """Its entries are written without white space around their pieces (WeasyPrint lays each
    run of it out), but for the word space between a label and its first reference."""
    plan = render(course)
    html = handout_html(plan, plan.modules, whole=True)
    labels = re.findall(r'<span class="cs-objindex__label">[^<]*</span>(\s*)<', html)
    assert labels and all(space and not space.strip() for space in labels)


@POPPLER
def test_learner_handout_has_the_questions_but_no_answers(
    handouts: dict[str, Path], quizzes: list[QuizView]
) -> None:
    for name in ("learner", "learner-module"):
        text = pdftotext(handouts[name])
        printed = bare(text)
        for quiz in quizzes if name == "learner" else quizzes[:1]:
            for view in quiz.questions:
                question = view.question
                # learners still get the questions
                assert plain(view, question.prompt) in printed, question.id
                for feedback in (question.feedback.correct, question.feedback.incorrect):
                    assert not feedback or plain(view, feedback) not in printed, question.id
                for choice in question.choices:
                    assert not choice.feedback or plain(view, choice.feedback) not in printed
        assert "Answer key" not in text
        assert "Accepted:" not in text and "Assesses" not in text
        assert "answer key included" not in text
        assert "Answer key" not in top_bookmarks(handouts[name])


@POPPLER
def test_quiz_text_prints_without_markdown_syntax(
    handouts: dict[str, Path], quizzes: list[QuizView]
) -> None:
    """What the author marked up prints formatted: no backticks or asterisks reach the page."""
    printed = bare(pdftotext(handouts["reviewer"]))
    for quiz in quizzes:
        for view in quiz.questions:
            for _, source in question_texts(view.question):
                assert plain(view, source) in printed, (view.id, source)
                if bare(source) != plain(view, source):
                    assert bare(source) not in printed, (view.id, source)


@POPPLER
def test_per_module_reviewer_pdf_has_its_own_answer_key(
    handouts: dict[str, Path], quizzes: list[QuizView]
) -> None:
    text = pdftotext(handouts["reviewer-module"])
    assert "Answer key The answer to each knowledge-check question" in text
    first = quizzes[0].questions[0]
    assert bare(f"Q1. {first.inline.plain(first.question.prompt)} Answer") in bare(text)


def test_every_question_type_prints_its_markdown(make_course: MakeCourse) -> None:
    root = make_course(
        modules={"modules/one.md": MARKDOWN_QUIZ_MODULE},
        files={"assets/handout.pdf": b"%PDF-1.4\n"},
    )
    course = load_course(root).course
    assert course is not None
    plan = render(course)
    html = handout_html(plan, plan.modules, whole=True)
    quiz = html[html.index('id="one-quiz"') : html.index('id="glossary"')]
    key = html[html.index('id="answer-key"') :]
    assert '<p class="cs-question__prompt"><span class="cs-question__num">Q1.</span> ' in quiz
    assert "Which type is <em>exact</em>? See " in quiz
    assert '<a href="#one-widgets-and-gadgets">Widgets</a>' in quiz  # a heading of the module
    assert '<a href="https://example.org/docs">the docs</a>' in quiz
    assert "<s><code>FLOAT</code></s> <code>REAL</code>" in quiz  # a choice
    assert "<code>NULL = NULL</code> is <em>true</em>" in quiz  # true/false
    assert "<code>LEFT JOIN</code></li>" in quiz and "<strong>every</strong> left row" in quiz
    assert "<code>WHERE</code></li>" in quiz  # an item to order
    # the answer key: answers, matches, order and feedback, formatted the same way
    assert "a. <code>NUMERIC</code>" in key and "Yes: <code>NUMERIC</code> is <strong>exact" in key
    assert "1. <code>INNER JOIN</code> → " in key and "only <em>matching</em> rows" in key
    assert "If right: <code>ON DELETE CASCADE</code> deletes the lines too." in key
    assert "Accepted: CASCADE" in key  # what learners type stays as typed
    assert "Read the handout again." in key  # a link to a file prints as its text
    assert "<script" not in html and 'href="javascript:' not in html
    assert "`" not in quiz and "*" not in quiz
