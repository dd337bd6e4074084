"""Build-time side of the SCORM runtime's resume state (``cmi.suspend_data``).

The runtime in ``templates/static/coursec-scorm.js`` writes and reads this format; its header
comment describes the same thing, so change both together::

    1~<stateKey>~<viewed>~<seconds>[~<quiz>][~<later fields>]

``1``
    Format version. A runtime drops state of any other version silently (clean start).
``stateKey``
    :func:`state_key` of the SCO's section ids, then (on a SCO with knowledge checks) one
    ``quiz:<module>:<question>:<type>:<size>`` part per question (``size`` is its kind's, see
    ``coursec.questions``): 8 lower-case hex chars. The page carries it in its ``coursec-sco``
    JSON; saved state with another key comes from a different build of the SCO and is dropped
    silently. The runtime only compares it.
``viewed``
    Bitset of viewed sections, lower-case hex, exactly ``ceil(n / 4)`` digits for ``n``
    sections: section ``i`` is bit ``i % 4`` (value ``1 << (i % 4)``) of digit ``i // 4``, digits
    in section order. Five sections all viewed: ``f1``.
``seconds``
    Whole seconds the learner has had the SCO visible, summed over sessions, in decimal, capped
    at :data:`MAX_SECONDS` (8 digits, a bit over three years).
``quiz``
    Only on a SCO with knowledge checks (the ``quiz`` list of its ``coursec-sco`` JSON): one
    segment per knowledge check, in that list's order, joined with ``|``. The segments are
    written and read by the quiz runtime (``templates/static/coursec-quiz.js``, whose header
    describes them: ``<attempt><o|s>:<answer>;<answer>;...``, each answer as its kind's
    ``KINDS`` object encodes it); the SCORM runtime only stores them. A segment never holds
    ``~`` or ``|``. Its longest form is
    :meth:`coursec.quiz.QuizView.worst_case_state_length`: a header, and for each question
    the widest answer its kind saves (``saved_answer_width`` of the kind's module in
    ``coursec.questions``). The exporter passes it to :func:`worst_case_suspend_length`.
``later fields``
    Reserved; kept verbatim by the runtime.

``cmi.suspend_data`` may hold :data:`SUSPEND_LIMITS` characters (the SPM of each edition); the
exporter should compare :func:`worst_case_suspend_length` with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "FORMAT_VERSION",
    "KEY_LENGTH",
    "MAX_SECONDS",
    "QUIZ_SEPARATOR",
    "SEPARATOR",
    "SUSPEND_LIMITS",
    "encode_state",
    "state_key",
    "worst_case_suspend_length",
]

FORMAT_VERSION = 1
"""Version written in the first field; bump it when a field changes meaning."""

SEPARATOR = "~"
"""Field separator; never appears inside a field."""

QUIZ_SEPARATOR = "|"
"""Separator of the knowledge checks' segments inside the quiz field."""

KEY_LENGTH = 8
"""Hex characters of the state key."""

MAX_SECONDS = 99_999_999
"""Largest time the runtime stores (about 3.17 years); longer totals are written as this."""

SUSPEND_LIMITS: dict[str, int] = {"1.2": 4096, "2004": 64000}
"""Smallest permitted maximum of ``cmi.suspend_data`` per SCORM edition, in characters."""


def state_key(parts: Iterable[str]) -> str:
    """Return the 8 lower-case hex chars of SHA-256 over ``parts`` joined with newlines.

    ``parts`` are the SCO's section element ids in document order, then its questions' parts
    (see the module docstring); none holds whitespace, so the join is unambiguous. Any change to
    the list gives a different key.
    """
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    return digest[:KEY_LENGTH]


def _viewed_hex(viewed: Sequence[bool]) -> str:
    digits = []
    for start in range(0, len(viewed), 4):
        value = sum(1 << bit for bit, seen in enumerate(viewed[start : start + 4]) if seen)
        digits.append(f"{value:x}")
    return "".join(digits)


def encode_state(
    key: str, viewed: Sequence[bool], seconds: int, quiz: Sequence[str] | None = None
) -> str:
    """Encode version-1 state exactly as the runtime's ``encodeState`` does (used by tests).

    ``quiz``: the knowledge checks' segments, for a SCO that has any.
    """
    if len(key) != KEY_LENGTH or any(c not in "0123456789abcdef" for c in key):
        raise ValueError(f"state key must be {KEY_LENGTH} lower-case hex chars: {key!r}")
    clamped = min(max(int(seconds), 0), MAX_SECONDS)
    fields = [str(FORMAT_VERSION), key, _viewed_hex(viewed), str(clamped)]
    if quiz is not None:
        if any(SEPARATOR in s or QUIZ_SEPARATOR in s for s in quiz):
            raise ValueError("a quiz segment must not contain ~ or |")
        fields.append(QUIZ_SEPARATOR.join(quiz))
    return SEPARATOR.join(fields)


def worst_case_suspend_length(section_count: int, quiz_lengths: Sequence[int] = ()) -> int:
    """Longest suspend_data the runtime writes for a SCO with ``section_count`` sections.

    Every field at its maximum width: version, 8-char key, ``ceil(n / 4)`` hex digits and
    ``MAX_SECONDS`` in decimal, plus three separators. ``quiz_lengths`` are the longest segments
    of the SCO's knowledge checks (``QuizView.worst_case_state_length()``); with any, the quiz
    field and its separators are counted too.
    """
    if section_count < 0:
        raise ValueError("section_count must not be negative")
    if any(n < 0 for n in quiz_lengths):
        raise ValueError("quiz lengths must not be negative")
    viewed_digits = -(-section_count // 4)
    fields = [len(str(FORMAT_VERSION)), KEY_LENGTH, viewed_digits, len(str(MAX_SECONDS))]
    if quiz_lengths:
        fields.append(sum(quiz_lengths) + len(QUIZ_SEPARATOR) * (len(quiz_lengths) - 1))
    return sum(fields) + len(SEPARATOR) * (len(fields) - 1)
