"""Knowledge checks on the HTML site of every course: every question type answered right and
wrong in Chromium, feedback in the live region, attempts, per-attempt shuffling, axe with
feedback shown, and inline Markdown in every text."""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Page

from conftest import COURSE_YML, MakeCourse
from coursec.build import build
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.questions.matching import Matching
from coursec.questions.ordering import Ordering
from coursec.quiz import QuestionView, QuizView
from coursec.schema import QuestionType
from support.browser import axe_violations, format_violations, page_errors
from support.quiz import (
    answer,
    choices,
    feedback,
    guess_and_check,
    live_text,
    picks,
    quiz_state,
    quiz_views,
    score_text,
    shown,
    wait_for_quiz,
)
from support.quiz_markdown import MARKDOWN_QUIZ_MODULE

RESULT = ".cs-quiz__result"
Serve = Callable[[Path], str]


def _build(course_dir: Path, out: Path) -> Path:
    result = build(course_dir, BuildOptions(formats=("html",), out_dir=out / "dist"))
    assert result.ok, result.diagnostics
    return out / "dist" / "html"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """The HTML site of a course, built once for this file."""
    built: dict[Path, Path] = {}

    def site(course_dir: Path) -> Path:
        if course_dir not in built:
            built[course_dir] = _build(course_dir, tmp_path_factory.mktemp(course_dir.name))
        return built[course_dir]

    return site


@pytest.fixture
def site(course_dir: Path, sites: Callable[[Path], Path]) -> Path:
    return sites(course_dir)


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


@pytest.fixture
def quizzes(course: Course) -> list[QuizView]:
    """Every knowledge check of the course."""
    return quiz_views(course)


@pytest.fixture
def quiz(quizzes: list[QuizView]) -> QuizView:
    """The course's first knowledge check."""
    return quizzes[0]


def page_of(quiz: QuizView) -> str:
    return f"{quiz.id}.html"


