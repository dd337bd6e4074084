"""Multiple-response questions: one or more of two or more choices are right, and an answer is
right when it ticks exactly those; checkboxes.

Saved answer: the ticked choices as a bitset in hex, ``ceil(n / 4)`` digits for ``n`` choices
(choice ``i`` is bit ``i % 4`` of digit ``i // 4``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.choices import ChoiceQuestion, check_choice_ids

if TYPE_CHECKING:
    from coursec.schema import Question

__all__ = ["MultipleResponse"]


class MultipleResponse(ChoiceQuestion):
    instruction = N_("Choose every answer that applies.")
    qti_type = "multiple-response"
    paper_instruction = N_("Choose every answer that applies.")

    @classmethod
    def check(cls, question: Question) -> None:
        if len(question.choices) < 2:
            raise FieldError("a multiple-response question needs 2 or more choices", "choices")
        if not any(c.correct for c in question.choices):
            raise FieldError(
                "a multiple-response question needs 1 or more choices with `correct: true`",
                "choices",
            )
        check_choice_ids(question)

    def saved_answer_width(self) -> int:
        return math.ceil(len(self.question.choices) / 4)
