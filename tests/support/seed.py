"""The reference course's seed text (tests/data/seed_course_text.txt), cut into findable sentences.

The fixture is the course content of the page that `courses/agai-302` was written from, one block
per line (headings, paragraphs, list items, callout lines), verbatim, without list markers or
site chrome. Output tests use `seed_sentences()` to check that every sentence reaches every
output (HTML site, SCORM packages, PDF).

Each sentence is cut so that it can be found in rendered text even when the output puts pieces in
separate elements:

* every line is its own unit (list items, hard-broken callout lines);
* a line is cut after each sentence end (``.``, ``!``, ``?``, also before a closing quote);
* ``" · "`` joins separate pieces of page chrome ("AGAI 302 · The Alignment Problem"), so it
  splits too;
* a trailing ``:`` is dropped: "A simplified phrase:" and "Example:" become callout titles
  ("A simplified phrase", "Example"), and "…it may benefit from" is still found in
  "…it may benefit from:".

`UI_LABELS` are sentences that come from the outputs' own interface ("Key terms",
"Learning objectives", "Up next", "Module 2"), not from the course source. Output tests expect
them too; source-level tests leave them out with ``seed_sentences(include_labels=False)``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = [
    "SEED_TEXT",
    "UI_LABELS",
    "UP_NEXT_TITLE",
    "seed_lines",
    "seed_sentences",
    "split_sentences",
    "up_next_summary",
]

SEED_TEXT = Path(__file__).resolve().parents[1] / "data" / "seed_course_text.txt"
UI_LABELS = frozenset({"Key terms", "Learning objectives", "Up next", "Module 2"})
UP_NEXT_TITLE = "Alignment Techniques and Research"

# after ". ", "! ", "? " and after '." ' with a closing quote (“… safely.” In a new …)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\u201d\u2019\"'])\s+")
_SEPARATOR = " · "


@cache
def seed_lines() -> tuple[str, ...]:
    """The fixture's non-blank lines, whitespace-normalized."""
    text = SEED_TEXT.read_text(encoding="utf-8")
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


def split_sentences(line: str) -> list[str]:
    """One fixture line → its findable sentences (see the module docstring)."""
    out: list[str] = []
    for piece in line.split(_SEPARATOR):
        for sentence in _SENTENCE_END.split(piece):
            cleaned = sentence.strip().removesuffix(":").strip()
            if cleaned:
                out.append(cleaned)
    return out


def seed_sentences(*, include_labels: bool = True) -> list[str]:
    """Every sentence of the seed's course content, in page order, without duplicates."""
    sentences = (s for line in seed_lines() for s in split_sentences(line))
    unique = dict.fromkeys(s for s in sentences if include_labels or s not in UI_LABELS)
    return list(unique)


def up_next_summary() -> str:
    """The "Up next" teaser paragraph: module 2's summary, verbatim."""
    lines = seed_lines()
    return lines[lines.index(UP_NEXT_TITLE) + 1]