def open_quiz(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_quiz(page)


def snapshot(page: Page) -> dict[str, Any]:
    return quiz_state(page)


def plain(view: QuestionView, text: str | None) -> str:
    """A text of the question as the learner reads it (its Markdown rendered)."""
    return view.inline.plain(text or "")


def attempts_line(quiz: QuizView, used: int) -> str:
    """What the live region says about attempts after `used` attempts that did not pass."""
    limit = quiz.quiz.attempts
    if not limit:
        return "Choose “Try again” for a new attempt."
    if used >= limit:
        return (
            "You have used your only attempt."
            if limit == 1
            else f"You have used all {limit} attempts."
        )
    left = limit - used
    return f"You have {left} attempt{'s' if left != 1 else ''} left."


# --------------------------------------------------------------------------- the page


def quiz_data(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" class="cs-quiz-data">(.*?)</script>', html, re.S
    )
    assert match
    assert "<" not in match.group(1)
    data: dict[str, Any] = json.loads(match.group(1))
    return data


INPUTS = {
    QuestionType.SINGLE: 'type="radio"',
    QuestionType.TRUE_FALSE: 'type="radio"',
    QuestionType.MULTIPLE: 'type="checkbox"',
    QuestionType.SHORT_TEXT: 'type="text"',
}


def test_quiz_is_rendered_after_the_body_with_native_controls(
    site: Path, quizzes: list[QuizView]
) -> None:
    for quiz in quizzes:
        html = (site / page_of(quiz)).read_text(encoding="utf-8")
        body_end = html.index('<div class="cs-body">')
        quiz_at = html.index('<section class="cs-quiz"')
        assert body_end < quiz_at
        if 'class="cs-upnext"' in html:
            assert quiz_at < html.index('class="cs-upnext"')
        assert html.count('<fieldset class="cs-question') == len(quiz.questions)
        assert html.count("<legend") == len(quiz.questions)
        for view in quiz.questions:
            if view.question.type in INPUTS:
                assert INPUTS[view.question.type] in html, view.id
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


def test_quiz_data_is_valid_json_with_escaped_markup(
    site: Path, course: Course, quizzes: list[QuizView]
) -> None:
    types: set[str] = set()
    for quiz in quizzes:
        data = quiz_data((site / page_of(quiz)).read_text(encoding="utf-8"))
        assert data["passingScore"] == quiz.quiz.passing_score
        assert data["attempts"] == quiz.quiz.attempts
        assert len(data["questions"]) == len(quiz.questions)
        for got, view in zip(data["questions"], quiz.questions, strict=True):
            assert got["type"] == view.type
            assert got["objectives"] == [f"{course.id}.{o}" for o in view.question.objectives]
            assert got["description"] == view.description  # plain text, for the LMS
            assert "feedback" not in json.dumps(got)  # shown from the page's templates
        types |= {q["type"] for q in data["questions"]}
    assert types == {t.value for t in QuestionType}  # each course asks every type


def test_options_hold_plain_text_and_labels_keep_markup(
    site: Path, quizzes: list[QuizView]
) -> None:
    """An <option> cannot hold markup: it shows the text without Markdown syntax."""
    for quiz in quizzes:
        root = lxml_html.fromstring((site / page_of(quiz)).read_bytes())
        for view in quiz.questions:
            field = root.get_element_by_id(view.dom_id)
            options = [o.text_content() for o in field.iter("option") if o.get("value")]
            expected: list[str] = []  # <select>s: one per left item, or one per step
            if isinstance(view, Matching):
                expected = [o.text for o in view.rights] * len(view.lefts)
            if isinstance(view, Ordering):
                expected = [o.text for o in view.steps] * len(view.question.items)
            assert options == expected, view.id
            for option in options:
                assert not set(option) & set("`*~[]"), (view.id, option)
            for choice in choices(view):
                label = field.xpath(f'.//label[@for="{view.dom_id}__{choice.id}"]')[0]
                assert " ".join(label.text_content().split()) == choice.text
                assert len(label.findall(".//code")) == choice.html.count("<code>")


def test_ordering_options_are_scrambled_and_matching_options_alphabetical(
    quizzes: list[QuizView],
) -> None:
    for quiz in quizzes:
        for view in quiz.questions:
            if view.question.type is QuestionType.ORDERING:
                assert [o.source for o in view.steps] != list(view.question.items)
                assert sorted(o.source for o in view.steps) == sorted(view.question.items)
            if view.question.type is QuestionType.MATCHING:
                texts = [o.text for o in view.rights]
                assert texts == sorted(texts, key=str.casefold)


# --------------------------------------------------------------------------- answering


def test_every_question_answered_right(
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    base = http_server(site)
    for quiz in quizzes:
        open_quiz(page, f"{base}/{page_of(quiz)}")
        asked = shown(page, quiz)
        for view in asked:
            answer(page, view, right=True)
        page.click("button.cs-quiz__check")
        text = live_text(page)
        assert score_text(quiz, asked, asked) in text
        for view in asked:
            got = feedback(page, view)
            assert got.startswith("✓ Correct."), (view.id, got)
            assert plain(view, view.question.feedback.correct) in got
            # the picked right choices' own feedback is shown too
            for choice in view.question.choices:
                if choice.correct and choice.feedback:
                    assert plain(view, choice.feedback) in got, (view.id, got)
        assert page.locator("button.cs-quiz__retry").is_hidden()  # passed: the check is finished
        assert page.locator("fieldset.cs-question:not([hidden]):disabled").count() == len(asked)
        points = sum(v.points for v in asked)
        assert snapshot(page)["result"] == {
            "raw": points,
            "max": points,
            "percent": 100,
            "passed": True,
            "finished": True,
        }
    assert page_errors(page) == []


def test_every_question_answered_wrong(
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    base = http_server(site)
    for quiz in quizzes:
        open_quiz(page, f"{base}/{page_of(quiz)}")
        asked = shown(page, quiz)
        for view in asked:
            answer(page, view, right=False)
        page.click("button.cs-quiz__check")
        text = live_text(page)
        assert score_text(quiz, asked, []) in text
        assert attempts_line(quiz, 1) in text
        for view in asked:
            got = feedback(page, view)
            assert got.startswith("✗ Incorrect."), (view.id, got)
            assert "No answer was given" not in got
            assert plain(view, view.question.feedback.incorrect) in got
            # the feedback of each picked choice, and of no other
            for choice, source in zip(choices(view), view.question.choices, strict=True):
                if source.feedback:
                    said = plain(view, source.feedback) in got
                    assert said == (choice.id in picks(view, False)), choice
            # announced in the live region, with the words, not only a colour
            assert f"Question {asked.index(view) + 1}: Incorrect." in text
        assert page.locator("button.cs-quiz__retry").is_visible()
        assert page.evaluate("document.activeElement.className") == "cs-quiz__retry"
    assert page_errors(page) == []


def test_feedback_keeps_the_authors_formatting(
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    """Feedback is the author's Markdown as HTML: code stays code, in the question and in the
    live region's summary."""
    base = http_server(site)
    for quiz in quizzes:
        open_quiz(page, f"{base}/{page_of(quiz)}")
        asked = shown(page, quiz)
        for view in asked:
            answer(page, view, right=False)
        page.click("button.cs-quiz__check")
        for view in asked:
            general = dict(view.feedback).get("incorrect", "")
            notes = [c.feedback or "" for c in choices(view) if c.id in picks(view, False)]
            box = page.locator(f"#{view.dom_id}__feedback")
            assert box.locator("code").count() == sum(h.count("<code>") for h in [general, *notes])
            assert box.locator("script").count() == 0
            outcome = page.locator(f'{RESULT} li:has(a[href="#{view.dom_id}"])')
            assert outcome.locator("code").count() == general.count("<code>")


@pytest.mark.parametrize("wrong", [2])
def test_score_and_pass_mark_in_the_live_region(
    site: Path, page: Page, http_server: Serve, quiz: QuizView, wrong: int
) -> None:
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
    assert page.get_attribute(RESULT, "role") == "status"
    assert page.get_attribute(RESULT, "aria-live") == "polite"
    asked = shown(page, quiz)
    wrong_ones = asked[-wrong:]
    for view in asked:
        answer(page, view, right=view not in wrong_ones)
    page.click("text=Check answers")
    text = live_text(page)
    assert score_text(quiz, asked, [v for v in asked if v not in wrong_ones]) in text
    for number, view in enumerate(asked, start=1):
        verdict = "Incorrect." if view in wrong_ones else "Correct."
        assert f"Question {number}: {verdict}" in text


def test_unanswered_questions_count_as_incorrect(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
    asked = shown(page, quiz)
    answer(page, asked[0], right=True)
    page.click("text=Check answers")
    assert score_text(quiz, asked, asked[:1]) in live_text(page)
    assert feedback(page, asked[1]).startswith("✗ Incorrect. No answer was given.")


def test_checking_with_nothing_answered_costs_no_attempt(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
    page.click("text=Check answers")
    assert "Answer at least one question before checking" in live_text(page)
    assert quiz_state(page)["submitted"] is False
    asked = shown(page, quiz)
    answer(page, asked[0], right=True)
    page.click("text=Check answers")
    assert score_text(quiz, asked, asked[:1]) in live_text(page)
    assert attempts_line(quiz, 1) in live_text(page)


def _text_then_true_false(quizzes: list[QuizView]) -> tuple[QuizView, QuestionView, QuestionView]:
    """A check that always shows a short-text question right before a true/false one."""
    for quiz in quizzes:
        if quiz.quiz.shuffle_questions or quiz.count < len(quiz.questions):
            continue
        for first, then in itertools.pairwise(quiz.questions):
            kinds = (first.question.type, then.question.type)
            if kinds == (QuestionType.SHORT_TEXT, QuestionType.TRUE_FALSE):
                return quiz, first, then
    raise AssertionError("no knowledge check has a short-text question before a true/false one")


def test_keyboard_only(site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]) -> None:
    quiz, text_q, tf_q = _text_then_true_false(quizzes)
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
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
    limit = quiz.quiz.attempts
    assert ("Attempt 2 of " + str(limit) if limit else "Attempt 2:") in live_text(page)


# --------------------------------------------------------------------------- attempts


def test_attempts_limit_is_enforced_and_survives_a_reload(
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    quiz = next(q for q in quizzes if q.quiz.attempts)
    limit = quiz.quiz.attempts
    url = f"{http_server(site)}/{page_of(quiz)}"
    open_quiz(page, url)
    for attempt in range(1, limit + 1):
        assert snapshot(page)["attempt"] == attempt
        guess_and_check(page)
        if attempt < limit:
            assert attempts_line(quiz, attempt) in live_text(page)
            page.click("text=Try again")
    assert attempts_line(quiz, limit) in live_text(page)
    assert page.locator("button.cs-quiz__retry").is_hidden()
    assert page.locator("button.cs-quiz__check").is_hidden()
    open_quiz(page, url)  # localStorage keeps the attempt and its result
    state = snapshot(page)
    assert state["store"] == "local"
    assert (state["attempt"], state["submitted"], state["attemptsUsed"]) == (limit, True, limit)
    assert attempts_line(quiz, limit) in live_text(page)
    assert page.locator("button.cs-quiz__retry").is_hidden()
    # a direct call does not get round the limit either
    page.evaluate("() => document.querySelector('.cs-quiz__retry').click()")
    assert snapshot(page)["attempt"] == limit


def test_answers_survive_a_reload(
    site: Path, page: Page, http_server: Serve, quiz: QuizView
) -> None:
    url = f"{http_server(site)}/{page_of(quiz)}"
    open_quiz(page, url)
    asked = shown(page, quiz)
    for view in asked:
        answer(page, view, right=True)
    before = snapshot(page)["answers"]
    assert len(before) == len(asked)
    open_quiz(page, url)
    assert snapshot(page)["answers"] == before
    page.click("text=Check answers")
    assert score_text(quiz, asked, asked) in live_text(page)


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
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    quiz = next(q for q in quizzes if q.quiz.shuffle_choices and q.count == len(q.questions))
    url = f"{http_server(site)}/{page_of(quiz)}"
    open_quiz(page, url)
    first = choice_orders(page)
    shuffled = snapshot(page)["choices"]
    assert set(shuffled) == {v.id for v in quiz.questions if v.question.choices}
    # true/false keeps True, False
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
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    """axe on each knowledge check with its feedback shown, then ready for another attempt: what
    answering changes (the rest of the page is checked as it loads by test_html)."""
    base = http_server(site)
    for quiz in quizzes:
        open_quiz(page, f"{base}/{page_of(quiz)}")
        for number, view in enumerate(shown(page, quiz), start=1):
            answer(page, view, right=number % 2 == 0)
        page.click("text=Check answers")
        page.wait_for_selector(f"{RESULT} .cs-quiz__score")
        violations = axe_violations(page, context=f"#{quiz.dom_id}")
        assert violations == [], format_violations(violations)
        if page.locator("button.cs-quiz__retry").is_visible():
            page.click("text=Try again")
            violations = axe_violations(page, context=f"#{quiz.dom_id}")
            assert violations == [], format_violations(violations)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_no_axe_violations_in_either_colour_scheme(
    site: Path, new_page: Callable[..., Page], http_server: Serve, quiz: QuizView, scheme: str
) -> None:
    page = new_page(color_scheme=scheme)
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
    page.click("text=Check answers")
    violations = axe_violations(page, context=f"#{quiz.dom_id}")
    assert violations == [], format_violations(violations)


def test_works_from_the_file_system(site: Path, page: Page, quiz: QuizView) -> None:
    open_quiz(page, (site / page_of(quiz)).as_uri())
    asked = shown(page, quiz)
    answer(page, asked[0], right=True)
    page.click("text=Check answers")
    assert score_text(quiz, asked, asked[:1]) in live_text(page)
    assert page_errors(page) == []


def test_saved_state_never_outgrows_the_budget(
    site: Path, page: Page, http_server: Serve, quizzes: list[QuizView]
) -> None:
    """The runtime's longest encoding of every answer is exactly what the exporter budgets."""
    quiz = next(q for q in quizzes if q.quiz.attempts)  # unlimited attempts: capped digits
    open_quiz(page, f"{http_server(site)}/{page_of(quiz)}")
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


# --------------------------------------------------------------------------- inline Markdown


@pytest.fixture
def markdown_site(make_course: MakeCourse, tmp_path: Path) -> Path:
    root = make_course(
        modules={"modules/one.md": MARKDOWN_QUIZ_MODULE},
        files={"assets/handout.pdf": b"%PDF-1.4\n"},
    )
    return _build(root, tmp_path / "out")


def test_markdown_in_every_text_becomes_sanitized_html(markdown_site: Path) -> None:
    html = (markdown_site / "one.html").read_text(encoding="utf-8")
    root = lxml_html.fromstring(html)

    def field(question: str) -> Any:
        return root.get_element_by_id(f"one__quiz__{question}")

    single = field("md-single")
    legend = single.find(".//legend")
    assert [e.text for e in legend.iter("em")] == ["exact"]
    links = {a.text: a.get("href") for a in legend.iter("a")}
    # a heading of the module's own page, by its slug; the web as written
    assert links == {"Widgets": "#one-widgets-and-gadgets", "the docs": "https://example.org/docs"}
    labels = single.findall(".//label")
    assert [c.text for label in labels for c in label.iter("code")] == ["NUMERIC", "FLOAT", "REAL"]
    assert [s.text_content() for s in labels[1].iter("s")] == ["FLOAT"]
    templates = {
        t.get("data-feedback-choice") or t.get("data-feedback-result"): t
        for t in single.iter("template")
    }
    assert set(templates) == {"a", "b", "correct", "incorrect"}
    assert templates["a"].find(".//strong").text == "exact"
    assert templates["b"].find(".//a").get("href") == "https://example.org/float"
    # nothing the author's text carries can run: no script, no javascript: link
    assert "pwned" not in "".join(s.text or "" for s in root.iter("script"))
    assert "javascript:" not in "".join(a.get("href", "") for a in root.iter("a"))
    assert "&lt;script&gt;" in html  # raw HTML is off in this course: shown as text
    # a link to a file cannot be followed from every output: its text stays, the link goes
    multiple = field("md-multiple")
    note = next(t for t in multiple.iter("template") if t.get("data-feedback-result"))
    assert "the handout" in note.text_content() and not list(note.iter("a"))
    assert [c.text for c in field("md-true-false").find(".//legend").iter("code")] == [
        "NULL = NULL"
    ]
    matching = field("md-matching")
    assert [c.text for c in matching.iter("code") if c.getparent().tag == "label"] == [
        "INNER JOIN",
        "LEFT JOIN",
    ]
    options = [o.text for o in matching.iter("option") if o.get("value")]
    assert options[:2] == ["every left row", "only matching rows"]  # plain, sorted as shown
    steps = [o.text for o in field("md-ordering").iter("option") if o.get("value")]
    assert sorted(steps[:3]) == ["FROM", "SELECT", "WHERE"]
    data = quiz_data(html)
    assert [q["description"] for q in data["questions"]] == [
        "Which type is exact? See Widgets and the docs.",
        "Which are keys of order_line?",
        "NULL = NULL is true.",
        "Match each JOIN with what it keeps.",
        "Put the clauses of a SELECT in the order they are written.",
        "Which keyword completes ON DELETE ____?",
    ]


def test_markdown_feedback_is_shown_formatted_after_checking(
    markdown_site: Path, page: Page, http_server: Serve
) -> None:
    open_quiz(page, f"{http_server(markdown_site)}/one.html")
    legend = page.locator("#one__quiz__md-single legend")
    assert legend.locator("code").count() == 0 and legend.locator("em").inner_text() == "exact"
    assert page.locator("#one__quiz__md-true-false legend code").inner_text() == "NULL = NULL"
    page.check("#one__quiz__md-single__b")  # wrong, with its own feedback
    page.check("#one__quiz__md-true-false__true")  # wrong
    page.select_option("#one__quiz__md-ordering__step-1", label="SELECT")
    page.select_option("#one__quiz__md-ordering__step-2", label="FROM")
    page.select_option("#one__quiz__md-ordering__step-3", label="WHERE")
    page.fill("#one__quiz__md-short-text__text", "cascade")
    page.click("text=Check answers")
    page.wait_for_selector(f"{RESULT} .cs-quiz__score")

    single = page.locator("#one__quiz__md-single__feedback")
    assert single.locator("li a").get_attribute("href") == "https://example.org/float"
    # raw HTML is off in this course, and markdown-it makes no link of a javascript: URL
    assert " ".join(single.inner_text().split()) == (
        "✗ Incorrect. Wrong <script>window.pwned = 1</script>, "
        "[click](javascript:window.pwned=2) No: see floating point."
    )
    assert single.locator("script").count() == 0
    assert page.evaluate("window.pwned") is None
    tf = page.locator("#one__quiz__md-true-false__feedback")
    assert tf.locator("code").inner_text() == "UNKNOWN" and tf.locator("em").inner_text() == "true"
    ordering = page.locator("#one__quiz__md-ordering__feedback")
    assert ordering.locator("code").all_inner_texts() == ["SELECT", "FROM", "WHERE"]
    short = page.locator("#one__quiz__md-short-text__feedback")
    assert short.locator("code").inner_text() == "ON DELETE CASCADE"
    # the live region's summary carries the same formatting
    summary = page.locator(f'{RESULT} li:has(a[href="#one__quiz__md-short-text"])')
    assert summary.locator("code").inner_text() == "ON DELETE CASCADE"
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert page_errors(page) == []


def test_raw_html_in_quiz_text_follows_allow_raw_html(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    module = MARKDOWN_QUIZ_MODULE.replace(
        '"Right, *exactly*."', '"Right, <kbd onclick=\\"alert(1)\\">Ctrl</kbd> <b>exactly</b>."'
    )
    root = make_course(
        course=COURSE_YML + "allow_raw_html: true\n",
        modules={"modules/one.md": module},
        files={"assets/handout.pdf": b"%PDF-1.4\n"},
    )
    html = (_build(root, tmp_path / "out") / "one.html").read_text(encoding="utf-8")
    template = re.search(r'<template data-feedback-result="correct">(.*?)</template>', html)
    assert template
    assert template.group(1) == "Right, <kbd>Ctrl</kbd> <b>exactly</b>."
    incorrect = re.search(r'<template data-feedback-result="incorrect">(.*?)</template>', html)
    assert incorrect
    assert "<script" not in incorrect.group(1) and "pwned = 1" not in incorrect.group(1)
