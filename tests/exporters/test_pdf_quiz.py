"""Knowledge checks in the PDF handout: the reviewer's answer key appendix, and a learner's copy
(`BuildOptions.learner`) that prints the questions without it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REFERENCE_COURSE
from coursec.build import build
from coursec.exporters.pdf import handout_html
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.render import render
from coursec.schema import Quiz

POPPLER = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def flat(text: str) -> str:
    return " ".join(text.replace("•", " ").replace("◦", " ").split())


def pdftotext(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    return flat(out.stdout.decode())


def top_bookmarks(pdf: Path) -> list[str]:
    return [str(item.title) for item in PdfReader(pdf).outline if not isinstance(item, list)]


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(REFERENCE_COURSE).course
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def quiz(course: Course) -> Quiz:
    found = course.published_modules[0].spec.quiz
    assert found is not None
    return found


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference course's PDF (and per-module PDF) for reviewers and for learners."""
    out: dict[str, Path] = {}
    for name, learner in (("reviewer", False), ("learner", True)):
        root = tmp_path_factory.mktemp(name)
        result = build(
            REFERENCE_COURSE,
            BuildOptions(
                formats=("pdf",), out_dir=root / "dist", learner=learner, pdf_per_module=True
            ),
        )
        assert result.ok, [d.format() for d in result.diagnostics]
        out[name] = root / "dist" / "agai-302.pdf"
        out[f"{name}-module"] = root / "dist" / "agai-302-instrumental-convergence.pdf"
    return out


def test_handout_html_has_an_answer_key_only_for_reviewers(course: Course, quiz: Quiz) -> None:
    plan = render(course)
    reviewer = handout_html(plan, plan.modules, whole=True)
    learner = handout_html(plan, plan.modules, whole=True, answers=False)
    assert 'id="answer-key"' in reviewer and 'href="#answer-key"' in reviewer
    assert 'id="answer-key"' not in learner and "Answer key" not in learner
    assert 'class="cs-answer"' not in learner
    for question in quiz.questions:
        assert f'id="question-{question.id}"' in reviewer  # the question, in its module
        assert f'id="question-{question.id}"' in learner
        assert f'id="answer-{question.id}"' in reviewer  # and its answer, in the appendix
        assert f'href="#question-{question.id}"' in reviewer
    # the key comes after the body, the glossary and the objectives index
    assert reviewer.index('id="objectives"') < reviewer.index('id="answer-key"')
    assert reviewer.index('id="instrumental-convergence-quiz"') < reviewer.index('id="glossary"')


@POPPLER
def test_reviewer_handout_lists_answers_feedback_and_objectives(
    handouts: dict[str, Path], course: Course, quiz: Quiz
) -> None:
    text = pdftotext(handouts["reviewer"])
    assert "answer key included in the appendix" in text
    key = text[text.rindex("Answer key The answer to each knowledge-check question") :]
    objectives = {o.id: o.text for o in course.published_modules[0].objectives}
    for number, question in enumerate(quiz.questions, start=1):
        entry_start = key.index(f"Q{number}. {flat(question.prompt)}")
        entry = key[entry_start : entry_start + 1500]
        assert entry.index("Answer") < entry.index("Assesses"), question.id
        for objective in question.objectives:
            assert flat(objectives[objective]) in entry, (question.id, objective)
        for feedback in (question.feedback.correct, question.feedback.incorrect):
            if feedback:
                assert flat(feedback) in entry, question.id
        for choice in question.choices:
            if choice.correct:
                assert flat(choice.text) in entry, question.id
            if choice.feedback:
                assert flat(choice.feedback) in entry, question.id
        for accepted in question.accept:
            assert accepted in entry
        for pair in question.pairs:
            assert f"{pair.left} → " in entry
    assert top_bookmarks(handouts["reviewer"])[-1] == "Answer key"


@POPPLER
def test_learner_handout_has_the_questions_but_no_answers(
    handouts: dict[str, Path], quiz: Quiz
) -> None:
    for name in ("learner", "learner-module"):
        text = pdftotext(handouts[name])
        for question in quiz.questions:
            assert flat(question.prompt) in text, question.id  # learners still get the questions
            for feedback in (question.feedback.correct, question.feedback.incorrect):
                assert not feedback or flat(feedback) not in text, question.id
            for choice in question.choices:
                assert not choice.feedback or flat(choice.feedback) not in text
        assert "Answer key" not in text
        assert "Accepted:" not in text and "Assesses" not in text
        assert "answer key included" not in text
        assert "Answer key" not in top_bookmarks(handouts[name])


@POPPLER
def test_per_module_reviewer_pdf_has_its_own_answer_key(
    handouts: dict[str, Path], quiz: Quiz
) -> None:
    text = pdftotext(handouts["reviewer-module"])
    assert "Answer key The answer to each knowledge-check question" in text
    assert f"Q1. {flat(quiz.questions[0].prompt)} Answer" in text
