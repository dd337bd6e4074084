"""Read source files: bytes → text (UTF-8, BOM and CRLF accepted) → YAML data with positions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.files import NotRegularFile, SourceTooLarge, read_source
from coursec.sourcemap import Positions, SourceMap
from coursec.yaml_errors import explain

FENCE = "---"
# libyaml's loader when PyYAML was built with it (several times faster); both keep node marks
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SourceError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _fail(code: Code, message: str, span: Span, hint: str | None = None) -> SourceError:
    return SourceError(Diagnostic(Severity.ERROR, code, message, span, hint))


def read_source_bytes(path: Path) -> bytes:
    """A text source's bytes: a regular file of at most MAX_SOURCE_BYTES, else `SourceError`."""
    try:
        return read_source(path)
    except NotRegularFile as exc:
        raise _fail(
            Code.CS107,
            f"{path.name} is not a regular file: it is {exc.kind}",
            Span(path, 0, 0),
            "replace it with the text file it should be",
        ) from exc
    except SourceTooLarge as exc:
        raise _fail(
            Code.CS109,
            f"{path.name} is {exc.size:,} bytes, over the limit of {exc.limit:,} for a source file",
            Span(path, 0, 0),
            "split the module into several modules, and keep data files as assets",
        ) from exc
    except OSError as exc:
        raise _fail(Code.CS101, f"cannot read file: {exc.strerror}", Span(path, 0, 0)) from exc


def read_text(path: Path) -> str:
    """Decode a source file; a BOM and CRLF/CR line endings are accepted and normalized."""
    return decode_text(read_source_bytes(path), path)


def decode_text(raw: bytes, path: Path) -> str:
    """`read_text` for bytes already read from `path`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            Code.CS102,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            Span(path, line, col),
            "save the file as UTF-8 (most editors: File > Save with Encoding > UTF-8)",
        ) from exc
    text = text.replace("\r\n", "\n")
    if "\n" not in text:
        return text.replace("\r", "\n")  # a file with the old Mac line endings
    # a carriage return alone in a file of LF lines: an editor shows no new line, YAML and
    # Markdown would start one (and count every later line one too far); it reads as a space
    return text.replace("\r", " ")


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    sourcemap: SourceMap


# Bounds on what one YAML document may hold, so that no source can exhaust time or memory.
MAX_YAML_DEPTH = 40  # nesting levels (a module's front matter needs about 6)
MAX_YAML_NODES = 50_000  # values, counting each use of an alias anew (an anchor "bomb")
MAX_INT_DIGITS = 15  # whole numbers; longer ones are almost surely meant as text
# libyaml composes documents recursively in C, where deep nesting overflows the stack; a
# document that might nest this deep is parsed by PyYAML's Python loader, which fails cleanly.
_C_NESTING_LIMIT = 2_000
_INT_TAG = "tag:yaml.org,2002:int"


def _loader_for(text: str) -> type[Any]:
    """libyaml's loader, unless `text` could nest deeper than it can take.

    In block style every level is indented further (at most two levels a column), in flow style
    every level opens a bracket: that bounds the depth without parsing.
    """
    if _Loader is yaml.SafeLoader:
        return _Loader
    widest = max(map(len, text.split("\n")), default=0)
    bound = 2 * widest + text.count("[") + text.count("{")
    return _Loader if bound < _C_NESTING_LIMIT else yaml.SafeLoader


_BRACKETS = re.compile(r"[\[\]{}]")


def _bracket_depth(text: str) -> int:
    """How deep `[`/`{` nest in `text`, counting every bracket (quoted ones too): an upper
    bound of the flow nesting, found without parsing."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_bounds(root: yaml.Node, path: Path, positions: Positions) -> None:
    """Raise `SourceError` for a document past the bounds above, before anything expands it.

    Walks each node once (aliases share their anchor's node): depth, self-reference, the size
    once aliases are expanded, and over-long whole numbers.
    """

    def span(node: yaml.Node) -> Span:
        return positions.span(path, node.start_mark.index)

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_YAML_NODES:
                raise _fail(
                    Code.CS108,
                    f"with its aliases (*name) expanded, this value holds more than "
                    f"{MAX_YAML_NODES:,} values",
                    span(node),
                    "write the values out, or use fewer aliases; "
                    "anchors and aliases are for repeating a value a few times",
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _fail(
                Code.CS108,
                "this alias refers to a value that contains it",
                span(node),
                "a value cannot contain itself; write it out instead",
            )
        if depth > MAX_YAML_DEPTH:
            raise _fail(
                Code.CS108,
                f"values are nested more than {MAX_YAML_DEPTH} levels deep here",
                span(node),
                "flatten the structure; no field of a course nests this deep",
            )
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
            digits = sum(c.isdigit() for c in node.value)
            if digits > MAX_INT_DIGITS:
                raise _fail(
                    Code.CS110,
                    f"this whole number has {digits} digits (at most {MAX_INT_DIGITS})",
                    span(node),
                    'if it is meant as text, put it in quotes: "..."',
                )
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))


