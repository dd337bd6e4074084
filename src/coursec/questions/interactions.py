"""What the kinds share about SCORM interactions (``cmi.interactions.n``): the two editions,
their separators, and the short ids that responses name items by.

Each kind writes its correct-response patterns with these; the runtime
(``templates/static/coursec-quiz.js``) writes the learner's responses to the same rules.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["EDITIONS", "POSITION_IDS", "SOURCE_IDS", "Edition", "position_id", "separators"]

Edition = Literal["1.2", "2004"]
EDITIONS: tuple[Edition, ...] = ("1.2", "2004")

POSITION_IDS = "abcdefghijklmnopqrstuvwxyz0123456789"
"""One-character ids by position: SCORM 1.2 ``choice``, ``matching`` and ``sequencing``
responses allow single characters only."""
SOURCE_IDS = "123456789abcdefghijklmnopqrstuvwxyz0"
"""Ids of a matching question's left-hand items, by position."""


def position_id(index: int, alphabet: str = POSITION_IDS) -> str:
    """The id of the item at ``index``: one character while the alphabet lasts."""
    return alphabet[index] if index < len(alphabet) else f"x{index}"


def separators(edition: Edition) -> tuple[str, str]:
    """An edition's separators in a response: between items, and inside a pair."""
    return (",", ".") if edition == "1.2" else ("[,]", "[.]")
