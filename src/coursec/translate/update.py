"""`coursec translate extract --update FILE`: carry an earlier file's translations over to a
new extraction, so that translators see what to redo.

For each unit of the new extraction, in this order:

* its own id had this very source: it keeps that translation and its state;
* another unit had this very source (the text moved, e.g. a paragraph was inserted before
  it, which renumbers the ones after it): it gets that unit's translation and state, with a
  note saying where it came from;
* a unit of the same place (the same id, or a sibling: the same section and module) had a
  similar source (an edited text): it gets that translation for reference, but in
  `state="initial"` with `subState="coursec:source-changed"` and a note quoting the old
  source, so translators see what to redo;
* otherwise it is new: no target.
"""

from __future__ import annotations

import difflib

from coursec.translate.inline import Code, Paired, Ref, TargetNode, plain
from coursec.translate.units import Extraction, Unit
from coursec.translate.xliff_reader import XliffDocument, XliffUnit
from coursec.translate.xliff_writer import Carried, signature

SIMILAR = 0.6  # difflib's ratio above which an edited text counts as the same text


def _old_text(nodes: tuple[TargetNode, ...]) -> str:
    return "".join(n if isinstance(n, str) else _old_text(n.content or ()) for n in nodes)


def _family(unit_id: str) -> str:
    """The place a unit shares with its siblings: its id without the last part."""
    return unit_id.rpartition(".")[0]


def _similar(unit: Unit, candidates: list[XliffUnit]) -> XliffUnit | None:
    """The candidate whose source is closest to the unit's, if it is close enough (its own id
    first when it ties)."""
    now = plain(unit.nodes)
    best, best_ratio = None, SIMILAR
    for old in sorted(candidates, key=lambda o: o.id != unit.id):
        ratio = difflib.SequenceMatcher(None, _old_text(old.source), now).ratio()
        if ratio > best_ratio:
            best, best_ratio = old, ratio
    return best


def carry_over(extraction: Extraction, doc: XliffDocument) -> dict[str, Carried]:
    translated = [u for u in doc.units.values() if u.target is not None]
    by_source: dict[str, XliffUnit] = {}
    by_family: dict[str, list[XliffUnit]] = {}
    for old in translated:
        by_source.setdefault(signature(old.source), old)
        by_family.setdefault(_family(old.id), []).append(old)
    carried: dict[str, Carried] = {}
    for _file, unit in extraction.units():
        now = signature(unit.nodes)
        same = doc.units.get(unit.id)
        if same is not None and same.target is not None and signature(same.source) == now:
            carried[unit.id] = Carried(same.target, same.state)
            continue
        moved = by_source.get(now)
        if moved is not None and moved.target is not None:
            note = f"translation carried over from unit {moved.id}, which had the same source"
            carried[unit.id] = Carried(moved.target, moved.state, (("coursec:moved", note),))
            continue
        edited = _similar(unit, by_family.get(_family(unit.id), []))
        if edited is not None and edited.target is not None:
            note = (
                f"source changed: it was «{_old_text(edited.source)}», "
                f"it is now «{plain(unit.nodes)}»"
            )
            target = _known_codes(edited.target, set(_code_ids(unit.nodes)))
            carried[unit.id] = Carried(
                target, "initial", (("coursec:source-changed", note),), "coursec:source-changed"
            )
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
