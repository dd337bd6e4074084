"""Answer a coursec knowledge check in a browser page or frame, as a learner would."""

from __future__ import annotations

import functools
from typing import Any

from playwright.sync_api import Frame, Page

from conftest import REFERENCE_COURSE
from coursec.loading import load_course
from coursec.model import Course
from coursec.questions.choices import ChoiceQuestion, ChoiceView
from coursec.quiz import QuestionView, QuizView, quiz_view
from coursec.schema import QuestionType

__all__ = [
    "answer",
    "choices",
    "feedback",
    "live_text",
    "picks",
    "quiz_state",
    "quiz_views",
    "score_text",
    "shown",
    "wait_for_quiz",
]

Target = Page | Frame
RESULT = ".cs-quiz__result"


def quiz_views(course: Course) -> list[QuizView]:
    """The knowledge check of each published module that has one, in course order."""
    views = [quiz_view(course, m) for m in course.published_modules]
    return [v for v in views if v is not None]


def score_text(quiz: QuizView, asked: list[QuestionView], right: list[QuestionView]) -> str:
    """What the live region says of an attempt that asked `asked` and got `right` right."""
    raw, top = sum(v.points for v in right), sum(v.points for v in asked)
    passed = raw * 100 >= quiz.quiz.passing_score * top
    verdict = "Passed" if passed else "Not passed"
    return (
        f"You scored {raw} of {top} ({raw * 100 // top}%). "
        f"{verdict} — the pass mark is {quiz.quiz.passing_score}%."
    )


def choices(view: QuestionView) -> list[ChoiceView]:
    """The choices of a single-choice or multiple-response question; none of another kind."""
    return view.choices if isinstance(view, ChoiceQuestion) else []


def picks(view: QuestionView, right: bool) -> list[str]:
    """Choice ids to pick: the right ones, or wrong ones with feedback (one for single-choice;
    for multiple-response also the first choice)."""
    if right:
        return [c.id for c in choices(view) if c.correct]
    wrong = [c.id for c in choices(view) if not c.correct and c.feedback]
    if view.question.type is QuestionType.SINGLE:
        return wrong[:1]
    return list(dict.fromkeys([choices(view)[0].id, *wrong]))


def answer(target: Target, view: QuestionView, right: bool) -> None:
    """Answer one question, right or wrong, with the mouse and keyboard's native controls."""
    q, dom = view.question, f"#{view.dom_id}"
    if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        for choice_id in picks(view, right):
            target.check(f"{dom}__{choice_id}")
    elif q.type is QuestionType.TRUE_FALSE:
        value = q.answer if right else not q.answer
        target.check(f"{dom}__{'true' if value else 'false'}")
    elif q.type is QuestionType.MATCHING:
        shown = {o.source: o.text for o in view.rights}  # an <option> holds plain text
        rights = [p.right for p in q.pairs]
        if not right:
            rights = rights[1:] + rights[:1]
        for left, text in zip(view.lefts, rights, strict=True):
            target.select_option(f"{dom}__{left.id}", label=shown[text])
    elif q.type is QuestionType.ORDERING:
        shown = {o.source: o.text for o in view.steps}
        items = list(q.items) if right else list(reversed(q.items))
        for step, text in enumerate(items, start=1):
            target.select_option(f"{dom}__step-{step}", label=shown[text])
    else:
        # case and spacing are ignored
        target.fill(f"{dom}__text", f"  {q.accept[0].upper()} " if right else "incorrigible")


def feedback(target: Target, view: QuestionView) -> str:
    return " ".join(target.inner_text(f"#{view.dom_id}__feedback").split())


def live_text(target: Target) -> str:
    return " ".join(target.inner_text(RESULT).split())


def wait_for_quiz(target: Target) -> None:
    target.wait_for_function("() => window.coursecQuiz && window.coursecQuiz.quizzes().length > 0")


def quiz_state(target: Target, index: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = target.evaluate("i => window.coursecQuiz.quizzes()[i]", index)
    return result


def shown(target: Target, quiz: QuizView, index: int = 0) -> list[QuestionView]:
    """The questions of the current attempt, in the order shown (a draw shows some only)."""
    by_id = {v.id: v for v in quiz.questions}
    return [by_id[i] for i in quiz_state(target, index)["order"]]


def guess_and_check(target: Target) -> None:
    """Answer only the first shown question, with its last option, then check: an attempt that
    counts (an empty check does not) and, with one question of several, does not pass."""
    target.evaluate(
        """() => {
        const f = document.querySelector('fieldset.cs-question:not([hidden])');
        const changed = (node) => node.dispatchEvent(new Event('change', {bubbles: true}));
        const boxes = f.querySelectorAll('input[type=radio], input[type=checkbox]');
        const select = f.querySelector('select');
        const text = f.querySelector('input[type=text]');
        if (boxes.length) {
            boxes[boxes.length - 1].checked = true;
            changed(boxes[boxes.length - 1]);
        } else if (select) {
            select.selectedIndex = 1;
            changed(select);
        } else {
            text.value = 'a guess';
            text.dispatchEvent(new Event('input', {bubbles: true}));
        }
    }"""
    )
    target.click("text=Check answers")


@functools.cache
def reference_quiz() -> QuizView:
    """The reference course's one knowledge check."""
    course = load_course(REFERENCE_COURSE).course
    assert course is not None
    [quiz] = quiz_views(course)
    return quiz
