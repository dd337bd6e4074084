"""Read source files: bytes → text (UTF-8, BOM and CRLF accepted) → YAML data with positions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.sourcemap import SourceMap

FENCE = "---"
# libyaml's loader when PyYAML was built with it (several times faster); both keep node marks
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UNCLOSED = ("while parsing a flow", "while scanning a quoted scalar")


class SourceError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _fail(code: str, message: str, span: Span, hint: str | None = None) -> SourceError:
    return SourceError(Diagnostic(Severity.ERROR, code, message, span, hint))


def read_text(path: Path) -> str:
    """Decode a source file; a BOM and CRLF/CR line endings are accepted and normalized."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail("CS101", f"cannot read file: {exc.strerror}", Span(path)) from exc
    return decode_text(raw, path)


def decode_text(raw: bytes, path: Path) -> str:
    """`read_text` for bytes already read from `path`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            "CS102",
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            Span(path, line, col),
            "save the file as UTF-8 (most editors: File > Save with Encoding > UTF-8)",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    sourcemap: SourceMap


def parse_yaml(text: str, path: Path, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document, keeping the position of every key and value."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation and quoting; quote values containing ': ' or starting with '{'"
        context = exc.context or ""
        opened = exc.context_mark if context.startswith(_UNCLOSED) else None
        if opened is not None:
            # an unclosed bracket or quote: the mistake is where it was opened, not where
            # the parser gave up
            what = context.removeprefix("while parsing a ").removeprefix("while scanning a ")
            what = what.replace("quoted scalar", "quoted value")
            problem = f"this {what} is never closed ({problem})"
            hint = "close it, or quote the whole value if the bracket or quote is meant as text"
            mark = opened
        span = Span(path, mark.line + 1 + line_offset, mark.column + 1) if mark else Span(path)
        raise _fail("CS103", f"YAML syntax error: {problem}", span, hint) from exc
    except yaml.YAMLError as exc:
        raise _fail("CS103", f"YAML error: {exc}", Span(path, 1 + line_offset, 1)) from exc
    if node is None:
        return YamlDocument(None, SourceMap(path))
    return YamlDocument(data, SourceMap.from_node(path, node, line_offset))


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
        raise _fail("CS105", "module file is empty", Span(path), "start it with front matter")
    if lines[0].rstrip() != FENCE:
        raise _fail(
            "CS104",
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
        "CS104",
        "front matter is never closed",
        Span(path, 1, 1),
        "add a line '---' after the last front-matter field",
    )
