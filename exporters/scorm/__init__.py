"""SCORM 1.2 and 2004 (4th edition) packages: the course pages + the runtime + imsmanifest.xml.

Multi-SCO packaging makes each module page a SCO; single-SCO packaging puts the whole course on
one page (`course.html`), which LMSs with weak multi-SCO support handle best.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.export import Artifact, ExportContext
from coursec.model import Course, Module
from coursec.output import OutputFile, write_zip
from coursec.plan import BuildPlan
from coursec.quiz import QuizView, quiz_view
from coursec.schema import CompletionRule
from coursec.site import (
    Edition,
    PageMode,
    render_course_page,
    render_module_page,
)
from coursec.site import shared_files as site_shared_files

from .state import SUSPEND_LIMITS, state_key, worst_case_suspend_length


class Packaging(StrEnum):
    MULTI_SCO = "multi-sco"
    SINGLE_SCO = "single-sco"


class ScormOptions(BaseModel):
    """`scorm:` in course.yml (both editions read it), or `--set scorm.OPTION=VALUE`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    packaging: Packaging | None = Field(
        None,
        description="multi-sco (one SCO per module) or single-sco (one for the course); "
        "by default SCORM 2004 is multi-sco and SCORM 1.2 single-sco.",
    )


def packaging_for(edition: Edition, options: ScormOptions) -> Packaging:
    """The packaging chosen (course.yml or the command line), else the edition's default."""
    if options.packaging is not None:
        return options.packaging
    return Packaging.MULTI_SCO if edition == "2004" else Packaging.SINGLE_SCO


def _completion(course: Course, modules: list[Module]) -> dict[str, Any]:
    """The SCO's completion rule: `time` or `quiz` when every module has it, else `viewed-all`.

    `quiz` (complete when each knowledge check is passed, or failed with no attempt left) needs
    a knowledge check on the SCO; a module without one falls back to `viewed-all`.
    """
    rules = {course.completion_rule(m) for m in modules}
    rule = CompletionRule.VIEWED_ALL
    if rules == {CompletionRule.TIME}:
        rule = CompletionRule.TIME
    elif rules == {CompletionRule.QUIZ} and any(m.spec.quiz for m in modules):
        rule = CompletionRule.QUIZ
    seconds = course.spec.completion_seconds * (len(modules) if rule is CompletionRule.TIME else 0)
    return {"rule": rule.value, "seconds": seconds}


def _quizzes(course: Course, modules: list[Module]) -> list[QuizView]:
    return [v for m in modules if (v := quiz_view(course, m)) is not None]


def _mastery_score(course: Course, modules: list[Module]) -> int | None:
    """The pass mark the LMS may judge the SCO by: only with exactly one knowledge check.

    (Several checks on one SCO pass only when each passes, which no single threshold on the
    summed score expresses.)
    """
    quizzes = _quizzes(course, modules)
    return quizzes[0].quiz.passing_score if len(quizzes) == 1 else None


def _objective_ids(modules: list[Module]) -> tuple[str, ...]:
    return tuple(o.id for m in modules for o in m.objectives)


