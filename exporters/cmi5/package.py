"""A cmi5 package from the plan: each module's page as an AU (its runtime settings, the cmi5
runtime and the SCORM runtime it serves), the files they share, cmi5.xml, the zip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from coursec.export import PartStore
from coursec.model import Course, Module
from coursec.output import OutputFile, write_zip
from coursec.plan import BuildPlan
from coursec.questions.interactions import Edition
from coursec.site import (
    CMI5_RUNTIME,
    LMS_RUNTIMES,
    SCORM_RUNTIME,
    PageMode,
    render_module_page,
    shared_files,
)

from ..scorm.sco import mastery_score, runtime_settings
from .structure import (
    COURSE_STRUCTURE,
    AssignableUnit,
    CourseStructure,
    ObjectiveEntry,
    course_structure_bytes,
    move_on,
)

# The SCORM runtime tracks an AU with the SCORM 2004 data model, which the cmi5 runtime serves.
DATA_MODEL: Edition = "2004"


def _iri(base: str, *segments: str) -> str:
    return "/".join([base, *(quote(s, safe="") for s in segments)])


def course_structure(
    course: Course, id_base: str | None, launch_method: str = "AnyWindow"
) -> CourseStructure:
    """`id_base`: the IRI the ids start with (None: urn:coursec:<course id>)."""
    base = id_base or f"urn:coursec:{quote(course.id, safe='')}"
    base = base.rstrip("/")
    modules = course.published_modules
    objectives = tuple(
        ObjectiveEntry(_iri(base, "objective", o.id), o.text, o.text, _own_language(course, m))
        for m in modules
        for o in m.objectives
    )
    return CourseStructure(
        id=base,
        language=course.spec.language,
        title=course.spec.title,
        description=course.spec.description,
        objectives=objectives,
        units=tuple(_unit(course, m, base, launch_method) for m in modules),
    )


def _unit(course: Course, module: Module, base: str, launch_method: str) -> AssignableUnit:
    score = mastery_score(course, [module])
    return AssignableUnit(
        id=_iri(base, "au", module.id),
        title=module.title,
        description=module.spec.summary,
        url=quote(module.page),
        move_on=move_on(course.completion_rule(module), score is not None),
        mastery_score=None if score is None else Decimal(score) / 100,
        launch_method=launch_method,
        objectives=tuple(_iri(base, "objective", o.id) for o in module.objectives),
        language=_own_language(course, module),
    )


def _own_language(course: Course, module: Module) -> str | None:
    """A module's language where it is not the course's: its AU's and objectives' text's."""
    language = course.language_of(module)
    return None if language == course.spec.language else language


def write_cmi5_package(
    path: Path, plan: BuildPlan, id_base: str | None, launch_method: str, parts: PartStore
) -> None:
    course = plan.course
    mode = PageMode(packaged=True)
    pages = [
        render_module_page(
            plan,
            rendered,
            mode,
            runtime_settings(DATA_MODEL, course, rendered.module.id, [rendered.module], False),
            parts,
            runtimes=(CMI5_RUNTIME, SCORM_RUNTIME),
        )
        for rendered in plan.modules
    ]
    structure = OutputFile(
        COURSE_STRUCTURE, course_structure_bytes(course_structure(course, id_base, launch_method))
    )
    files = [structure, *pages, *shared_files(plan, runtimes=LMS_RUNTIMES)]
    write_zip(path, files, plan.source_date)
