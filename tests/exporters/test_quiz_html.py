"""Knowledge checks on the HTML site: every question type answered right and wrong in Chromium,
feedback in the live region, attempts, per-attempt shuffling, and axe with feedback shown."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from conftest import REFERENCE_COURSE, MakeCourse
from coursec.build import build
from coursec.loading import load_course
from coursec.options import BuildOptions
from coursec.quiz import QuizView, quiz_view
from coursec.schema import QuestionType
from support.browser import axe_violations, format_violations, page_errors
from support.quiz import (
    answer,
    feedback,
    guess_and_check,
    live_text,
    picks,
    quiz_state,
    wait_for_quiz,
)

MODULE = "instrumental-convergence"
PAGE = f"{MODULE}.html"
RESULT = ".cs-quiz__result"
Serve = Callable[[Path], str]


def _build(course_dir: Path, out: Path) -> Path:
    result = build(course_dir, BuildOptions(formats=("html",), out_dir=out / "dist"))
    assert result.ok, result.diagnostics
    return out / "dist" / "html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(REFERENCE_COURSE, tmp_path_factory.mktemp("quiz-html"))


@pytest.fixture(scope="module")
def quiz() -> QuizView:
    course = load_course(REFERENCE_COURSE).course
    assert course is not None
    module = next(m for m in course.modules if m.id == MODULE)
    view = quiz_view(course.id, module)
    assert view is not None
    return view


def open_quiz(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_quiz(page)


def snapshot(page: Page) -> dict[str, Any]:
    return quiz_state(page)


# --------------------------------------------------------------------------- the page


def test_quiz_is_rendered_after_the_body_with_native_controls(site: Path, quiz: QuizView) -> None:
    html = (site / PAGE).read_text(encoding="utf-8")
    body_end = html.index('<div class="cs-body">')
    quiz_at = html.index('<section class="cs-quiz"')
    assert body_end < quiz_at < html.index('class="cs-upnext"')
    assert html.count('<fieldset class="cs-question') == len(quiz.questions)
    assert html.count("<legend") == len(quiz.questions)
    assert 'type="radio"' in html and 'type="checkbox"' in html and 'type="text"' in html
    # one select per matching pair and per ordering step
    selects = sum(len(v.question.pairs) + len(v.question.items) for v in quiz.questions)
    assert html.count("<select") == selects
    assert 'role="status" aria-live="polite"' in html
    assert '<script src="static/coursec-quiz.js"></script>' in html
    assert '<link rel="stylesheet" href="static/quiz.css">' in html
    for other in ("index.html", "glossary.html", "objectives.html"):
        assert "coursec-quiz.js" not in (site / other).read_text(encoding="utf-8")
    assert (site / "static" / "coursec-quiz.js").is_file()
    assert (site / "static" / "quiz.css").is_file()


def test_quiz_data_is_valid_json_with_escaped_markup(site: Path) -> None:
    html = (site / PAGE).read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" class="cs-quiz-data">(.*?)</script>', html, re.S
    )
    assert match
    assert "<" not in match.group(1)
    data = json.loads(match.group(1))
    assert data["passingScore"] == 75 and data["attempts"] == 3 and len(data["questions"]) == 8
    assert {q["type"] for q in data["questions"]} == {t.value for t in QuestionType}
    assert data["questions"][0]["objectives"] == ["agai-302.explain-instrumental-convergence"]


def test_ordering_options_are_scrambled_and_matching_options_alphabetical(quiz: QuizView) -> None:
    for view in quiz.questions:
        if view.question.type is QuestionType.ORDERING:
            assert [o.text for o in view.steps] != list(view.question.items)
            assert sorted(o.text for o in view.steps) == sorted(view.question.items)
        if view.question.type is QuestionType.MATCHING:
            texts = [o.text for o in view.rights]
            assert texts == sorted(texts, key=str.casefold)


# --------------------------------------------------------------------------- answering


def test_every_question_answered_right(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    for view in quiz.questions:
        answer(page, view, right=True)
    page.click("button.cs-quiz__check")
    text = live_text(page)
    assert "You scored 8 of 8 (100%). Passed — the pass mark is 75%." in text
    for view in quiz.questions:
        got = feedback(page, view)
        assert got.startswith("✓ Correct."), (view.id, got)
        if view.question.feedback.correct:
            assert view.question.feedback.correct in got
    # the picked right choice's own feedback is shown too
    first = quiz.questions[0]
    right_choice = next(c for c in first.choices if c.correct)
    assert right_choice.feedback and right_choice.feedback in feedback(page, first)
    assert page.locator("button.cs-quiz__retry").is_hidden()  # passed: the check is finished
    assert page.locator("fieldset.cs-question:disabled").count() == len(quiz.questions)
    assert snapshot(page)["result"] == {
        "raw": 8,
        "max": 8,
        "percent": 100,
        "passed": True,
        "finished": True,
    }
    assert page_errors(page) == []


def test_every_question_answered_wrong(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    for view in quiz.questions:
        answer(page, view, right=False)
    page.click("button.cs-quiz__check")
    text = live_text(page)
    assert "You scored 0 of 8 (0%). Not passed — the pass mark is 75%." in text
    assert "You have 2 attempts left." in text
    for view in quiz.questions:
        got = feedback(page, view)
        assert got.startswith("✗ Incorrect."), (view.id, got)
        assert "No answer was given" not in got
        if view.question.feedback.incorrect:
            assert view.question.feedback.incorrect in got
        # the feedback of each picked choice, and of no other
        for choice in view.choices:
            if choice.feedback:
                assert (choice.feedback in got) == (choice.id in picks(view, False)), choice
        # announced in the live region, with the words, not only a colour
        assert f"Question {view.number}: Incorrect." in text
    assert page.locator("button.cs-quiz__retry").is_visible()
    assert page.evaluate("document.activeElement.className") == "cs-quiz__retry"
    assert page_errors(page) == []


@pytest.mark.parametrize("wrong", [("ic-shortcuts", "checkpoint-flow")])
def test_score_and_pass_mark_in_the_live_region(
    site: Path, page: Page, http_server: Serve, quiz: QuizView, wrong: tuple[str, ...]
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    assert page.get_attribute(RESULT, "role") == "status"
    assert page.get_attribute(RESULT, "aria-live") == "polite"
    for view in quiz.questions:
        answer(page, view, right=view.id not in wrong)
    page.click("text=Check answers")
    text = live_text(page)
    assert "You scored 6 of 8 (75%). Passed — the pass mark is 75%." in text
    for view in quiz.questions:
        verdict = "Incorrect." if view.id in wrong else "Correct."
        assert f"Question {view.number}: {verdict}" in text


def test_unanswered_questions_count_as_incorrect(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    answer(page, quiz.questions[0], right=True)
    page.click("text=Check answers")
    assert "You scored 1 of 8 (12%). Not passed" in live_text(page)
    assert feedback(page, quiz.questions[1]).startswith("✗ Incorrect. No answer was given.")


def test_checking_with_nothing_answered_costs_no_attempt(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    page.click("text=Check answers")
    assert "Answer at least one question before checking" in live_text(page)
    assert quiz_state(page)["submitted"] is False
    answer(page, quiz.questions[0], right=True)
    page.click("text=Check answers")
    assert "You scored 1 of 8 (12%). Not passed" in live_text(page)
    assert "You have 2 attempts left." in live_text(page)


def test_keyboard_only(site: Path, page: Page, http_server: Serve, quiz: QuizView) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    text_q = next(v for v in quiz.questions if v.question.type is QuestionType.SHORT_TEXT)
    tf_q = next(v for v in quiz.questions if v.question.type is QuestionType.TRUE_FALSE)
    page.focus(f"#{text_q.dom_id}__text")
    page.keyboard.type(text_q.question.accept[0])
    page.keyboard.press("Tab")  # on to the true/false radio group
    assert page.evaluate("document.activeElement.name") == tf_q.dom_id
    page.keyboard.press("Space")  # checks the focused radio
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # submits the form from the text field
    page.wait_for_selector(f"{RESULT} .cs-quiz__score")
    assert feedback(page, text_q).startswith("✓ Correct.")
    assert page.evaluate("document.activeElement.textContent") == "Try again"
    page.keyboard.press("Enter")
    assert snapshot(page)["attempt"] == 2
    assert page.evaluate("document.activeElement.tagName") in ("INPUT", "SELECT")
    assert "Attempt 2 of 3" in live_text(page)


# --------------------------------------------------------------------------- attempts


def test_attempts_limit_is_enforced_and_survives_a_reload(
    site: Path, page: Page, http_server: Serve
) -> None:
    url = f"{http_server(site)}/{PAGE}"
    open_quiz(page, url)
    for attempt in (1, 2, 3):
        assert snapshot(page)["attempt"] == attempt
        guess_and_check(page)
        if attempt < 3:
            assert f"You have {3 - attempt} attempt" in live_text(page)
            page.click("text=Try again")
    assert "You have used all 3 attempts." in live_text(page)
    assert page.locator("button.cs-quiz__retry").is_hidden()
    assert page.locator("button.cs-quiz__check").is_hidden()
    open_quiz(page, url)  # localStorage keeps the attempt and its result
    state = snapshot(page)
    assert state["store"] == "local"
    assert (state["attempt"], state["submitted"], state["attemptsUsed"]) == (3, True, 3)
    assert "You have used all 3 attempts." in live_text(page)
    assert page.locator("button.cs-quiz__retry").is_hidden()
    # a direct call does not get round the limit either
    page.evaluate("() => document.querySelector('.cs-quiz__retry').click()")
    assert snapshot(page)["attempt"] == 3


def test_answers_survive_a_reload(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    url = f"{http_server(site)}/{PAGE}"
    open_quiz(page, url)
    for view in quiz.questions:
        answer(page, view, right=True)
    before = snapshot(page)["answers"]
    assert len(before) == len(quiz.questions)
    open_quiz(page, url)
    assert snapshot(page)["answers"] == before
    page.click("text=Check answers")
    assert "You scored 8 of 8" in live_text(page)


# --------------------------------------------------------------------------- shuffling


def choice_orders(page: Page) -> dict[str, list[str]]:
    result: dict[str, list[str]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('fieldset.cs-question')]
             .filter(f => !f.hidden && f.querySelector('.cs-choices'))
             .map(f => [f.dataset.question,
                        [...f.querySelectorAll('.cs-choice')].map(c => c.dataset.choice)]))"""
    )
    return result


