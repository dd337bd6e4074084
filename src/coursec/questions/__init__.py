"""The kinds of knowledge-check question, one module each, and the registry that names them.

A kind's module (a `QuestionView` subclass) owns what the kind is: the answer fields it takes
and its rule for them, its instructions, its SCORM interaction type and correct responses in
both editions, the width of its saved answer in the resume state, its data for the runtime,
and its layout on paper. Outside Python a kind is three more pieces, named by its type:

* ``templates/questions/<type>.html.j2``: its controls on a page;
* ``templates/print/questions/<type>.html.j2``: its options on paper;
* ``KINDS["<type>"]`` in ``templates/static/coursec-quiz.js``: how the browser reads, checks,
  saves and reports its answer.

To add a kind, write those four and register it here: a member of `QuestionType` and an entry
in `KINDS`. (A kind whose answer needs a field no kind has yet also adds that field to
`coursec.schema.Question`, where the front matter's fields are described for authors.)
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from coursec.field_error import FieldError
from coursec.i18n import ENGLISH
from coursec.questions.matching import Matching
from coursec.questions.multiple_response import MultipleResponse
from coursec.questions.ordering import Ordering
from coursec.questions.short_text import ShortText
from coursec.questions.single_choice import SingleChoice
from coursec.questions.true_false import TrueFalse
from coursec.questions.view import QuestionView

if TYPE_CHECKING:
    from coursec.i18n import Interface
    from coursec.inline import InlineMarkdown
    from coursec.schema import Question

__all__ = ["ANSWER_FIELDS", "KINDS", "QuestionType", "QuestionView", "check", "question_view"]


class QuestionType(StrEnum):
    SINGLE = "single-choice"
    MULTIPLE = "multiple-response"
    TRUE_FALSE = "true-false"
    MATCHING = "matching"
    ORDERING = "ordering"
    SHORT_TEXT = "short-text"


KINDS: Mapping[QuestionType, type[QuestionView]] = MappingProxyType(
    {
        QuestionType.SINGLE: SingleChoice,
        QuestionType.MULTIPLE: MultipleResponse,
        QuestionType.TRUE_FALSE: TrueFalse,
        QuestionType.MATCHING: Matching,
        QuestionType.ORDERING: Ordering,
        QuestionType.SHORT_TEXT: ShortText,
    }
)

ANSWER_FIELDS = tuple(dict.fromkeys(name for kind in KINDS.values() for name in kind.fields))
"""The fields of `coursec.schema.Question` that some kind takes and the others refuse."""


def check(question: Question) -> None:
    """Raise ValueError when the question's answer fields do not fit its type."""
    kind = KINDS[question.type]
    for name in ANSWER_FIELDS:
        if getattr(question, name) not in ([], None) and name not in kind.fields:
            raise FieldError(f'a {question.type.value} question takes no "{name}"', name)
    kind.check(question)


def question_view(
    question: Question,
    quiz_id: str,
    number: int,
    inline: InlineMarkdown,
    interface: Interface | None = None,
) -> QuestionView:
    """The question on a page, as its kind shows it, in `interface`'s language (English)."""
    kind = KINDS[question.type]
    return kind(question, quiz_id, number, inline, interface or ENGLISH)
