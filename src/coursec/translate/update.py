"""`coursec translate extract --update FILE`: carry an earlier file's translations over to a
new extraction, so that translators see what to redo.

A unit whose source is unchanged keeps its translation and state. A unit whose source
changed keeps its old translation for reference, but goes back to `state="initial"` with
`subState="coursec:source-changed"` and a note quoting the old source. A unit that moved (a
new id, but the very source of an old unit, e.g. after a paragraph was inserted before it)
keeps that unit's translation. Everything else is new: no target.
"""

from __future__ import annotations

from coursec.translate.inline import Code, Paired, Ref, TargetNode, plain
from coursec.translate.units import Extraction
from coursec.translate.xliff_reader import XliffDocument, XliffUnit
from coursec.translate.xliff_writer import Carried, signature


def _old_text(nodes: tuple[TargetNode, ...]) -> str:
    return "".join(n if isinstance(n, str) else _old_text(n.content or ()) for n in nodes)


def carry_over(extraction: Extraction, doc: XliffDocument) -> dict[str, Carried]:
    by_source: dict[str, XliffUnit] = {}
    for previous in doc.units.values():
        if previous.target is not None:
            by_source.setdefault(signature(previous.source), previous)
    carried: dict[str, Carried] = {}
    for _file, unit in extraction.units():
        now = signature(unit.nodes)
        old = doc.units.get(unit.id)
        if old is not None and old.target is not None and signature(old.source) == now:
            carried[unit.id] = Carried(old.target, old.state)
        elif old is not None and old.target is not None:
            note = (
                f"source changed: it was «{_old_text(old.source)}», it is now «{plain(unit.nodes)}»"
            )
            target = _known_codes(old.target, {c for c in _code_ids(unit.nodes)})
            carried[unit.id] = Carried(
                target, "initial", (("coursec:source-changed", note),), "coursec:source-changed"
            )
        elif now in by_source:
            moved = by_source[now]
            assert moved.target is not None
            note = f"translation carried over from unit {moved.id}, which had the same source"
            carried[unit.id] = Carried(moved.target, moved.state, (("coursec:moved", note),))
    return carried


def _code_ids(nodes: tuple[object, ...]) -> list[str]:
    ids: list[str] = []
    for node in nodes:
        if isinstance(node, Code):
            ids.append(node.id)
        elif isinstance(node, Paired):
            ids += [node.code.id, *_code_ids(node.content)]
    return ids


def _known_codes(nodes: tuple[TargetNode, ...], known: set[str]) -> tuple[TargetNode, ...]:
    """An old translation without the codes its new source no longer has (their text stays)."""
    out: list[TargetNode] = []
    for node in nodes:
        if isinstance(node, str) or (node.copy_of or node.id) in known:
            if isinstance(node, Ref) and node.content is not None:
                node = Ref(
                    node.id,
                    node.kind,
                    node.line,
                    node.col,
                    node.copy_of,
                    _known_codes(node.content, known),
                )
            out.append(node)
        elif node.content is not None:
            out.extend(_known_codes(node.content, known))
    return tuple(out)
