"""The knowledge-check view model: ids, display orders, SCORM patterns and the state budget."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from conftest import REFERENCE_COURSE
from coursec.exporters.scorm.state import encode_state, worst_case_suspend_length
from coursec.inline import InlineMarkdown
from coursec.loading import load_course
from coursec.model import Course
from coursec.questions import question_view
from coursec.questions.matching import Matching
from coursec.questions.ordering import Ordering
from coursec.quiz import QuizView, quiz_view
from coursec.quiz_text import question_texts
from coursec.schema import Question, QuestionType
from support.quiz import choices, quiz_views


@pytest.fixture(scope="module")
def quiz() -> QuizView:
    course = load_course(REFERENCE_COURSE).course
    assert course is not None
    view = quiz_view(course, course.published_modules[0])
    assert view is not None
    return view


def question(**fields: Any) -> Any:
    """The view of a question of the fields' kind (typed Any: each kind has its own parts)."""
    q = Question.model_validate({"id": "q", "prompt": "P?", "objectives": ["o"], **fields})
    return question_view(q, "m__quiz", 1, InlineMarkdown())


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


def test_reference_patterns_in_both_editions(quiz: QuizView) -> None:
    got = {v.id: (v.correct_patterns("1.2"), v.correct_patterns("2004")) for v in quiz.questions}
    assert got["ic-definition"] == (["a"], ["a"])
    assert got["ic-shortcuts"] == (["a,b,d"], ["a[,]b[,]d"])
    assert got["corrigibility-definition"] == (
        ["corrigible", "corrigibility"],
        ["corrigible", "corrigibility"],
    )
    assert got["corrigibility-in-practice"] == (["t"], ["true"])
    matching = next(v for v in quiz.questions if v.id == "key-terms-matching")
    # lefts 1, 2, 3 in the author's order; rights a, b, c alphabetically
    assert [o.text for o in matching.rights] == sorted(
        (p.right for p in matching.question.pairs), key=str.casefold
    )
    assert got["key-terms-matching"][0] == [
        ",".join(f"{left}.{right}" for left, right in matching.matches.items())
    ]
    assert got["key-terms-matching"][1][0].count("[.]") == 3
    ordering = next(v for v in quiz.questions if v.id == "checkpoint-flow")
    texts = {o.id: o.text for o in ordering.steps}
    assert [texts[i] for i in got["checkpoint-flow"][0][0].split(",")] == ordering.question.items
    assert got["checkpoint-flow"][1][0] == "[,]".join(got["checkpoint-flow"][0][0].split(","))


def test_choice_ids_for_scorm_12_are_single_characters() -> None:
    view = question(
        type="multiple-response",
        choices=[
            {"id": "first-option", "text": "A", "correct": True},
            {"id": "second-option", "text": "B"},
            {"id": "third-option", "text": "C", "correct": True},
        ],
    )
    assert view.correct_patterns("1.2") == ["a,c"]
    assert view.correct_patterns("2004") == ["first-option[,]third-option"]


def test_long_answers_are_long_fill_in() -> None:
    long = "x" * 300
    view = question(type="short-text", accept=[long, "short"])
    assert view.scorm_types == {"1.2": "fill-in", "2004": "long-fill-in"}
    assert view.correct_patterns("2004") == [long]  # long-fill-in takes one
    assert [len(p) for p in view.correct_patterns("1.2")] == [255, 5]
    short = question(type="short-text", accept=["{odd} [,] answer\nhere"])
    assert short.scorm_types["2004"] == "fill-in" and short.max_length == 64
    assert short.correct_patterns("2004") == ["odd} , answer here"]


@pytest.mark.parametrize("items", [["a", "b"], ["a", "b", "c"], ["z", "y", "x", "w", "v"]])
def test_ordering_is_never_shown_in_its_right_order(items: list[str]) -> None:
    for n in range(20):
        view = question(id=f"q{n}", type="ordering", items=items)
        assert [o.text for o in view.steps] != items


def test_budget_counts_every_check(quiz: QuizView) -> None:
    plain = worst_case_suspend_length(9)
    one = worst_case_suspend_length(9, [quiz.worst_case_state_length()])
    assert one == plain + 1 + quiz.worst_case_state_length()
    two = worst_case_suspend_length(9, [10, 20])
    assert two == plain + 1 + 10 + 1 + 20
    state = encode_state("0123abcd", [True] * 9, 99_999_999, ["a" * 10, "b" * 20])
    assert len(state) == two
    with pytest.raises(ValueError):
        encode_state("0123abcd", [], 0, ["bad|segment"])


def test_every_course_check_fits_both_editions(course: Course) -> None:
    """Each question of every course has a pattern per edition and plain texts for the LMS."""
    for quiz in quiz_views(course):
        assert quiz.worst_case_state_length() > 0
        for view in quiz.questions:
            for edition in ("1.2", "2004"):
                assert view.correct_patterns(edition), (view.id, edition)
            data = view.data(course.id)
            assert data["description"] == view.description
            assert "prompt" not in data and "feedback" not in data
            if view.question.type is QuestionType.MATCHING:
                assert len(view.matches) == len(view.question.pairs)
            if view.question.type is QuestionType.ORDERING:
                assert len(view.order) == len(view.question.items)


def test_plain_forms_carry_no_markdown_syntax(course: Course) -> None:
    """Where text must be plain (descriptions, options) no backtick or asterisk leaks, and what
    the author marked as code is code in the HTML."""
    for quiz in quiz_views(course):
        for view in quiz.questions:
            shown = [(view.description, view.prompt)]
            shown += [(c.text, c.html) for c in choices(view)]
            if isinstance(view, Matching):
                shown += [(o.text, o.html) for o in (*view.lefts, *view.rights)]
            if isinstance(view, Ordering):
                shown += [(o.text, o.html) for o in view.steps]
            for text, html in shown:
                code = "".join(unescape(c) for c in re.findall(r"<code>(.*?)</code>", html))
                assert "`" not in text, (view.id, text)
                assert text.count("*") == code.count("*"), (view.id, text)  # `SELECT *` stays
            for _, source in question_texts(view.question):
                assert view.inline.html(source).count("<code>") == source.count("`") // 2


def test_matches_sort_and_pair_by_the_text_shown() -> None:
    view = question(
        type="matching",
        pairs=[
            {"left": "`b`", "right": "*second*"},
            {"left": "a", "right": "`first`"},
        ],
    )
    assert [o.text for o in view.rights] == ["first", "second"]  # not by the backtick
    assert [str(o.html) for o in view.rights] == ["<code>first</code>", "<em>second</em>"]
    assert view.matches == {"1": "b", "2": "a"}
    assert [str(o.html) for o in view.lefts] == ["<code>b</code>", "a"]


def test_ordering_keeps_its_ids_for_items_with_markup() -> None:
    view = question(type="ordering", items=["`SELECT`", "`FROM`", "*then* `WHERE`"])
    texts = {o.id: o.text for o in view.steps}
    assert [texts[i] for i in view.order] == ["SELECT", "FROM", "then WHERE"]


def test_description_is_the_plain_prompt() -> None:
    view = question(type="true-false", answer=False, prompt="`NULL = NULL` is *true*.")
    assert view.description == "NULL = NULL is true."
    assert str(view.prompt) == "<code>NULL = NULL</code> is <em>true</em>."
    escaped = question_view(view.question, "m__quiz", 1, InlineMarkdown(allow_html=False))
    assert escaped.description == view.description
