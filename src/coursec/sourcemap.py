"""Positions of YAML keys and values, keyed by their path in the document (pydantic's `loc`)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursec.diagnostics import Span

Loc = tuple[str | int, ...]
# YAML's own words for values it converts from plain (unquoted) text
_CONVERTED = {
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
}


class Positions:
    """Line and column, as an editor shows them, of each character of a text.

    Only a line feed ends a line: YAML's parser also counts U+0085, U+2028 and U+2029, which
    editors show inside a line, so its own line numbers drift after one.
    """

    def __init__(self, text: str, line_offset: int = 0) -> None:
        self.line_offset = line_offset
        self._starts = [0]
        index = text.find("\n")
        while index >= 0:
            self._starts.append(index + 1)
            index = text.find("\n", index + 1)

    def at(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of the character at `index`."""
        line = bisect.bisect_right(self._starts, index) - 1
        return line + 1 + self.line_offset, index - self._starts[line] + 1

    def span(self, path: Path, start: int, end: int | None = None) -> Span:
        line, col = self.at(start)
        if end is None:
            return Span(path, line, col)
        end_line, end_col = self.at(end)
        return Span(path, line, col, end_line, end_col)

    def node(self, path: Path, node: yaml.Node) -> Span:
        return self.span(path, node.start_mark.index, node.end_mark.index)


@dataclass(slots=True)
class SourceMap:
    """Where each value (and each mapping key) of one YAML document stands in its file."""

    path: Path
    values: dict[Loc, Span] = field(default_factory=dict)
    keys: dict[Loc, Span] = field(default_factory=dict)
    # a key given twice: (its loc, where it is given again, where it was first given)
    duplicate_keys: list[tuple[Loc, Span, Span]] = field(default_factory=list)
    # plain values YAML read as something other than text: loc -> (the text, what it became)
    converted: dict[Loc, tuple[str, str]] = field(default_factory=dict)
    # the document's data (to name list items by their id)
    data: Any = None

    @classmethod
    def from_node(cls, path: Path, root: yaml.Node, positions: Positions) -> SourceMap:
        smap = cls(path)
        smap._walk(root, (), positions)
        return smap

    def _walk(self, node: yaml.Node, loc: Loc, positions: Positions) -> None:
        self.values[loc] = positions.node(self.path, node)
        if isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _CONVERTED:
            self.converted[loc] = (node.value, _CONVERTED[node.tag])
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, Span] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = (*loc, key)
                key_span = positions.node(self.path, key_node)
                if key in seen:
                    self.duplicate_keys.append((child, key_span, seen[key]))
                else:
                    seen[key] = key_span
                    self.keys[child] = key_span
                self._walk(value_node, child, positions)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*loc, index), positions)

    def value(self, loc: Sequence[str | int]) -> Span:
        """The span of the value at `loc`, or of its nearest ancestor that exists."""
        loc = tuple(loc)
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, Span(self.path))

    def key(self, loc: Sequence[str | int]) -> Span:
        """The span of the mapping key at `loc` (the value's span when there is no key)."""
        return self.keys.get(tuple(loc)) or self.value(loc)
