"""Matching questions: pairs of a left item and its right match; a list of the right items for
each left one, the right items listed alphabetically (each distinct one once).

Left items are named ``1``-``9``, ``a`` ... by position, right items ``a``-``z``, ``0``-``9``
in the order shown. Saved answer: for each left item, the chosen right item's index + 1 (0:
none) in base 36, all of the same width (the digits of the number of right items).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from coursec.field_error import FieldError
from coursec.i18n import N_
from coursec.questions.interactions import SOURCE_IDS, Edition, position_id, separators
from coursec.questions.labels import label
from coursec.questions.view import Option, Paper, QuestionView, base36_width, unique

if TYPE_CHECKING:
    from coursec.schema import Question
    from coursec.sourcemap import Loc

__all__ = ["Matching"]


class Matching(QuestionView):
    fields = ("pairs",)
    instruction = N_("Choose the match for each item.")
    paper_instruction = N_("Match each item on the left with one on the right.")
    scorm_type = "matching"
    qti_gap = "Common Cartridge 1.1's QTI profile has no matching question type"

    @classmethod
    def check(cls, question: Question) -> None:
        if len(question.pairs) < 2:
            raise FieldError("a matching question needs 2 or more pairs", "pairs")

    @classmethod
    def texts(cls, question: Question) -> Iterator[tuple[Loc, str]]:
        for i, pair in enumerate(question.pairs):
            yield ("pairs", i, "left"), pair.left
            yield ("pairs", i, "right"), pair.right

    @property
    def lefts(self) -> list[Option]:
        """The items to match, in the author's order."""
        return [
            self.option(position_id(i, SOURCE_IDS), p.left)
            for i, p in enumerate(self.question.pairs)
        ]

    @property
    def rights(self) -> list[Option]:
        """The matches to choose from: each distinct one once, alphabetically as shown."""
        texts = unique([p.right for p in self.question.pairs])
        texts.sort(key=lambda t: (self.inline.plain(t).casefold(), t))
        return [self.option(position_id(i), t) for i, t in enumerate(texts)]

    @property
    def matches(self) -> dict[str, str]:
        """Left id → the right id that matches it."""
        right_ids = {o.source: o.id for o in self.rights}
        return {
            left.id: right_ids[pair.right]
            for left, pair in zip(self.lefts, self.question.pairs, strict=True)
        }

    def correct_patterns(self, edition: Edition) -> list[str]:
        comma, dot = separators(edition)
        return [comma.join(f"{left}{dot}{right}" for left, right in self.matches.items())]

    def qti(self) -> None:
        return None

    def answer_data(self) -> dict[str, Any]:
        return {
            "lefts": [o.id for o in self.lefts],
            "rights": [o.id for o in self.rights],
            "matches": self.matches,
        }

    @property
    def size(self) -> int:
        return len(self.question.pairs)

    def saved_answer_width(self) -> int:
        return len(self.question.pairs) * base36_width(len(self.rights))

    def paper(self) -> Paper:
        html = self.inline.html
        rights = self.paper_order(unique([p.right for p in self.question.pairs]))
        letter = {text: label(i) for i, text in enumerate(rights)}
        pairs = list(enumerate(self.question.pairs, start=1))
        return Paper(
            options=tuple((letter[text], html(text)) for text in rights),
            left=tuple((str(n), html(pair.left)) for n, pair in pairs),
            answer=tuple(
                Markup("{}. {} → {}. {}").format(
                    n, html(pair.left), letter[pair.right], html(pair.right)
                )
                for n, pair in pairs
            ),
        )
