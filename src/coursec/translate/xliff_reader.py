"""Read an XLIFF 2.0 file back, keeping the line and column of every element, so that each
problem in a translation can be reported where it is in the .xlf file.

Read with expat (no DTD, no entity may be declared): a translation file comes from outside.
Each unit's segments are joined: a tool that split a unit into several segments still gives
one text per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.files import read_bytes
from coursec.translate.inline import Ref, TargetNode
from coursec.translate.xliff_writer import COURSEC_NS, XLIFF_NS

MAX_XLIFF_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class _Element:
    tag: str  # local name in the XLIFF namespace, or "{uri}name" for any other
    attrs: dict[str, str]
    line: int
    col: int
    children: list[_Element | str] = field(default_factory=list)

    def find(self, tag: str) -> list[_Element]:
        return [c for c in self.children if isinstance(c, _Element) and c.tag == tag]


@dataclass(frozen=True, slots=True)
class XliffUnit:
    id: str
    line: int
    col: int
    source: tuple[TargetNode, ...]
    target: tuple[TargetNode, ...] | None  # None: no <target> (in some segment)
    state: str  # the least advanced state of its segments
    target_line: int = 0
    target_col: int = 0


@dataclass(slots=True)
class XliffDocument:
    path: Path
    src_lang: str = ""
    trg_lang: str = ""
    course: str = ""
    units: dict[str, XliffUnit] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: Code, message: str, line: int, col: int, hint: str | None = None) -> None:
        span = Span(self.path, line, col)
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, span, hint))


class XliffError(Exception):
    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.line, self.col = line, col


def _parse(raw: bytes) -> _Element:
    parser = expat.ParserCreate(namespace_separator=" ")
    root: list[_Element] = []
    stack: list[_Element] = []

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def refuse(*_args: object) -> None:
        raise XliffError("the file declares a DTD or entities, which XLIFF does not use", *where())

    def start(name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        tag = local if uri == XLIFF_NS else f"{{{uri}}}{local}"
        named = {
            k.rpartition(" ")[2]
            if " " not in k or k.startswith(XLIFF_NS)
            else "{" + k.replace(" ", "}"): v
            for k, v in attrs.items()
        }
        element = _Element(tag, named, *where())
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].children.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise XliffError(
            f"not well-formed XML: {expat.errors.messages[exc.code]}", exc.lineno, exc.offset + 1
        ) from exc
    return root[0]


def _content(element: _Element) -> tuple[TargetNode, ...]:
    """The text and codes of a <source> or <target>."""
    out: list[TargetNode] = []
    for child in element.children:
        if isinstance(child, str):
            out.append(child)
        elif child.tag in ("ph", "pc"):
            content = _content(child) if child.tag == "pc" else None
            ref = Ref(
                child.attrs.get("id", ""),
                child.tag,
                child.line,
                child.col,
                child.attrs.get("copyOf", ""),
                content,
            )
            out.append(ref)
        elif child.tag == "mrk":
            out.extend(_content(child))  # an annotation: its content is the text
        elif child.tag == "cp":
            out.append(chr(int(child.attrs.get("hex", "20"), 16)))
        elif child.tag in ("sc", "ec"):
            raise XliffError(
                f"<{child.tag}> codes are not supported here: keep each <pc> whole",
                child.line,
                child.col,
            )
        elif child.tag not in ("sm", "em"):  # markers: they hold no text
            name = child.tag.rpartition("}")[2]
            raise XliffError(
                f"<{name}> is not an XLIFF 2.0 inline element: its text would be lost "
                "(a target holds text, <ph>, <pc>, <mrk>, <cp>, <sm> and <em> only)",
                child.line,
                child.col,
            )
    return _joined(out)


def _joined(nodes: list[TargetNode]) -> tuple[TargetNode, ...]:
    """Adjacent text runs as one."""
    joined: list[TargetNode] = []
    for node in nodes:
        if isinstance(node, str) and joined and isinstance(joined[-1], str):
            joined[-1] += node
        else:
            joined.append(node)
    return tuple(joined)


_STATES = ("initial", "translated", "reviewed", "final")


def _unit(element: _Element) -> XliffUnit:
    sources: list[TargetNode] = []
    targets: list[TargetNode] = []
    translated = True
    state = "final"
    target_at = (element.line, element.col)
    for part in element.children:
        if not isinstance(part, _Element) or part.tag not in ("segment", "ignorable"):
            continue
        source = part.find("source")
        target = part.find("target")
        if not source:
            raise XliffError(
                f"unit {element.attrs.get('id')}: a segment has no <source>", part.line, part.col
            )
        sources += _content(source[0])
        if part.tag == "segment":
            given = part.attrs.get("state", "initial")
            state = min(state, given, key=lambda s: _STATES.index(s) if s in _STATES else 0)
        if target:
            targets += _content(target[0])
            target_at = (target[0].line, target[0].col)
        elif part.tag == "segment":
            translated = False
        else:
            targets += _content(source[0])  # an ignorable's target defaults to its source
    return XliffUnit(
        element.attrs.get("id", ""),
        element.line,
        element.col,
        _joined(sources),
        _joined(targets) if translated else None,
        state,
        *target_at,
    )


def _units(element: _Element, doc: XliffDocument) -> None:
    for child in element.children:
        if not isinstance(child, _Element):
            continue
        if child.tag in ("file", "group"):
            _units(child, doc)
        elif child.tag == "unit":
            unit = _unit(child)
            if unit.id in doc.units:
                doc.error(Code.CS721, f'unit id "{unit.id}" is used twice', unit.line, unit.col)
            doc.units[unit.id] = unit


def read_xliff(path: Path) -> XliffDocument:
    """The units of an XLIFF 2.0 file; problems are in `diagnostics` (CS721)."""
    doc = XliffDocument(path)
    try:
        raw = read_bytes(path, MAX_XLIFF_BYTES)
    except OSError as exc:
        message = f"cannot read the XLIFF file: {exc.strerror or exc}"
        doc.diagnostics.append(Diagnostic(Severity.ERROR, Code.CS721, message, Span(path, 0, 0)))
        return doc
    try:
        root = _parse(raw)
        if root.tag != "xliff" or not root.attrs.get("version", "").startswith("2."):
            raise XliffError(
                'this is not an XLIFF 2 document (its root must be <xliff version="2.0"> in '
                f"the namespace {XLIFF_NS})",
                root.line,
                root.col,
            )
        doc.src_lang = root.attrs.get("srcLang", "")
        doc.trg_lang = root.attrs.get("trgLang", "")
        doc.course = root.attrs.get(f"{{{COURSEC_NS}}}course", "")
        _units(root, doc)
    except XliffError as exc:
        doc.error(
            Code.CS721,
            str(exc),
            exc.line,
            exc.col,
            "fix the file, or extract a new one with `coursec translate extract`",
        )
    return doc
