"""What single-choice and multiple-response questions share: a list of choices, each with an
id (the author's, or its label by position), some of them correct, any of them with feedback.

Each choice keeps its id in SCORM 2004 responses and gets one character by position in
SCORM 1.2's, whose ``choice`` responses allow single characters only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from markupsafe import Markup

from coursec.field_error import FieldError
from coursec.questions.interactions import Edition, position_id, separators
from coursec.questions.labels import label
from coursec.questions.qti import QtiChoice, QtiQuestion, QtiType
from coursec.questions.view import Paper, QuestionView

if TYPE_CHECKING:
    from coursec.schema import Question
    from coursec.sourcemap import Loc

__all__ = ["ChoiceQuestion", "ChoiceView", "check_choice_ids", "choice_ids"]


def choice_ids(question: Question) -> list[str]:
    """Each choice's id: its own, else its label by position (a, b, c ...)."""
    return [c.id or label(i) for i, c in enumerate(question.choices)]


def check_choice_ids(question: Question) -> None:
    """The ids the author gave are unique within the question."""
    first: dict[str, int] = {}
    for index, choice in enumerate(question.choices):
        if choice.id and choice.id in first:
            raise FieldError(
                f'choice id "{choice.id}" is used twice in this question',
                "choices",
                index,
                "id",
                first=("choices", first[choice.id], "id"),
            )
        if choice.id:
            first[choice.id] = index


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """A choice as a page shows it and the runtime scores it."""

    id: str
    key12: str  # the id in SCORM 1.2 responses
    text: str  # plain
    html: Markup
    correct: bool
    feedback: Markup | None


class ChoiceQuestion(QuestionView):
    """A question answered by picking among its choices (a kind says how many are right)."""

    fields = ("choices",)
    scorm_type = "choice"
    qti_type: ClassVar[QtiType]

    @classmethod
    def texts(cls, question: Question) -> Iterator[tuple[Loc, str]]:
        for i, choice in enumerate(question.choices):
            yield ("choices", i, "text"), choice.text
            if choice.feedback:
                yield ("choices", i, "feedback"), choice.feedback

    @property
    def choices(self) -> list[ChoiceView]:
        q, inline = self.question, self.inline
        return [
            ChoiceView(
                cid,
                position_id(i),
                inline.plain(c.text),
                inline.html(c.text),
                c.correct,
                inline.html(c.feedback) if c.feedback else None,
            )
            for i, (cid, c) in enumerate(zip(choice_ids(q), q.choices, strict=True))
        ]

    @property
    def option_feedback(self) -> list[tuple[str, Markup]]:
        return [(c.id, c.feedback) for c in self.choices if c.feedback]

    def correct_patterns(self, edition: Edition) -> list[str]:
        v12 = edition == "1.2"
        ids = [c.key12 if v12 else c.id for c in self.choices if c.correct]
        return [separators(edition)[0].join(ids)]

    def qti(self) -> QtiQuestion:
        choices = tuple(QtiChoice(c.id, c.html, c.correct, c.feedback) for c in self.choices)
        return QtiQuestion(self.qti_type, choices)

    def answer_data(self) -> dict[str, Any]:
        return {
            "choices": [{"id": c.id, "key12": c.key12, "correct": c.correct} for c in self.choices]
        }

    @property
    def size(self) -> int:
        return len(self.question.choices)

    def paper(self) -> Paper:
        html = self.inline.html
        options: list[tuple[str, Markup]] = []
        answer: list[Markup] = []
        notes: list[Markup] = []
        for i, choice in enumerate(self.question.choices):
            letter, text = label(i), html(choice.text)
            options.append((letter, text))
            if choice.correct:
                answer.append(Markup("{}. {}").format(letter, text))
            if choice.feedback:
                notes.append(Markup("{}: {}").format(letter, html(choice.feedback)))
        return Paper(tuple(options), answer=tuple(answer), notes=tuple(notes))
