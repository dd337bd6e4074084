"""Each kind's object in the quiz runtime (KINDS in coursec-quiz.js) agrees with its module in
coursec/questions/: a right answer is reported as the kind's correct response in both SCORM
editions, and the longest saved answer is exactly as wide as the kind budgets."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from conftest import REPO
from coursec.inline import InlineMarkdown
from coursec.questions import QuestionView, question_view
from coursec.schema import Question

RUNTIME = REPO / "templates" / "static" / "coursec-quiz.js"


def view(qid: str, **fields: Any) -> QuestionView:
    question = Question.model_validate({"id": qid, "prompt": "P?", "objectives": ["o"], **fields})
    return question_view(question, "m__quiz", 1, InlineMarkdown())


def choices(count: int, correct: tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"text": f"Choice {i}", "correct": i in correct} for i in range(count)]


VIEWS = [
    view("single", type="single-choice", choices=choices(3, (1,))),
    view("single-37", type="single-choice", choices=choices(37, (36,))),
    view("multiple", type="multiple-response", choices=choices(9, (0, 4, 8))),
    view("true-false", type="true-false", answer=False),
    view(
        "matching",
        type="matching",
        pairs=[{"left": "one", "right": "B"}, {"left": "two", "right": "A"}],
    ),
    view(
        "matching-36",
        type="matching",
        pairs=[{"left": f"l{i}", "right": f"r{i}"} for i in range(36)],
    ),
    view("ordering", type="ordering", items=["first", "second", "third"]),
    view("short-text", type="short-text", accept=["corrigible", "correctable"]),
    view("long-text", type="short-text", accept=["x" * 200]),
]

ANSWER = """([d, which]) => {
  const last = (list) => list[list.length - 1];
  const answers = {};
  d.questions.forEach((q) => {
    answers[q.id] = {
      worst: {
        "single-choice": () => last(q.choices).id,
        "multiple-response": () => q.choices.map((c) => c.id),
        "true-false": () => true,
        "matching": () => Object.fromEntries(q.lefts.map((l) => [l, last(q.rights)])),
        "ordering": () => q.order.map(() => last(q.options)),
        "short-text": () => "é".repeat(q.maxLength),
      },
      right: {
        "single-choice": () => q.choices.find((c) => c.correct).id,
        "multiple-response": () => q.choices.filter((c) => c.correct).map((c) => c.id),
        "true-false": () => q.answer,
        "matching": () => q.matches,
        "ordering": () => q.order,
        "short-text": () => q.accept[0],
      },
    }[which][q.type]();
  });
  return answers;
}"""


@pytest.fixture
def runtime(page: Page) -> Page:
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(RUNTIME))
    page.wait_for_function("() => !!window.coursecQuiz")
    return page


def quiz_data(views: list[QuestionView]) -> dict[str, Any]:
    return {"attempts": 1, "questions": [v.data("course") for v in views]}


@pytest.mark.browser
def test_right_answers_are_reported_as_the_kinds_correct_responses(runtime: Page) -> None:
    data = quiz_data(VIEWS)
    reported = runtime.evaluate(
        f"""([d]) => {{
          const answers = ({ANSWER})([d, "right"]);
          return d.questions.map((q) => window.coursecQuiz.responses(q, answers[q.id]));
        }}""",
        [data],
    )
    for v, response in zip(VIEWS, reported, strict=True):
        assert response == {e: v.correct_patterns(e)[0] for e in ("1.2", "2004")}, v.id


@pytest.mark.browser
def test_the_longest_saved_answer_is_as_wide_as_its_kind_budgets(runtime: Page) -> None:
    for v in VIEWS:
        data = quiz_data([v])
        saved = runtime.evaluate(
            f"""([d]) => {{
              const answers = ({ANSWER})([d, "worst"]);
              const state = {{attempt: 1, submitted: true, answers}};
              const text = window.coursecQuiz.encodeState(d, state);
              return {{text, back: window.coursecQuiz.decodeState(d, text), answers}};
            }}""",
            [data],
        )
        assert saved["text"].startswith("1s:"), v.id
        assert len(saved["text"]) - len("1s:") == v.saved_answer_width(), v.id
        assert saved["back"]["answers"] == saved["answers"], v.id
