"""Single-choice questions: exactly one of two or more choices is right; radio buttons.

Saved answer: the chosen choice's index (source order) in base 36.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coursec.i18n import N_
from coursec.questions.choices import ChoiceQuestion, check_choice_ids
from coursec.questions.view import base36_width

if TYPE_CHECKING:
    from coursec.schema import Question

__all__ = ["SingleChoice"]


class SingleChoice(ChoiceQuestion):
    instruction = N_("Choose one answer.")
    paper_instruction = N_("Choose one answer.")

    @classmethod
    def check(cls, question: Question) -> None:
        correct = sum(c.correct for c in question.choices)
        if len(question.choices) < 2 or correct != 1:
            raise ValueError(
                "a single-choice question needs 2 or more choices, exactly one correct"
            )
        check_choice_ids(question)

    def saved_answer_width(self) -> int:
        return base36_width(len(self.question.choices) - 1)
