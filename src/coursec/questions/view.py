"""A knowledge-check question as the outputs show it: what every kind has in common, and what
each kind must say for itself (`QuestionView`, subclassed once per kind in this package).

A view belongs to one page (its knowledge check's element id, its number there, and the page's
inline Markdown renderer) and computes what it shows from the question when asked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from markupsafe import Markup

from coursec.i18n import ENGLISH, Interface
from coursec.questions.interactions import EDITIONS, Edition

if TYPE_CHECKING:
    from coursec.inline import InlineMarkdown
    from coursec.questions.qti import QtiQuestion
    from coursec.schema import Question
    from coursec.sourcemap import Loc

__all__ = ["Option", "Paper", "QuestionView", "base36_width", "unique"]


@dataclass(frozen=True, slots=True)
class Option:
    """An item a learner picks: its id in responses, and its text as written, plain and HTML."""

    id: str
    source: str  # as the author wrote it (Markdown)
    text: str  # as plain text, e.g. for an <option>
    html: Markup


@dataclass(frozen=True, slots=True)
class Paper:
    """A question as printed, laid out by its partial (``print/questions/<type>.html.j2``), and
    its answer in the answer key. Texts are sanitized HTML."""

    options: tuple[tuple[str, Markup], ...] = ()  # (label, text): choices, items to order ...
    left: tuple[tuple[str, Markup], ...] = ()  # (number, text): a matching question's items
    answer: tuple[Markup, ...] = ()  # the answer, one line each
    answer_ordered: bool = False  # the answer's lines are a sequence
    notes: tuple[Markup, ...] = ()  # the feedback a learner sees on picking an option


@dataclass(frozen=True, slots=True)
class QuestionView(ABC):
    """One question on one page. A kind says how its answer is given, checked, reported to an
    LMS, saved and printed; its template partials (``questions/<type>.html.j2`` for the page,
    ``print/questions/<type>.html.j2`` for paper) and its object in the runtime's ``KINDS``
    (``static/coursec-quiz.js``) do the rest."""

    question: Question
    quiz_id: str  # element id of the knowledge check on the page
    number: int
    inline: InlineMarkdown
    interface: Interface = ENGLISH  # the language of the module the question is in

    fields: ClassVar[tuple[str, ...]]
    """The answer fields of `Question` the kind takes; giving it any other is an error."""
    instruction: ClassVar[str]
    """One line under the prompt on a page: how to answer with the page's controls (a message
    marked with `N_`: pages show it translated)."""
    paper_instruction: ClassVar[str]
    """The same on paper, where the options are lettered."""
    scorm_type: ClassVar[str]
    """The interaction type (``cmi.interactions.n.type``) in both SCORM editions."""

    @classmethod
    @abstractmethod
    def check(cls, question: Question) -> None:
        """Raise ValueError, saying what a question of the kind needs, when it lacks it."""

    @classmethod
    def texts(cls, question: Question) -> Iterator[tuple[Loc, str]]:  # noqa: ARG003
        """The Markdown texts of the kind's fields, each with its place in the question (none
        unless the kind says so)."""
        return iter(())

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def hint(self) -> str:
        """`instruction` in the question's language."""
        return self.interface.gettext(self.instruction)

    @property
    def paper_hint(self) -> str:
        """`paper_instruction` in the question's language."""
        return self.interface.gettext(self.paper_instruction)

    @property
    def type(self) -> str:
        return self.question.type.value

    @property
    def dom_id(self) -> str:
        return f"{self.quiz_id}__{self.question.id}"

    @property
    def prompt(self) -> Markup:
        return self.inline.html(self.question.prompt)

    @property
    def description(self) -> str:
        """The prompt as plain text: the interaction's description in an LMS."""
        return self.inline.plain(self.question.prompt)

    @property
    def feedback(self) -> list[tuple[str, Markup]]:
        """The question's own feedback: ``("correct", html)`` and ``("incorrect", html)``."""
        given = self.question.feedback
        pairs = (("correct", given.correct), ("incorrect", given.incorrect))
        return [(result, self.inline.html(text)) for result, text in pairs if text]

    @property
    def option_feedback(self) -> list[tuple[str, Markup]]:
        """The feedback shown for an option the learner picked, by the option's id."""
        return []

    @property
    def points(self) -> int:
        return self.question.points

    @property
    def scorm_types(self) -> dict[Edition, str]:
        return dict.fromkeys(EDITIONS, self.scorm_type)

    @abstractmethod
    def correct_patterns(self, edition: Edition) -> list[str]:
        """``cmi.interactions.n.correct_responses.m.pattern`` values of one edition."""

    @abstractmethod
    def qti(self) -> QtiQuestion | None:
        """The question as a QTI 1.2 item asks it (coursec.questions.qti), or None when QTI
        1.2 as LMSs import it has no type for the kind (`qti_gap` says why)."""

    qti_gap: ClassVar[str | None] = None
    """Why the kind has no QTI 1.2 item type, for the warning that leaves it out."""

    @abstractmethod
    def answer_data(self) -> dict[str, Any]:
        """What the runtime needs of this kind to score an answer and report it."""

    def data(self, course_id: str) -> dict[str, Any]:
        """The question in the page's quiz data (the runtime reads no other)."""
        q = self.question
        return {
            "id": q.id,
            "type": q.type.value,
            "points": q.points,
            "description": self.description,
            "objectives": [f"{course_id}.{o}" for o in q.objectives],
            "scorm": {
                "type": self.scorm_types,
                "correct": {e: self.correct_patterns(e) for e in EDITIONS},
            },
            **self.answer_data(),
        }

    @property
    @abstractmethod
    def size(self) -> int:
        """The question's size in the resume state's key (a saved answer of another size is
        dropped)."""

    @abstractmethod
    def saved_answer_width(self) -> int:
        """Longest encoding of the learner's answer in the runtime's resume state."""

    @abstractmethod
    def paper(self) -> Paper:
        """The question laid out for paper; what a page shuffles or scrambles is in a fixed
        order that never gives the answer away."""

    def option(self, option_id: str, source: str) -> Option:
        """An item to pick, with its text rendered for this page."""
        return Option(option_id, source, self.inline.plain(source), self.inline.html(source))

    def paper_order(self, texts: list[str]) -> list[str]:
        """Texts alphabetically as printed, never in the order given (that would be the
        answer)."""
        ordered = sorted(texts, key=lambda t: (self.inline.plain(t).casefold(), t))
        return ordered[::-1] if ordered == texts else ordered


def unique(texts: list[str]) -> list[str]:
    """Each text once, in the order first given."""
    return list(dict.fromkeys(texts))


def base36_width(n: int) -> int:
    """Digits of ``n`` in base 36, as the runtime writes numbers in the resume state."""
    digits = 1
    while n >= 36:
        n //= 36
        digits += 1
    return digits
