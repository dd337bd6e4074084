"""No pydantic wording reaches an author: every error type pydantic can report is mapped to
coursec's own message (tests/test_cases.py checks the golden corpus the same way)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from pydantic_core import ErrorDetails, PydanticKnownError
from pydantic_core.core_schema import ErrorType

from coursec.schema import CourseSpec
from coursec.sourcemap import SourceMap
from coursec.validation import _diagnostic
from coursec.wording import loc_text

# a value for every context field any error type's message uses
CONTEXT: dict[str, object] = {
    **dict.fromkeys(["max_length", "min_length", "gt", "ge", "lt", "le", "multiple_of"], 3),
    **dict.fromkeys(["max_digits", "decimal_places", "whole_digits", "actual_length"], 2),
    **dict.fromkeys(["expected_version", "tz_expected", "tz_actual"], 4),
    "pattern": "^x$",
    "expected": "'a' or 'b'",
    "error": "the error",
    **dict.fromkeys(
        [
            *("class_name", "tag", "tag_key", "discriminator", "expected_tags", "union_tag"),
            *("field_name", "reason", "expected_plural", "scheme", "function_name", "unit"),
            *("context", "field_type", "method_name", "encoding", "expected_schemes"),
            *("encoding_error", "class", "attribute"),
        ],
        "word",
    ),
}


@pytest.mark.parametrize("kind", typing.get_args(ErrorType))
def test_every_pydantic_error_type_gets_our_words(kind: str) -> None:
    pydantic_message = PydanticKnownError(kind, CONTEXT).message()  # type: ignore[arg-type]
    error: ErrorDetails = {
        "type": kind,
        "loc": ("title",),
        "msg": pydantic_message,
        "input": "x",
        "ctx": CONTEXT,
    }
    diagnostic = _diagnostic(error, CourseSpec, SourceMap(Path("course.yml")), (), ())
    shown = f"{diagnostic.message}\n{diagnostic.hint or ''}"
    assert pydantic_message not in shown
    for phrase in ("Input should", "should be", "should have", "Field required", "Value error"):
        assert phrase not in shown


def test_items_are_named_by_id_or_from_one() -> None:
    data = {"quiz": {"questions": [{"id": "q-a"}, {"prompt": "no id"}]}}
    assert loc_text(("quiz", "questions", 0, "pairs", 2, "left"), data) == (
        'question "q-a", pair 3, left'
    )
    assert loc_text(("quiz", "questions", 1, "prompt"), data) == "question 2, prompt"
    # a question is not named by the id at fault
    assert loc_text(("quiz", "questions", 0, "id"), data) == "question 1, id"
    assert loc_text(("hero", "alt"), {}) == "hero.alt"
