"""True-false questions: a statement and whether it is true; two radio buttons.

Saved answer: ``t`` or ``f``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.interactions import Edition
from coursec.questions.labels import label
from coursec.questions.qti import QtiChoice, QtiQuestion
from coursec.questions.view import Paper, QuestionView

if TYPE_CHECKING:
    from coursec.schema import Question

__all__ = ["TrueFalse"]

STATE_SIZE = 64
"""The question's size in the resume state's key. Its answer has one shape, so any fixed number
would do; this is the one earlier builds used, so that their saved answers still count."""


class TrueFalse(QuestionView):
    fields = ("answer",)
    instruction = N_("Choose true or false.")
    paper_instruction = N_("True or false?")
    scorm_type = "true-false"

    @classmethod
    def check(cls, question: Question) -> None:
        if question.answer is None:
            raise FieldError(
                "a true-false question needs `answer: true` or `answer: false`", "answer"
            )

    def correct_patterns(self, edition: Edition) -> list[str]:
        if edition == "1.2":
            return ["t" if self.question.answer else "f"]
        return ["true" if self.question.answer else "false"]

    def qti(self) -> QtiQuestion:
        """Two choices named ``true`` and ``false`` (Moodle's importer maps them by name)."""
        answer = bool(self.question.answer)
        true, false = self.interface.gettext("True"), self.interface.gettext("False")
        choices = (
            QtiChoice("true", Markup("{}").format(true), answer),
            QtiChoice("false", Markup("{}").format(false), not answer),
        )
        return QtiQuestion("true-false", choices)

    def answer_data(self) -> dict[str, Any]:
        return {"answer": bool(self.question.answer)}

    @property
    def size(self) -> int:
        return STATE_SIZE

    def saved_answer_width(self) -> int:
        return 1

    def paper(self) -> Paper:
        true, false = self.interface.gettext("True"), self.interface.gettext("False")
        options = ((label(0), Markup("{}").format(true)), (label(1), Markup("{}").format(false)))
        return Paper(
            options, answer=(Markup("{}").format(true if self.question.answer else false),)
        )
