"""Positions of YAML keys and values, keyed by their path in the document (pydantic's `loc`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coursec.diagnostics import Span

Loc = tuple[str | int, ...]


def _span(path: Path, node: yaml.Node, line_offset: int) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(
        path,
        start.line + 1 + line_offset,
        start.column + 1,
        end.line + 1 + line_offset,
        end.column + 1,
    )


@dataclass(slots=True)
class SourceMap:
    """Where each value (and each mapping key) of one YAML document stands in its file."""

    path: Path
    values: dict[Loc, Span] = field(default_factory=dict)
    keys: dict[Loc, Span] = field(default_factory=dict)
    duplicate_keys: list[tuple[Loc, Span]] = field(default_factory=list)

    @classmethod
    def from_node(cls, path: Path, root: yaml.Node, line_offset: int = 0) -> SourceMap:
        smap = cls(path)
        smap._walk(root, (), line_offset)
        return smap

    def _walk(self, node: yaml.Node, loc: Loc, offset: int) -> None:
        self.values[loc] = _span(self.path, node, offset)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = (*loc, key)
                if key in seen:
                    self.duplicate_keys.append((child, _span(self.path, key_node, offset)))
                seen.add(key)
                self.keys[child] = _span(self.path, key_node, offset)
                self._walk(value_node, child, offset)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*loc, index), offset)

    def value(self, loc: Sequence[str | int]) -> Span:
        """The span of the value at `loc`, or of its nearest ancestor that exists."""
        loc = tuple(loc)
        while loc not in self.values and loc:
            loc = loc[:-1]
        return self.values.get(loc, Span(self.path))

    def key(self, loc: Sequence[str | int]) -> Span:
        """The span of the mapping key at `loc` (the value's span when there is no key)."""
        return self.keys.get(tuple(loc)) or self.value(loc)
