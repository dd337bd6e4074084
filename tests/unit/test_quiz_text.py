"""What `coursec check` says about knowledge-check texts: links and images outputs cannot show,
anchors that do not exist, and raw HTML in a course that does not allow it."""

from __future__ import annotations

from pathlib import Path

from conftest import COURSE_YML, MakeCourse
from coursec.diagnostics import Diagnostic
from coursec.loading import load_course
from coursec.quiz_text import question_texts
from coursec.schema import Question
from support.quiz_markdown import MARKDOWN_QUIZ_MODULE

QUESTION = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
quiz:
  questions:
    - id: q1
      type: single-choice
      prompt: "Which one? See [Widgets](#widgets-and-gadgets) and ![a chart](../assets/chart.png)."
      objectives: [explain-widgets]
      choices:
        - text: "The [next module](two.md) explains it"
          correct: true
        - text: "[Gadgets](#widgets-and-gadgetz), [terms](#one-terms), [docs](https://example.org)"
      feedback:
        incorrect: "Re-read <b>Widgets</b>."
key_terms:  # the page then has a terms box, which `#one-terms` names
  - {term: widget, means: a small part}
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""


def quiz_diagnostics(root: Path) -> list[Diagnostic]:
    result = load_course(root)
    return [d for d in result.diagnostics if d.span and d.span.path.name == "one.md"]


def brief(found: list[Diagnostic]) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.span.line, d.span.col, d.message) for d in found if d.span]


def test_links_and_images_that_cannot_be_shown_are_reported_where_they_are(
    make_course: MakeCourse,
) -> None:
    root = make_course(
        course=COURSE_YML.replace(
            "  - modules/one.md\n", "  - modules/one.md\n  - modules/two.md\n"
        ),
        modules={
            "modules/one.md": QUESTION,
            "modules/two.md": QUESTION.replace("id: one", "id: two").replace("id: q1", "id: q2"),
        },
        files={"assets/chart.png": b"\x89PNG\r\n\x1a\n"},
    )
    found = quiz_diagnostics(root)
    assert brief(found) == [
        (
            "CS409",
            12,
            15,
            'image "../assets/chart.png" in knowledge-check text: its alt text is shown instead',
        ),
        ("CS409", 15, 17, 'link to "two.md" in knowledge-check text is shown as text'),
        (
            "CS309",
            17,
            17,
            'link "#widgets-and-gadgetz" points at a heading that does not exist; '
            "it is shown as text",
        ),
        (
            "CS404",
            19,
            20,
            "raw HTML in knowledge-check text is shown as text because the course does not "
            "allow it",
        ),
    ]
    assert all(d.severity.value == "warning" for d in found)
    assert found[2].hint == 'did you mean "#widgets-and-gadgets"?'


def test_raw_html_is_no_warning_when_the_course_allows_it(make_course: MakeCourse) -> None:
    root = make_course(
        course=COURSE_YML + "allow_raw_html: true\n",
        modules={"modules/one.md": MARKDOWN_QUIZ_MODULE},
        files={"assets/handout.pdf": b"%PDF-1.4\n"},
    )
    assert [d.code for d in quiz_diagnostics(root)] == ["CS409"]  # the link to the handout


def test_a_clean_check_gives_no_diagnostic(make_course: MakeCourse) -> None:
    module = MARKDOWN_QUIZ_MODULE.replace(
        "Read [the handout](../assets/handout.pdf) again.", "Read the handout again."
    ).replace("<script>window.pwned = 1</script>, [click](javascript:window.pwned=2)", "see above")
    root = make_course(modules={"modules/one.md": module})
    assert load_course(root).diagnostics == []


def test_every_text_a_question_shows_is_markdown() -> None:
    question = Question.model_validate(
        {
            "id": "q",
            "type": "single-choice",
            "prompt": "P",
            "objectives": ["o"],
            "choices": [{"text": "A", "correct": True, "feedback": "FA"}, {"text": "B"}],
            "feedback": {"correct": "FC", "incorrect": "FI"},
        }
    )
    assert list(question_texts(question)) == [
        (("prompt",), "P"),
        (("choices", 0, "text"), "A"),
        (("choices", 0, "feedback"), "FA"),
        (("choices", 1, "text"), "B"),
        (("feedback", "correct"), "FC"),
        (("feedback", "incorrect"), "FI"),
    ]
    matching = Question.model_validate(
        {
            "id": "m",
            "type": "matching",
            "prompt": "P",
            "objectives": ["o"],
            "pairs": [{"left": "L", "right": "R"}, {"left": "L2", "right": "R2"}],
        }
    )
    assert [loc for loc, _ in question_texts(matching)][1:3] == [
        ("pairs", 0, "left"),
        ("pairs", 0, "right"),
    ]
    ordering = Question.model_validate(
        {"id": "o", "type": "ordering", "prompt": "P", "objectives": ["o"], "items": ["a", "b"]}
    )
    assert [loc for loc, _ in question_texts(ordering)] == [("prompt",), ("items", 0), ("items", 1)]