def _compose_and_construct(text: str, path: Path, positions: Positions) -> tuple[Any, Any]:
    """(root node, data) of one YAML document checked against the bounds above."""
    if (
        text.count("[") + text.count("{") > MAX_YAML_DEPTH
        and _bracket_depth(text) > 10 * MAX_YAML_DEPTH
    ):
        raise _fail(  # no need to parse it to know
            Code.CS108,
            f"values are nested more than {MAX_YAML_DEPTH} levels deep",
            positions.span(path, 0),
            "flatten the structure; no field of a course nests this deep",
        )
    try:
        loader = _loader_for(text)(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            _check_bounds(node, path, positions)
            return node, loader.construct_document(node)
        finally:
            loader.dispose()
    except RecursionError as exc:
        raise _fail(
            Code.CS108,
            f"values are nested more than {MAX_YAML_DEPTH} levels deep",
            positions.span(path, 0),
            "flatten the structure; no field of a course nests this deep",
        ) from exc


def _stops_at(text: str) -> int | None:
    """Where the parser stops reading `text` (a character index), or None if it reads it all."""
    try:
        loader = _loader_for(text)(text)
        try:
            loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark.index if mark is not None else 0
    except (yaml.YAMLError, RecursionError):
        return 0
    return None


def load_yaml_data(text: str) -> Any:
    """The data of one YAML document within the bounds (`SourceError`), without positions."""
    return _compose_and_construct(text, Path(), Positions(text))[1]


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document, keeping the position of every key and value.

    The document is checked against the bounds above before it is constructed, so an anchor
    bomb, a self-referencing alias or absurd nesting is a diagnostic, never a hang or a crash.
    """
    positions = Positions(text, line_offset)
    try:
        node, data = _compose_and_construct(text, path, positions)
    except yaml.YAMLError as exc:
        found = explain(text, exc, _stops_at)
        raise _fail(
            Code.CS103, found.message, positions.span(path, found.index), found.hint
        ) from exc
    if node is None:
        return YamlDocument(None, SourceMap(path))
    smap = SourceMap.from_node(path, node, positions)
    smap.data = data
    return YamlDocument(data, smap)


@dataclass(frozen=True, slots=True)
class FrontMatterFile:
    """A Markdown file split into front matter and body; `body_line` is the body's first line."""

    path: Path
    front_matter: YamlDocument
    body: str
    body_line: int


def split_front_matter(text: str, path: Path) -> FrontMatterFile:
    lines = text.split("\n")
    if not text.strip():
        raise _fail(Code.CS105, "module file is empty", Span(path), "start it with front matter")
    if lines[0].rstrip() != FENCE:
        raise _fail(
            Code.CS104,
            "module file does not start with YAML front matter",
            Span(path, 1, 1),
            "begin the file with a line '---', the module's fields (id, title, summary, ...), "
            "then another '---' before the Markdown body",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (FENCE, "..."):
            yaml_text = "\n".join(lines[1:index])
            doc = parse_yaml(yaml_text, path, line_offset=1)
            return FrontMatterFile(path, doc, "\n".join(lines[index + 1 :]), index + 2)
    raise _fail(
        Code.CS104,
        "front matter is never closed",
        Span(path, 1, 1),
        "add a line '---' after the last front-matter field",
    )


def read_course_file(course_root: Path) -> Any:
    """course.yml's data, read cheaply (no positions, no validation), or None: for the default
    output folder and the worker processes that load modules ahead of the course."""
    try:
        text = read_source(course_root / "course.yml").decode("utf-8-sig")
        return load_yaml_data(text)
    except (OSError, ValueError, yaml.YAMLError, SourceError):
        return None


def peek_course_id(course_root: Path) -> str | None:
    """The `id` in course.yml, read cheaply (for the default output folder), or None."""
    data = read_course_file(course_root)
    course_id = data.get("id") if isinstance(data, dict) else None
    return course_id if isinstance(course_id, str) and course_id else None
