"""Short-text questions: a text field, right when the answer is one of the accepted ones with
case and spacing ignored (the runtime compares them).

Accepted answers are what learners type, so they are plain text, not Markdown. The field
takes twice the longest accepted answer, at least ``MIN_LENGTH`` characters. Saved answer: the
text, each character outside printable ASCII and each of ``%~|;`` written as ``%`` and the 4
hex digits of its UTF-16 unit, so up to ``ESCAPE_WIDTH`` characters a unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.interactions import Edition
from coursec.questions.qti import QtiQuestion
from coursec.questions.view import Paper, QuestionView, unique

if TYPE_CHECKING:
    from coursec.schema import Question

__all__ = ["ShortText"]

MIN_LENGTH = 64
"""A short-text answer may always be at least this many characters long."""
ESCAPE_WIDTH = 5
"""Characters a saved answer may use per UTF-16 code unit (``%XXXX`` escapes)."""
MAX_TEXT = {"1.2": 255, "2004": 250, "2004-long": 4000}
"""Longest string a ``fill-in`` (1.2, 2004) or ``long-fill-in`` (2004) interaction takes."""
MAX_PATTERNS = {"fill-in": 5, "long-fill-in": 1}
"""Correct responses an interaction of each type takes."""


class ShortText(QuestionView):
    fields = ("accept",)
    instruction = N_("Answer in a word or a short phrase.")
    paper_instruction = N_("Answer in a word or a short phrase.")
    scorm_type = "fill-in"

    @classmethod
    def check(cls, question: Question) -> None:
        if not question.accept:
            raise FieldError("a short-text question needs at least one accepted answer", "accept")

    @property
    def max_length(self) -> int:
        """The field's ``maxlength``: room for twice the longest accepted answer."""
        longest = max((len(a) for a in self.question.accept), default=0)
        return min(MAX_TEXT["2004-long"], max(MIN_LENGTH, 2 * longest))

    @property
    def scorm_types(self) -> dict[Edition, str]:
        long = self.max_length > MAX_TEXT["2004"]
        return {"1.2": self.scorm_type, "2004": "long-fill-in" if long else self.scorm_type}

    def correct_patterns(self, edition: Edition) -> list[str]:
        """One pattern per accepted answer, each cut to what the interaction type takes."""
        kind = self.scorm_types[edition]
        limit = MAX_TEXT["2004-long" if kind == "long-fill-in" else edition]
        texts = [_truncate(_fill_in_text(a, edition), limit) for a in self.question.accept]
        return unique(texts)[: MAX_PATTERNS[kind]]

    def qti(self) -> QtiQuestion:
        """The accepted answers on one line each (the runtime ignores case and spacing; a QTI
        ``varequal`` ignores case only, so each is given with single spaces)."""
        return QtiQuestion(
            "fill-in", accepted=tuple(unique([" ".join(a.split()) for a in self.question.accept]))
        )

    def answer_data(self) -> dict[str, Any]:
        return {"accept": list(self.question.accept), "maxLength": self.max_length}

    @property
    def size(self) -> int:
        return self.max_length

    def saved_answer_width(self) -> int:
        return ESCAPE_WIDTH * self.max_length

    def paper(self) -> Paper:
        return Paper(
            answer=(
                Markup("{}").format(
                    self.interface.gettext(
                        "Accepted: %(answers)s", answers="; ".join(self.question.accept)
                    )
                ),
            )
        )


def _fill_in_text(text: str, edition: Edition) -> str:
    """A text as a fill-in string: one line; in 2004 no delimiters and no leading ``{``."""
    line = " ".join(text.split())
    if edition == "1.2":
        return line
    return line.replace("[,]", ",").replace("[.]", ".").lstrip("{ ")


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` UTF-16 code units, never splitting a surrogate pair (as the runtime)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text
