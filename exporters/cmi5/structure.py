"""cmi5.xml, the course structure of a cmi5 package: the course, its objectives and one
assignable unit (AU) per module, in the namespace of the cmi5 `CourseStructure.xsd`.

Pure data in, bytes out. What an AU asks of the learner (`moveOn`) follows the module's
completion rule and knowledge check (`move_on`); its pass mark is `masteryScore`, 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lxml import etree

from coursec.schema import CompletionRule

__all__ = [
    "COURSE_STRUCTURE",
    "NAMESPACE",
    "AssignableUnit",
    "CourseStructure",
    "MoveOn",
    "ObjectiveEntry",
    "course_structure_bytes",
    "move_on",
]

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_STRUCTURE = "cmi5.xml"


class MoveOn(StrEnum):
    """What the LMS waits for before the learner may move on from an AU."""

    NOT_APPLICABLE = "NotApplicable"
    PASSED = "Passed"
    COMPLETED = "Completed"
    COMPLETED_AND_PASSED = "CompletedAndPassed"
    COMPLETED_OR_PASSED = "CompletedOrPassed"


def move_on(rule: CompletionRule, has_knowledge_check: bool) -> MoveOn:
    """A module without a knowledge check is done once completed (its rule: every section
    reached, or the time spent). With one, the check must be passed too; when the rule is the
    check itself (`quiz`: complete once passed or out of attempts), passing it is what counts:
    running out of attempts completes the module but does not satisfy it."""
    if not has_knowledge_check:
        return MoveOn.COMPLETED
    if rule is CompletionRule.QUIZ:
        return MoveOn.PASSED
    return MoveOn.COMPLETED_AND_PASSED


@dataclass(frozen=True, slots=True)
class ObjectiveEntry:
    id: str  # an IRI
    title: str
    description: str
    language: str | None = None  # its module's, when not the course's


@dataclass(frozen=True, slots=True)
class AssignableUnit:
    id: str  # an IRI: the AU's publisher id
    title: str
    description: str
    url: str  # relative to the package root
    move_on: MoveOn
    mastery_score: Decimal | None  # 0..1
    launch_method: str  # AnyWindow or OwnWindow
    objectives: tuple[str, ...] = ()  # ids of the course's ObjectiveEntry
    language: str | None = None  # its module's, when not the course's


@dataclass(frozen=True, slots=True)
class CourseStructure:
    id: str  # an IRI
    language: str
    title: str
    description: str
    objectives: tuple[ObjectiveEntry, ...]
    units: tuple[AssignableUnit, ...]


def _check(structure: CourseStructure) -> None:
    ids = [structure.id, *(o.id for o in structure.objectives), *(u.id for u in structure.units)]
    if len(set(ids)) != len(ids):
        raise ValueError("cmi5 ids of the course, its objectives and AUs must be unique")
    if not structure.units:
        raise ValueError("a cmi5 package needs at least one AU")
    known = {o.id for o in structure.objectives}
    for unit in structure.units:
        if unit.mastery_score is not None and not 0 <= unit.mastery_score <= 1:
            raise ValueError(f"masteryScore of {unit.id!r} must be 0..1")
        if not set(unit.objectives) <= known:
            raise ValueError(f"AU {unit.id!r} names an objective the course does not list")
        if not unit.url or unit.url.startswith("/") or ":" in unit.url.split("/")[0]:
            raise ValueError(f"AU {unit.id!r} must launch a relative URL, not {unit.url!r}")


def _el(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}", attributes)
    if text is not None:
        el.text = text
    return el


def _text(parent: etree._Element, name: str, text: str, language: str) -> None:
    _el(_el(parent, name), "langstring", text, lang=language)


def course_structure_bytes(structure: CourseStructure) -> bytes:
    """cmi5.xml: pretty-printed UTF-8 with an XML declaration; same structure, same bytes."""
    _check(structure)
    lang = structure.language
    root = etree.Element(f"{{{NAMESPACE}}}courseStructure", nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    course = _el(root, "course", id=structure.id)
    _text(course, "title", structure.title, lang)
    _text(course, "description", structure.description or structure.title, lang)
    if structure.objectives:
        objectives = _el(root, "objectives")
        for objective in structure.objectives:
            el = _el(objectives, "objective", id=objective.id)
            _text(el, "title", objective.title, objective.language or lang)
            _text(el, "description", objective.description, objective.language or lang)
    for unit in structure.units:
        attributes = {"id": unit.id, "moveOn": unit.move_on.value}
        if unit.mastery_score is not None:
            attributes["masteryScore"] = format(unit.mastery_score.normalize(), "f")
        attributes["launchMethod"] = unit.launch_method
        au = _el(root, "au", **attributes)
        _text(au, "title", unit.title, unit.language or lang)
        _text(au, "description", unit.description or unit.title, unit.language or lang)
        if unit.objectives:
            references = _el(au, "objectives")
            for objective_id in unit.objectives:
                _el(references, "objective", idref=objective_id)
        _el(au, "url", unit.url)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