def test_choice_shuffle_is_stable_on_reload_and_changes_on_retry(
    site: Path, page: Page, http_server: Serve
) -> None:
    url = f"{http_server(site)}/{PAGE}"
    open_quiz(page, url)
    first = choice_orders(page)
    shuffled = snapshot(page)["choices"]
    assert set(shuffled) == {
        "ic-definition",
        "ic-shortcuts",
        "misgeneralization-shift",
        "mitigations-choice",
    }  # true/false keeps True, False
    assert all(first[q] == order for q, order in shuffled.items())
    open_quiz(page, url)
    assert choice_orders(page) == first  # a reload shows the same attempt the same way
    guess_and_check(page)
    page.click("text=Try again")
    second = choice_orders(page)
    assert second != first  # a new attempt is arranged anew
    assert {k: sorted(v) for k, v in second.items()} == {k: sorted(v) for k, v in first.items()}
    open_quiz(page, url)
    assert choice_orders(page) == second
    # the arrangement is a function of the quiz and the attempt number alone
    again = page.evaluate(
        "() => { const d = JSON.parse(document.querySelector('.cs-quiz-data').textContent);"
        " return window.coursecQuiz.layout(d, 2).choices; }"
    )
    assert again == snapshot(page)["choices"]


DRAW_MODULE = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
quiz:
  title: Widget check
  passing_score: 50
  shuffle_questions: true
  shuffle_choices: true
  draw: 3
  questions:
{questions}
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""


