"""A SCORM package from the plan: the pages (each SCO's, with its runtime settings), the files
they share, the manifest, the zip."""

from __future__ import annotations

from pathlib import Path

from coursec.export import PartStore
from coursec.model import Course, Module
from coursec.output import OutputFile
from coursec.plan import BuildPlan
from coursec.site import (
    PageMode,
    linked_modules,
    render_course_page,
    render_module_page,
    shared_files,
)

from ..content_package import write_package
from .editions import ScormEdition
from .identifiers import item_identifier
from .manifest import ManifestItem, ManifestSpec, content_package
from .sco import mastery_score, objective_ids, sco_settings


def _sco_pages(
    edition: ScormEdition, plan: BuildPlan, multi: bool, parts: PartStore
) -> tuple[list[OutputFile], list[ManifestItem]]:
    """Multi-SCO: each module's page is a SCO; single-SCO: one page with the whole course."""
    course = plan.course
    mode = PageMode(packaged=True, one_page=not multi, choice=edition.choice_navigation)
    if not multi:
        modules = [r.module for r in plan.modules]
        settings = sco_settings(edition, course, "course", modules, False, {})
        page = render_course_page(plan, mode, settings, parts)
        return [page], [_item(course, course.id, course.spec.title, page, modules)]
    pages: list[OutputFile] = []
    items: list[ManifestItem] = []
    published = {m.id for m in course.published_modules}
    for rendered in plan.modules:
        module = rendered.module
        mentioned = sorted(linked_modules(rendered.html) & published - {module.id})
        activities = {m: item_identifier(m) for m in mentioned}
        settings = sco_settings(edition, course, module.id, [module], True, activities)
        page = render_module_page(plan, rendered, mode, settings, parts)
        pages.append(page)
        items.append(_item(course, module.id, module.title, page, [module]))
    return pages, items


def _item(
    course: Course, identifier: str, title: str, page: OutputFile, modules: list[Module]
) -> ManifestItem:
    objectives = objective_ids(modules)
    score = mastery_score(course, modules)
    return ManifestItem(identifier, title, page.path, (page.path,), objectives, score)


def write_scorm_package(
    path: Path, edition: ScormEdition, plan: BuildPlan, multi: bool, parts: PartStore
) -> None:
    course = plan.course
    pages, items = _sco_pages(edition, plan, multi, parts)
    shared = shared_files(plan)
    spec = ManifestSpec(
        edition=edition.name,
        course_id=course.id,
        title=course.spec.title,
        description=course.spec.description,
        language=course.spec.language,
        version=course.spec.version,
        keywords=tuple(course.spec.keywords),
        items=tuple(items),
        shared_files=tuple(sorted(f.path for f in shared)),
        languages=course.languages,
    )
    write_package(path, content_package(spec), [*pages, *shared], plan.source_date)
