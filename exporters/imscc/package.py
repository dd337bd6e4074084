"""A cartridge from the plan: each module's page (no SCORM runtime; its knowledge check left to
the LMS's quiz, unless the check stays on the page: `assessments` off, or none of its questions
can be asked in the cartridge), the files the pages share, one QTI file per knowledge check,
the manifest, the zip. Returns how many quizzes it holds."""

from __future__ import annotations

from pathlib import Path

from coursec.export import ExportContext
from coursec.output import OutputFile
from coursec.plan import BuildPlan
from coursec.site import QUIZ_FILES, SCORM_RUNTIME, PageMode, render_module_page, shared_files

from ..content_package import write_package
from .assessment import assessment_bytes
from .fidelity import cartridge_quiz
from .manifest import CartridgeSpec, ModuleEntry, content_package

QUIZ_FOLDER = "assessments"


def write_cartridge(path: Path, plan: BuildPlan, assessments: bool, ctx: ExportContext) -> int:
    course = plan.course
    files: list[OutputFile] = []
    entries: list[ModuleEntry] = []
    checks_on_pages = False
    for rendered in plan.modules:
        module = rendered.module
        quiz = cartridge_quiz(course, module, ctx.report) if assessments else None
        mode = PageMode(packaged=True, knowledge_checks=quiz is None)
        checks_on_pages |= quiz is None and module.spec.quiz is not None
        page = render_module_page(plan, rendered, mode, parts=ctx.parts)
        files.append(page)
        if quiz is None:
            entries.append(ModuleEntry(module.id, module.title, page.path))
            continue
        qti = OutputFile(f"{QUIZ_FOLDER}/{module.id}.xml", assessment_bytes(quiz))
        files.append(qti)
        entries.append(ModuleEntry(module.id, module.title, page.path, quiz.title, qti.path))
    leave_out = {SCORM_RUNTIME, *(() if checks_on_pages else QUIZ_FILES)}
    shared = shared_files(plan, leave_out)
    spec = CartridgeSpec(
        course_id=course.id,
        title=course.spec.title,
        description=course.spec.description,
        language=course.spec.language,
        version=course.spec.version,
        keywords=tuple(course.spec.keywords),
        modules=tuple(entries),
        shared_files=tuple(f.path for f in shared),
        languages=course.languages,
    )
    write_package(path, content_package(spec), [*files, *shared], plan.source_date)
    return sum(entry.quiz_file is not None for entry in entries)
