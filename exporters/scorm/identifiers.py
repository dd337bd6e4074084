"""The identifiers a SCORM package and its runtime share: what the manifest declares and the
page's runtime settings name (objectives, the activity a 2004 choice request asks for)."""

from __future__ import annotations

from ..content_package import xml_id


def objective_global_id(course_id: str, objective_id: str) -> str:
    """ID of a learning objective, both in the manifest and in ``cmi.objectives.n.id``.

    The local ``objectiveID`` and the global ``targetObjectiveID`` are the same string, so
    whatever the runtime writes is linked to sequencing without a lookup table. The course
    prefix keeps it apart from other courses even on an LMS that ignores
    ``objectivesGlobalToSystem="false"``.
    """
    return f"{course_id}.{objective_id}"


def module_objective_id(course_id: str, module_id: str) -> str:
    """ID of a module's primary objective (the module as a whole is satisfied)."""
    return f"{course_id}.module.{module_id}"


def item_identifier(module_identifier: str) -> str:
    """The identifier of a module's item: the activity a 2004 `{target=...}choice` names."""
    return xml_id("ITEM-", module_identifier)
