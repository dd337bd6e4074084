"""What a translatable text is (`Unit`) and where it was written (`Place`).

A unit's id is made of its module's id, where it sits in the module, and a key that does not
depend on its words: a front-matter field's path (`intro.summary`, `intro.q.q1.choices.0.text`,
`intro.obj.define-x`), or in the body the section's id, the kind of block and its number among
the blocks of that kind in the section (`intro.b.mitigations.p2`: the second paragraph of the
section "Mitigations"; `li`: a list item, `c`: a table cell, `q`: a quote, `h`: a heading...).
Editing a text changes no id; adding a paragraph renumbers only the paragraphs after it in its
section. `coursec.translate.front_matter` and `coursec.translate.body` find the units,
`coursec.translate.extract` puts them together.

Each unit knows where its text is in the file (`Place`), so that a merge can write a
translation in its stead and leave every other byte of the file as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.model import Course
from coursec.sourcemap import Loc
from coursec.sources import load_yaml_data
from coursec.translate.inline import Node


@dataclass(frozen=True, slots=True)
class Place:
    """Where a unit's text is in its file: characters `start` to `end` of the file's text.

    A body text over several lines has the start of each of its lines after the first in the
    file (`breaks`: list markers, `> ` ...) and what would start any further line (`more`);
    `more` is None where a text must stay on one line (a heading, a table cell). `yaml`: the
    text is a YAML value, written back as one. `section`: a heading's section id (its slug),
    kept when the words change.
    """

    start: int
    end: int
    breaks: tuple[str, ...] = ()
    more: str | None = None
    yaml: bool = False
    loc: Loc = ()
    section: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """One translatable text: `nodes` is its source, cut into text and inline codes."""

    id: str
    path: Path
    line: int
    what: str  # what the text is, for translators ("module title", "paragraph" ...)
    nodes: tuple[Node, ...]
    place: Place | None  # None: an image's title, written within the image (`parent`)
    parent: tuple[str, str] = ("", "")  # an image title's unit and image code ids


@dataclass(slots=True)
class SourceFile:
    """A file of the course with its translatable units."""

    path: Path  # absolute
    name: str  # relative to the course folder, with / (the XLIFF file's `original`)
    file_id: str
    text: str
    units: list[Unit] = field(default_factory=list)


@dataclass(slots=True)
class Extraction:
    course: Course | None
    files: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def units(self) -> Iterator[tuple[SourceFile, Unit]]:
        for source in self.files:
            for unit in source.units:
                yield source, unit


class Lines:
    """Offsets of a text's lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, col: int) -> int:
        """The offset of 1-based `line` and `col`."""
        return self.starts[line - 1] + col - 1


def yaml_value(written: str) -> str | None:
    """The string a YAML scalar as written stands for (None if it is not a string)."""
    raw = written.rstrip("\n") if written[:1] in "|>" else written
    try:
        data = load_yaml_data(f"v: {raw}\n")
    except Exception:  # noqa: BLE001 (a value YAML cannot read alone is not a text unit)
        return None
    value = data.get("v") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def cannot_extract(path: Path, line: int) -> Diagnostic:
    """CS720: a text whose markup cannot be cut into words and codes stays as written."""
    return Diagnostic(
        Severity.WARNING,
        Code.CS720,
        "this text cannot be cut into words and markup for translators: it is left out "
        "of the XLIFF file and stays as written",
        Span(path, line, 1),
        "simplify its markup (e.g. a tab inside a list, a link split oddly across lines)",
    )