def _draw_course(make_course: MakeCourse) -> Path:
    questions = "".join(
        textwrap.indent(
            textwrap.dedent(
                f"""\
                - id: q{i}
                  type: single-choice
                  prompt: "Widget question {i} <b>bold?</b>"
                  objectives: [explain-widgets]
                  points: {i}
                  choices:
                    - {{text: "Right {i}", correct: true}}
                    - {{text: "Wrong {i}a"}}
                    - {{text: "Wrong {i}b"}}
                    - {{text: "Wrong {i}c"}}
                """
            ),
            "    ",
        )
        for i in range(1, 7)
    )
    return make_course(modules={"modules/one.md": DRAW_MODULE.format(questions=questions)})


def test_draw_and_question_shuffle_per_attempt(
    make_course: MakeCourse, tmp_path: Path, page: Page, http_server: Serve
) -> None:
    site = _build(_draw_course(make_course), tmp_path / "out")
    html = (site / "one.html").read_text(encoding="utf-8")
    assert "Widget question 1 &lt;b&gt;bold?&lt;/b&gt;" in html  # content is text, not markup
    url = f"{http_server(site)}/one.html"
    open_quiz(page, url)
    shown = page.evaluate(
        "() => [...document.querySelectorAll('fieldset.cs-question:not([hidden])')]"
        ".map(f => f.dataset.question)"
    )
    assert len(shown) == 3
    assert shown == snapshot(page)["order"]
    assert page.locator("fieldset.cs-question[hidden]").count() == 3
    numbers = page.locator("fieldset.cs-question:not([hidden]) .cs-question__number")
    assert numbers.first.inner_text().startswith("Question 1 of 3")
    orders = [snapshot(page)["order"]]
    open_quiz(page, url)
    assert snapshot(page)["order"] == orders[0]
    for _ in range(3):
        guess_and_check(page)
        page.click("text=Try again")
        orders.append(snapshot(page)["order"])
    assert len({tuple(o) for o in orders}) > 1
    # scoring counts only the drawn questions' points
    first = snapshot(page)["order"][0]
    page.check(f"#one__quiz__{first}__a")
    page.click("text=Check answers")
    points = {f"q{i}": i for i in range(1, 7)}
    drawn = snapshot(page)["order"]
    total = sum(points[q] for q in drawn)
    assert f"You scored {points[first]} of {total}" in live_text(page)


