"""Answer a coursec knowledge check in a browser page or frame, as a learner would."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Frame, Page

from coursec.quiz import QuestionView
from coursec.schema import QuestionType

__all__ = ["answer", "feedback", "live_text", "picks", "quiz_state", "wait_for_quiz"]

Target = Page | Frame
RESULT = ".cs-quiz__result"


def picks(view: QuestionView, right: bool) -> list[str]:
    """Choice ids to pick: the right ones, or wrong ones with feedback (one for single-choice;
    for multiple-response also the first choice)."""
    if right:
        return [c.id for c in view.choices if c.correct]
    wrong = [c.id for c in view.choices if not c.correct and c.feedback]
    if view.question.type is QuestionType.SINGLE:
        return wrong[:1]
    return list(dict.fromkeys([view.choices[0].id, *wrong]))


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
        rights = [p.right for p in q.pairs]
        if not right:
            rights = rights[1:] + rights[:1]
        for left, text in zip(view.lefts, rights, strict=True):
            target.select_option(f"{dom}__{left.id}", label=text)
    elif q.type is QuestionType.ORDERING:
        items = list(q.items) if right else list(reversed(q.items))
        for step, text in enumerate(items, start=1):
            target.select_option(f"{dom}__step-{step}", label=text)
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
