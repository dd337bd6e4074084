"""A question as QTI 1.2 asks it: what each kind tells a QTI writer (the Common Cartridge
exporter), as data. No XML here: core never writes an exporter's format.

QTI 1.2 item types in the Common Cartridge profile's terms: a choice with one right answer, a
choice with several, true or false, and a typed answer compared with accepted strings. A kind
with no such type (matching, ordering) says so with ``None`` and a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

__all__ = ["QtiChoice", "QtiQuestion", "QtiType"]

QtiType = Literal["single-choice", "multiple-response", "true-false", "fill-in"]


@dataclass(frozen=True, slots=True)
class QtiChoice:
    """A ``response_label``: its ident, its text, whether picking it is right, its feedback."""

    ident: str
    html: Markup
    correct: bool
    feedback: Markup | None = None


@dataclass(frozen=True, slots=True)
class QtiQuestion:
    """What a QTI 1.2 item needs beyond the prompt, points and the question's own feedback."""

    type: QtiType
    choices: tuple[QtiChoice, ...] = ()  # the choice types
    accepted: tuple[str, ...] = ()  # fill-in: the answers that are right, as typed