# --------------------------------------------------------------------------- accessibility


def test_no_axe_violations_with_feedback_shown(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    for view in quiz.questions:
        answer(page, view, right=view.number % 2 == 0)
    page.click("text=Check answers")
    page.wait_for_selector(f"{RESULT} .cs-quiz__score")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    page.click("text=Try again")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_no_axe_violations_in_either_colour_scheme(
    site: Path, new_page: Callable[..., Page], http_server: Serve, scheme: str
) -> None:
    page = new_page(color_scheme=scheme)
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    page.click("text=Check answers")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_works_from_the_file_system(site: Path, page: Page, quiz: QuizView) -> None:
    open_quiz(page, (site / PAGE).as_uri())
    answer(page, quiz.questions[0], right=True)
    page.click("text=Check answers")
    assert "You scored 1 of 8" in live_text(page)
    assert page_errors(page) == []


def test_saved_state_never_outgrows_the_budget(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    """The runtime's longest encoding of every answer is exactly what the exporter budgets."""
    open_quiz(page, f"{http_server(site)}/{PAGE}")
    encoded = page.evaluate(
        """() => {
          const d = JSON.parse(document.querySelector('.cs-quiz-data').textContent);
          const answers = {};
          d.questions.forEach(q => {
            const last = (list) => list[list.length - 1];
            answers[q.id] = {
              "single-choice": () => last(q.choices).id,
              "multiple-response": () => q.choices.map(c => c.id),
              "true-false": () => true,
              "matching": () => Object.fromEntries(q.lefts.map(l => [l, last(q.rights)])),
              "ordering": () => q.order.map(() => last(q.options)),
              "short-text": () => "é".repeat(q.maxLength + 10),
            }[q.type]();
          });
          const state = {attempt: d.attempts, submitted: true, answers};
          const text = window.coursecQuiz.encodeState(d, state);
          const back = window.coursecQuiz.decodeState(d, text);
          return {text, back, answers};
        }"""
    )
    assert len(encoded["text"]) == quiz.worst_case_state_length()
    assert not set(encoded["text"]) & set("~|")
    short = next(v for v in quiz.questions if v.question.type is QuestionType.SHORT_TEXT)
    assert encoded["back"]["answers"][short.id] == "é" * short.max_length
    del encoded["answers"][short.id], encoded["back"]["answers"][short.id]
    assert encoded["back"]["answers"] == encoded["answers"]
