"""Ordering questions: items in their right order; a list per step ("Step 1", "Step 2" ...)
offering the items (each distinct one once) in a fixed scrambled order, never the right one.

Items are named ``a``-``z``, ``0``-``9`` in the order shown. Saved answer: for each step, the
chosen item's index + 1 (0: none) in base 36, all of the same width (the digits of the number
of items shown).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.interactions import Edition, position_id, separators
from coursec.questions.labels import label
from coursec.questions.view import Option, Paper, QuestionView, base36_width, unique

if TYPE_CHECKING:
    from coursec.schema import Question
    from coursec.sourcemap import Loc

__all__ = ["Ordering"]


class Ordering(QuestionView):
    fields = ("items",)
    instruction = N_("Choose the item that comes at each step.")
    paper_instruction = N_("Put the items in order.")
    scorm_type = "sequencing"
    qti_gap = "Common Cartridge 1.1's QTI profile has no ordering question type"

    @classmethod
    def check(cls, question: Question) -> None:
        if len(question.items) < 2:
            raise FieldError("an ordering question needs 2 or more items", "items")

    @classmethod
    def texts(cls, question: Question) -> Iterator[tuple[Loc, str]]:
        for i, item in enumerate(question.items):
            yield ("items", i), item

    @property
    def steps(self) -> list[Option]:
        """The items to choose from, each distinct one once, scrambled."""
        texts = _scrambled(self.question.id, unique(self.question.items))
        return [self.option(position_id(i), t) for i, t in enumerate(texts)]

    @property
    def order(self) -> list[str]:
        """The ids of the items in their right order."""
        ids = {o.source: o.id for o in self.steps}
        return [ids[item] for item in self.question.items]

    def correct_patterns(self, edition: Edition) -> list[str]:
        return [separators(edition)[0].join(self.order)]

    def qti(self) -> None:
        return None

    def answer_data(self) -> dict[str, Any]:
        return {"options": [o.id for o in self.steps], "order": self.order}

    @property
    def size(self) -> int:
        return len(self.question.items)

    def saved_answer_width(self) -> int:
        return len(self.question.items) * base36_width(len(self.steps))

    def paper(self) -> Paper:
        html = self.inline.html
        shown = self.paper_order(list(self.question.items))
        letters: dict[str, str] = {}
        for i, item in enumerate(shown):
            letters.setdefault(item, label(i))
        return Paper(
            options=tuple((label(i), html(item)) for i, item in enumerate(shown)),
            answer=tuple(
                Markup("{}. {}").format(letters[item], html(item)) for item in self.question.items
            ),
            answer_ordered=True,
        )


def _scrambled(question_id: str, items: list[str]) -> list[str]:
    """A fixed order of ``items``, seeded by the question id, that is not the given one (when
    the items allow another)."""
    ranked = sorted(items, key=lambda t: hashlib.sha256(f"{question_id}\n{t}".encode()).hexdigest())
    if ranked == items and len(set(items)) > 1:
        ranked = ranked[1:] + ranked[:1]
    return ranked
