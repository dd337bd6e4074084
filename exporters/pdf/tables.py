"""Tables on paper: how much room each needs, so the handout never breaks a word to fit one.

A browser scrolls a wide table; a page cannot. The handout sets table cells without breaking
words, so a table is as wide as the sum of its columns' longest words, and `fit_tables`
estimates that width from the text (with DejaVu's glyph widths, the handout's fonts) and
marks each table with what it needs to fit (`handout.css` styles the classes):
- `cs-table--wide`: smaller type and padding, for 8 columns or more or when the normal size
  does not fit the text block;
- `cs-table--landscape`: a landscape page of its own, when even the smaller type does not fit;
- `cs-table--squeezed`: not even a landscape page is wide enough: words may break, the last
  resort (a column with a 100-character word).
The estimate errs wide (words break only at spaces here; the renderer finds a few more places),
so a table it lets through fits.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from lxml.etree import _Element

WIDE_COLUMNS = 8
# A4 less the margins of handout.css (20 mm each side; 44 mm on the right of a review copy).
_PORTRAIT_MM = {False: 210 - 40, True: 210 - 20 - 44}
_LANDSCAPE_MM = {False: 297 - 40, True: 297 - 20 - 44}
_PT_MM = 25.4 / 72


@dataclass(frozen=True, slots=True)
class _Size:
    """A table's type size and each cell's horizontal padding and border, as handout.css sets."""

    points: float
    padding_mm: float


_NORMAL = _Size(9.0, 2 * 2.0 + 0.3)
_SMALL = _Size(7.5, 2 * 1.2 + 0.3)

# Average advance widths (em) of DejaVu Serif (cells), DejaVu Sans Bold (header cells) and
# DejaVu Sans Mono (code, set at 0.88em), by kind of character, rounded up.
_SERIF = {"upper": 0.75, "lower": 0.58, "digit": 0.64, "other": 0.62}
_HEADER = {"upper": 0.76, "lower": 0.64, "digit": 0.70, "other": 0.62}
_MONO_EM = 0.602 * 0.88


def _char_em(char: str, widths: dict[str, float]) -> float:
    if char.isupper():
        return widths["upper"]
    if char.islower():
        return widths["lower"]
    if char.isdigit():
        return widths["digit"]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    return widths["other"]


def _longest_word_em(cell: _Element) -> float:
    """The width (em) of the cell's longest run of text without a space, the renderer's
    narrowest line for it."""
    header = cell.tag == "th"
    longest = current = 0.0

    def add(text: str, mono: bool, bold: bool) -> None:
        nonlocal longest, current
        widths = _HEADER if header or bold else _SERIF
        for char in text:
            if char.isspace() and char != "\u00a0":
                current = 0.0
                continue
            current += _MONO_EM if mono else _char_em(char, widths) * (1.08 if bold else 1.0)
            longest = max(longest, current)

    def walk(element: _Element, mono: bool, bold: bool) -> None:
        add(element.text or "", mono, bold)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                add(" ", mono, bold)
            else:
                walk(child, mono or tag in ("code", "kbd", "samp"), bold or tag in ("strong", "b"))
            add(child.tail or "", mono, bold)

    walk(cell, mono=False, bold=False)
    return longest


# What a table's containers take from the text block's width (handout.css): a callout's border
# and padding, a list's or a definition's indent, a block quote's rule and padding.
_INDENT_MM = {"li": 5.0, "dd": 5.0, "blockquote": 4.8}
_CALLOUT_MM = 1.4 + 2 * 4.0


def _indent_mm(table: _Element) -> float:
    indent = 0.0
    for parent in table.iterancestors():
        indent += _INDENT_MM.get(str(parent.tag), 0.0)
        if "cs-callout" in (parent.get("class") or "").split():
            indent += _CALLOUT_MM
    return indent


def _needed_mm(columns: list[float], size: _Size) -> float:
    return sum(em * size.points * _PT_MM + size.padding_mm for em in columns) + 0.3


def _add_class(element: _Element, name: str) -> None:
    element.set("class", " ".join([*(element.get("class") or "").split(), name]))


def fit_tables(root: _Element, review: bool) -> None:
    """Mark every table of `root` with what it needs to fit the page (module docstring)."""
    for table in root.iter("table"):
        widths: list[float] = []  # each column's longest word
        for row in table.iter("tr"):
            column = 0
            for cell in row:
                if cell.tag not in ("td", "th"):
                    continue
                colspan = cell.get("colspan", "1")
                span = max(int(colspan), 1) if colspan.isdigit() else 1
                if span == 1:  # a spanning cell's words may spread over its columns
                    if column >= len(widths):
                        widths += [0.0] * (column + 1 - len(widths))
                    widths[column] = max(widths[column], _longest_word_em(cell))
                column += span
            widths += [0.0] * (column - len(widths))
        if not widths:
            continue
        indent = _indent_mm(table)
        portrait, landscape = _PORTRAIT_MM[review] - indent, _LANDSCAPE_MM[review] - indent
        if len(widths) >= WIDE_COLUMNS or _needed_mm(widths, _NORMAL) > portrait:
            _add_class(table, "cs-table--wide")
            small = _needed_mm(widths, _SMALL)
            if small > portrait:
                _add_class(table, "cs-table--landscape")
            if small > landscape:
                _add_class(table, "cs-table--squeezed")
