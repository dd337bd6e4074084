"""YAML syntax errors in an author's words, at their cause rather than where the parser gave up.

The parser stops where it can no longer make sense of the text, often lines after the mistake
(an unclosed quote is found at the next quote, a no-break space where the next field fails).
`explain` looks at the text for the usual causes first: a control character, a tab or an
invisible character where YAML needs a plain space, a quote, bracket or brace left open on its
line, a missing space after `key:`, a value holding `: `, a line indented under a value. A
cause counts only if mending it lets the parser read on. Otherwise it translates the parser's
problem, never quoting it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import yaml

Reparse = Callable[[str], int | None]
_MAX_TRIES = 12


@dataclass(frozen=True, slots=True)
class Explained:
    index: int  # where the mistake is, in the YAML text
    message: str
    hint: str


# characters an editor shows as blank, or not at all, that YAML does not take for a space
INVISIBLE = {
    "\t": "a tab",
    "\u00a0": "a no-break space (U+00A0)",
    "\u2007": "a figure space (U+2007)",
    "\u202f": "a narrow no-break space (U+202F)",
    "\u200b": "a zero-width space (U+200B)",
    "\u200c": "a zero-width non-joiner (U+200C)",
    "\u200d": "a zero-width joiner (U+200D)",
    "\u2060": "a word joiner (U+2060)",
    "\ufeff": "a byte-order mark (U+FEFF)",
    "\u00ad": "a soft hyphen (U+00AD)",
    "\u3000": "an ideographic space (U+3000)",
    **{chr(c): f"a typographic space (U+{c:04X})" for c in range(0x2000, 0x200B) if c != 0x2007},
}
_INVISIBLE_CLASS = "[" + "".join(INVISIBLE) + "]"
# where YAML's structure needs plain spaces: indentation, after `key:` and after a list's `-`
_STRUCTURAL = re.compile(
    rf"^[ ]*(?:-[ ]+)*({_INVISIBLE_CLASS})"  # in the indentation
    rf"|^[ ]*(?:-[ ]+)*[^\s\"'#:][^:#]*?({_INVISIBLE_CLASS})*:({_INVISIBLE_CLASS})"  # after key:
    rf"|^[ ]*(?:-[ ]+)*[^\s\"'#:]*?({_INVISIBLE_CLASS})[^:]*:(?:[ ]|$)"  # inside a key
    rf"|^[ ]*-({_INVISIBLE_CLASS})",  # after a list's dash
    re.MULTILINE,
)
_OPENER = re.compile(r"^[ ]*(?:-[ ]+)*(?:[^\s\"'#][^:#\n]*:[ ]+)?([\"'\[{])", re.MULTILINE)
_CLOSERS = {"[": "]", "{": "}"}


def _name(char: str) -> str:
    return INVISIBLE.get(char) or f"the character U+{ord(char):04X}"


_RETYPE = (
    "delete it: it is invisible in most editors and often comes with text pasted from "
    "another program"
)


def control_character(text: str, index: int) -> Explained:
    """The control character at `index`, named by its code point."""
    char = text[index]
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "a control character")
    return Explained(
        index,
        f"the control character U+{ord(char):04X} ({name.lower()}) cannot be in a YAML file",
        _RETYPE,
    )


# what YAML 1.1 does not allow in a document (its "printable" set, inverted)
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {
    0x00: "NUL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "VERTICAL TAB",
    0x0C: "FORM FEED",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}


def _invisible(text: str, before: int) -> Iterator[tuple[Explained, str]]:
    """Each tab or invisible character where YAML needs a space, up to index `before`, the
    nearest first, with the text mended."""
    found = [m for m in _STRUCTURAL.finditer(text) if m.start() <= before]
    for match in reversed(found):
        group = next(g for g in range(1, (match.lastindex or 0) + 1) if match.group(g))
        index = match.start(group)
        char = text[index]
        if char == "\t":
            hint = "YAML indents with spaces only: replace the tab with spaces"
        elif char in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
            hint = "delete it (it is invisible); retype the line if you cannot find it"
        else:
            hint = "replace it with an ordinary space; it often comes from a word processor"
        mended = text[:index] + ("" if char in _ZERO_WIDTH else " ") + text[index + 1 :]
        yield Explained(index, f"{_name(char)} where YAML needs an ordinary space", hint), mended


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_NO_SPACE = re.compile(r"^[ ]*(?:-[ ]+)*([A-Za-z_][\w-]*):(?=[^\s/:])", re.MULTILINE)


def _no_space_after_colon(text: str, before: int) -> Iterator[tuple[Explained, str]]:
    """`title:Demo`: YAML reads the line as one plain value, not as a field."""
    for match in _NO_SPACE.finditer(text):
        if match.start() > before:
            return
        colon = match.end()
        line_end = text.find("\n", colon)
        value = text[colon : None if line_end < 0 else line_end]
        yield (
            Explained(
                colon - 1,
                f'the field "{match.group(1)}" needs a space after its ":"',
                f"write {match.group(1)}: {value}",
            ),
            text[:colon] + " " + text[colon:],
        )


def _closes(rest: str, opener: str) -> bool:
    """Whether a value opened by `opener` closes within `rest` (the rest of its line)."""
    if opener == '"':
        return re.match(r'(?:[^"\\]|\\.)*"', rest) is not None
    if opener == "'":
        return re.match(r"(?:[^']|'')*'", rest) is not None
    depth = 1
    quote = ""
    for char in rest:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return True
    return False


def _unclosed(text: str, before: int) -> Iterator[tuple[Explained, str]]:
    """Each quote, bracket or brace opening a value that does not close on its line, with the
    text mended (closed at the end of the line)."""
    for match in _OPENER.finditer(text):
        if match.start(1) > before:
            return
        opener = match.group(1)
        line_end = text.find("\n", match.end(1))
        at = len(text) if line_end < 0 else line_end
        if _closes(text[match.end(1) : at], opener):
            continue
        closer = _CLOSERS.get(opener, opener)
        mended = text[:at] + closer + text[at:]
        if opener in "\"'":
            what = "quote" if opener == '"' else "single quote"
            message = f"this value's opening {what} {opener} is never closed on its line"
            hint = (
                f"end the value with {opener}; to write {opener} inside a value, use the "
                "other kind of quotes around it"
            )
        else:
            kind = "list" if opener == "[" else "mapping"
            message = f"this {kind} opened with {opener} is never closed on its line"
            hint = (
                f"end it with {closer}, or put the whole value in quotes if {opener} is meant "
                "as text"
            )
        yield Explained(match.start(1), message, hint), mended


_PROBLEMS = (
    ("found undefined alias", "this *alias names no anchor (&name) above it", "alias"),
    ("found duplicate anchor", "this &anchor name is already used above", "anchor"),
    ("cannot start any token", "a value cannot start with this character", "quote"),
    ("expected alphabetic or numeric character", "this alias or anchor has no name", "quote"),
    ("expected <block end>", "this line is not lined up with the lines above it", "indent"),
    (
        "did not find expected '-' indicator",
        "this list item is not lined up with the items above it",
        "indent",
    ),
    ("did not find expected key", "this line is not lined up with the fields above it", "indent"),
    ("could not find expected ':'", "this line has no `field: value`", "indent"),
    ("expected ',' or", "a list or mapping in [ ] or { } is not closed properly", "flow"),
    ("found unexpected end of stream", "the file ends inside a value", "quote"),
    (
        "found unknown escape character",
        "this quoted value holds a backslash that is not an escape",
        "backslash",
    ),
    ("found unexpected ':'", "a field name holds ':'", "quote"),
    ("found unhashable key", "a field name cannot be a list or a mapping", "key"),
    ("could not determine a constructor", "this tag (!...) is not one coursec reads", "tag"),
)
_HINTS = {
    "quote": 'put the whole value in quotes: "..."',
    "indent": "indent each field of a mapping, and each item of a list, by the same number of "
    "spaces as its neighbours",
    "backslash": "in double quotes write a backslash as \\\\, or use single quotes",
    "alias": "define the value with &name before using it as *name, or quote the value if "
    "* is meant as text",
    "anchor": "give each &anchor its own name, or quote the value if & is meant as text",
    "key": "write a plain name before the colon: name: value",
    "tag": "remove the tag: course files are plain YAML (text, numbers, lists, mappings)",
    "flow": "separate its items with commas and end it with ] or }; quote an item that holds "
    "a comma, a bracket or a colon",
}


def _problem(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    words = f"{exc.problem or ''} {exc.context or ''}"
    for needle, message, hint in _PROBLEMS:
        if needle in words:
            return message, _HINTS.get(hint or "", "check the line above and this one")
    return "YAML cannot read this line", "check indentation and quoting on this line and above"


def _colon_or_indent(text: str, index: int) -> Explained | None:
    """`mapping values are not allowed here`: a `: ` in a value, or a line indented under a
    value (so that it reads as the value's continuation)."""
    line_start = text.rfind("\n", 0, index) + 1
    line = text[line_start : text.find("\n", index) if "\n" in text[index:] else None]
    key = re.match(r"^([ ]*(?:-[ ]+)*)([^\s:#][^:]*?):[ ]+(\S.*)$", line)
    if key and line_start + len(key.group(1)) + len(key.group(2)) < index:
        value = key.group(3).replace('"', '\\"')
        return Explained(
            index,
            'this value holds ": ", which YAML reads as the start of another field',
            f'put the whole value in quotes: {key.group(2)}: "{value}"',
        )
    previous_end = line_start - 1
    previous_start = text.rfind("\n", 0, max(previous_end, 0)) + 1
    previous = text[previous_start:previous_end] if previous_end > 0 else ""
    indent = len(line) - len(line.lstrip(" "))
    if re.match(r"^[ ]*(?:-[ ]+)*[^\s:#][^:]*:[ ]+\S", previous) and indent > (
        len(previous) - len(previous.lstrip(" "))
    ):
        return Explained(
            line_start + indent,
            "this line is indented further than the field above it, so YAML reads it as "
            "part of that field's value",
            "line it up with the field above, or put the value above in quotes",
        )
    return None


def _orphan_value(text: str, index: int) -> Explained | None:
    """A line that starts with `: `: a value whose field name is missing."""
    for line_start in (text.rfind("\n", 0, index) + 1, text.rfind("\n", 0, max(index - 1, 0)) + 1):
        line = text[line_start:].split("\n", 1)[0]
        if re.match(r"[ ]*:(?:[ ]|$)", line):
            column = line_start + len(line) - len(line.lstrip(" "))
            return Explained(
                column,
                "this line has a value but no field name before its colon",
                "write the field's name before the colon: name: value",
            )
    return None


def explain(text: str, exc: yaml.YAMLError, reparse: Reparse) -> Explained:
    """What is wrong, and where, for a YAML error in `text`.

    A likely cause found in the text counts only if mending it lets the parser read on past
    where it stopped (`reparse`: where the parser stops in a text, or None if it reads it all):
    a multi-line list or quote that YAML reads fine is never blamed for a later mistake.
    """
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts the position in bytes of UTF-8: find the character instead
        bad = _NOT_PRINTABLE.search(text)
        if bad is None:
            return Explained(0, "this file holds a character YAML does not allow", _RETYPE)
        return control_character(text, bad.start())
    assert isinstance(exc, yaml.MarkedYAMLError)
    mark = exc.problem_mark or exc.context_mark
    index = mark.index if mark is not None else 0
    tries = _MAX_TRIES  # each try parses the whole text again: a few, however many candidates
    for candidates in (_invisible, _unclosed, _no_space_after_colon):
        for cause, mended in itertools.islice(candidates(text, index), tries):
            tries -= 1
            stops = reparse(mended)
            if stops is None or stops > index:
                return cause
    if exc.problem and "mapping values are not allowed" in exc.problem:
        found = _colon_or_indent(text, index)
        if found is not None:
            return found
    orphan = _orphan_value(text, index)
    if orphan is not None:
        return orphan
    message, hint = _problem(exc)
    if message.startswith("a value cannot start with") and index < len(text):
        message = f'a value cannot start with "{text[index]}"'
    return Explained(index, message, hint)
