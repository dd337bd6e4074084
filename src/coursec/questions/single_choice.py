"""Single-choice questions: exactly one of two or more choices is right; radio buttons.

Saved answer: the chosen choice's index (source order) in base 36.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.choices import ChoiceQuestion, check_choice_ids
from coursec.questions.view import base36_width

if TYPE_CHECKING:
    from coursec.schema import Question

__all__ = ["SingleChoice"]


class SingleChoice(ChoiceQuestion):
    instruction = N_("Choose one answer.")
    qti_type = "single-choice"
    paper_instruction = N_("Choose one answer.")

    @classmethod
    def check(cls, question: Question) -> None:
        if len(question.choices) < 2:
            raise FieldError("a single-choice question needs 2 or more choices", "choices")
        correct = [i for i, c in enumerate(question.choices) if c.correct]
        if not correct:
            raise FieldError(
                "a single-choice question needs one choice with `correct: true`", "choices"
            )
        if len(correct) > 1:
            raise FieldError(
                "a single-choice question has exactly one correct choice; this is another",
                "choices",
                correct[1],
                "correct",
                first=("choices", correct[0], "correct"),
                hint="for several correct answers, use `type: multiple-response`",
            )
        check_choice_ids(question)

    def saved_answer_width(self) -> int:
        return base36_width(len(self.question.choices) - 1)
