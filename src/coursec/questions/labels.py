"""The letters that name a question's options for people: one labelling for every output.

A printed option is lettered with it, and a choice the author gave no `id` is named with it
(the id the page, the runtime and SCORM 2004 responses use): a, b ... z, then aa, ab ... az,
ba ... zz, aaa ... (bijective base 26, as spreadsheet columns are named).
"""

from __future__ import annotations

__all__ = ["LETTERS", "label"]

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def label(index: int) -> str:
    """The label of the option at `index` (0-based): 0 is "a", 25 "z", 26 "aa", 701 "zz"."""
    if index < 0:
        raise ValueError(f"an option's index is never negative: {index}")
    out = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, len(LETTERS))
        out = LETTERS[rest] + out
    return out