class _ScormExporter:
    edition: ClassVar[Edition]
    name: ClassVar[str]
    description: ClassVar[str]
    options_model: ClassVar[type[BaseModel]] = ScormOptions
    options_key: ClassVar[str] = "scorm"  # both editions read the same options

    def _sco(self, course: Course, sco: str, modules: list[Module], multi: bool) -> dict[str, Any]:
        from .manifest import item_identifier, objective_global_id

        sections = [s.id for m in modules for s in m.sections]
        quizzes = _quizzes(course, modules)
        self._check_budget(course, modules, len(sections), quizzes)
        key_parts = sections + [part for q in quizzes for part in q.state_key_parts()]
        config: dict[str, Any] = {
            "edition": self.edition,
            "courseId": course.id,
            "sco": sco,
            "stateKey": state_key(key_parts),
            "sections": sections,
            "objectives": [
                objective_global_id(course.id, o.id) for m in modules for o in m.objectives
            ],
            "completion": _completion(course, modules),
            "multiSco": multi,
        }
        if multi and self.edition == "2004":
            # the activities a mention of another module may ask the LMS for
            config["activities"] = {
                m.id: item_identifier(m.id) for m in course.published_modules if m.id != sco
            }
        if quizzes:
            config["quiz"] = [
                {
                    "id": q.id,
                    "passingScore": q.quiz.passing_score,
                    "attempts": q.quiz.attempts,
                    "questions": [v.id for v in q.questions],
                    "stateLength": q.worst_case_state_length(),
                }
                for q in quizzes
            ]
        return config

    def _check_budget(
        self, course: Course, modules: list[Module], sections: int, quizzes: list[QuizView]
    ) -> None:
        limit = SUSPEND_LIMITS[self.edition]
        worst = worst_case_suspend_length(sections, [q.worst_case_state_length() for q in quizzes])
        if worst > limit:
            where = Span(modules[0].path if len(modules) == 1 else course.root / "course.yml")
            what = f"{sections} sections"
            if quizzes:
                count = sum(len(q.questions) for q in quizzes)
                what += f" and the answers to {count} questions"
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR,
                        "CS502",
                        f"SCORM {self.edition} suspend_data could need {worst} characters "
                        f"for {what}; the limit is {limit}",
                        where,
                        "split the module, use multi-sco packaging, or build SCORM 2004",
                    )
                ]
            )

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from .manifest import ManifestItem, ManifestSpec, manifest_bytes  # lxml: only here

        course = plan.course
        options = ctx.options if isinstance(ctx.options, ScormOptions) else ScormOptions()
        mode_multi = packaging_for(self.edition, options) is Packaging.MULTI_SCO
        mode = PageMode(self.edition, mode_multi)
        pages: list[OutputFile] = []
        items: list[ManifestItem] = []
        if mode_multi:
            for rendered in plan.modules:
                module = rendered.module
                sco = self._sco(course, module.id, [module], True)
                page = render_module_page(plan, rendered, mode, sco, ctx.parts)
                pages.append(page)
                items.append(
                    ManifestItem(
                        module.id,
                        module.title,
                        page.path,
                        (page.path,),
                        _objective_ids([module]),
                        _mastery_score(course, [module]),
                    )
                )
        else:
            modules = [r.module for r in plan.modules]
            sco = self._sco(course, "course", modules, False)
            page = render_course_page(plan, mode, sco, ctx.parts)
            pages.append(page)
            items.append(
                ManifestItem(
                    course.id,
                    course.spec.title,
                    page.path,
                    (page.path,),
                    _objective_ids(modules),
                    _mastery_score(course, modules),
                )
            )
        shared = site_shared_files(plan)
        spec = ManifestSpec(
            edition=self.edition,
            course_id=course.id,
            title=course.spec.title,
            description=course.spec.description,
            language=course.spec.language,
            version=course.spec.version,
            keywords=tuple(course.spec.keywords),
            items=tuple(items),
            shared_files=tuple(sorted(f.path for f in shared)),
        )
        manifest = OutputFile("imsmanifest.xml", manifest_bytes(spec))
        name = f"{course.id}-{self.name}.zip"
        write_zip(ctx.out_dir / name, [manifest, *pages, *shared], plan.source_date)
        label = "one SCO per module" if mode_multi else "one SCO"
        return [Artifact(Path(name), f"SCORM {self.edition} package ({label})")]


class Scorm12Exporter(_ScormExporter):
    edition = "1.2"
    name = "scorm12"
    description = "SCORM 1.2 package (zip)"


class Scorm2004Exporter(_ScormExporter):
    edition = "2004"
    name = "scorm2004"
    description = "SCORM 2004 4th edition package (zip)"
