"""Write an XLIFF 2.0 document: one `<file>` per course file, one `<unit>` per translatable text.

Written by hand rather than through an XML library's pretty-printer, which would add
whitespace inside `<source>` and `<target>`, where every character counts. Each unit carries
its source's inline codes (`<ph>`, `<pc>`) with their Markdown in `<originalData>`, a note with
the `file:line` it came from and one saying what it is; a unit carried over from an earlier
translation has its `<target>`, and, when its source changed since, `state="initial"` with a
note saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from coursec.translate.inline import Code, Node, Paired, TargetNode, codes
from coursec.translate.units import Extraction, Unit

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
COURSEC_NS = "https://coursec.dev/ns/xliff"  # marks a file coursec wrote: `coursec:course`


@dataclass(frozen=True, slots=True)
class Carried:
    """What a unit keeps from an earlier translation (`coursec.translate.update`)."""

    target: tuple[TargetNode, ...]
    state: str  # initial, translated, reviewed, final
    notes: tuple[tuple[str, str], ...] = ()  # (category, text)
    sub_state: str = ""


def _text(text: str) -> str:
    return escape(text).replace("\r", "&#13;")


def _attrs(**values: str | bool | None) -> str:
    out = []
    for name, value in values.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            if value:
                continue  # canCopy/canDelete default to yes
            value = "no"
        out.append(f" {name.rstrip('_')}={quoteattr(value)}")
    return "".join(out)


class _Data:
    """A unit's `<originalData>`: the Markdown of each code, each distinct one once."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def ref(self, markdown: str) -> str:
        if markdown not in self.ids:
            self.ids[markdown] = f"d{len(self.ids) + 1}"
        return self.ids[markdown]

    def xml(self, indent: str) -> str:
        if not self.ids:
            return ""
        rows = "".join(
            f'{indent}  <data id="{data_id}" xml:space="preserve">{_text(md)}</data>\n'
            for md, data_id in self.ids.items()
        )
        return f"{indent}<originalData>\n{rows}{indent}</originalData>\n"


def _code_attrs(code: Code, data: _Data, subflow: str) -> str:
    if code.kind == "ph":
        equiv = code.disp if code.sub_type in ("coursec:escape", "coursec:entity") else None
        return _attrs(
            id=code.id,
            dataRef=data.ref(code.start),
            canCopy=code.can_copy,
            canDelete=code.can_delete,
            type_=code.type,
            subType=code.sub_type,
            disp=code.disp or None,
            equiv=equiv,
        )
    return _attrs(
        id=code.id,
        dataRefStart=data.ref(code.start),
        dataRefEnd=data.ref(code.end),
        canCopy=code.can_copy,
        canDelete=code.can_delete,
        type_=code.type,
        subType=code.sub_type,
        subFlowsEnd=subflow or None,
    )


def source_xml(nodes: Sequence[Node], data: _Data, unit_id: str) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(_text(node))
        elif isinstance(node, Code):
            parts.append(f"<ph{_code_attrs(node, data, '')}/>")
        else:
            subflow = f"{unit_id}.t{node.code.id}" if node.code.title is not None else ""
            inner = source_xml(node.content, data, unit_id)
            parts.append(f"<pc{_code_attrs(node.code, data, subflow)}>{inner}</pc>")
    return "".join(parts)


def target_xml(nodes: Sequence[TargetNode], source: dict[str, Code], data: _Data) -> str:
    """A translation's content: its codes point at the source's data."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(_text(node))
            continue
        code = source.get(node.copy_of or node.id)
        attrs = {"id": node.id, "copyOf": node.copy_of or None}
        if code is not None and node.kind == "ph":
            attrs["dataRef"] = data.ref(code.start)
        elif code is not None:
            attrs["dataRefStart"], attrs["dataRefEnd"] = data.ref(code.start), data.ref(code.end)
        if node.content is None:
            parts.append(f"<ph{_attrs(**attrs)}/>")
        else:
            parts.append(f"<pc{_attrs(**attrs)}>{target_xml(node.content, source, data)}</pc>")
    return "".join(parts)


def unit_xml(unit: Unit, where: str, carried: Carried | None) -> str:
    indent = "    "
    data = _Data()
    source = source_xml(unit.nodes, data, unit.id)
    by_id = {code.id: code for code in codes(unit.nodes)}
    target = ""
    state, sub_state = "initial", ""
    if carried is not None:
        target = f"{indent}    <target>{target_xml(carried.target, by_id, data)}</target>\n"
        state, sub_state = carried.state, carried.sub_state
    notes = [("location", where), ("description", unit.what)]
    if unit.parent[0]:
        notes.append(("description", f"the title of code {unit.parent[1]} in {unit.parent[0]}"))
    notes += list(carried.notes if carried else ())
    note_rows = "".join(
        f"{indent}    <note{_attrs(category=category)}>{_text(text)}</note>\n"
        for category, text in notes
    )
    return (
        f'{indent}<unit id={quoteattr(unit.id)} xml:space="preserve">\n'
        f"{indent}  <notes>\n{note_rows}{indent}  </notes>\n"
        f"{data.xml(indent + '  ')}"
        f"{indent}  <segment{_attrs(state=state, subState=sub_state or None)}>\n"
        f"{indent}    <source>{source}</source>\n"
        f"{target}"
        f"{indent}  </segment>\n"
        f"{indent}</unit>\n"
    )


def write_xliff(
    extraction: Extraction,
    course_id: str,
    src_lang: str,
    trg_lang: str,
    carried: dict[str, Carried] | None = None,
) -> str:
    """The XLIFF document of `extraction`, as text."""
    carried = carried or {}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<xliff xmlns="{XLIFF_NS}" xmlns:coursec="{COURSEC_NS}" version="2.0"'
        f"{_attrs(srcLang=src_lang, trgLang=trg_lang)} coursec:course={quoteattr(course_id)}>\n",
    ]
    for source in extraction.files:
        if not source.units:
            continue
        out.append(f"  <file{_attrs(id=source.file_id, original=source.name)}>\n")
        out.extend(
            unit_xml(unit, f"{source.name}:{unit.line}", carried.get(unit.id))
            for unit in source.units
        )
        out.append("  </file>\n")
    out.append("</xliff>\n")
    return "".join(out)


def signature(nodes: Iterable[Node | TargetNode]) -> str:
    """A text and its codes, as one string: two sources with the same signature have the same
    words and the same codes in the same places."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node.replace("{", "{{"))
        elif isinstance(node, Code):
            parts.append(f"{{ph {node.id}}}")
        elif isinstance(node, Paired):
            parts.append(f"{{pc {node.code.id}}}{signature(node.content)}{{/pc}}")
        elif node.content is None:
            parts.append(f"{{ph {node.id}}}")
        else:
            parts.append(f"{{pc {node.id}}}{signature(node.content)}{{/pc}}")
    return "".join(parts)
