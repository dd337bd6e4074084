"""IMS Common Cartridge 1.1 (`<id>.imscc`): each module as a page of the LMS and each
knowledge check as one of its quizzes (QTI 1.2, CC profile), which Moodle and Canvas import as
native course content, graded in their gradebooks, with no SCORM player.

Light at import (`coursec check` imports every exporter to read its options): the exporter and
its options are here; `export()` imports the rest. `package` makes the pages and the zip,
`manifest` the cartridge's imsmanifest.xml on the shared content-packaging code
(coursec.exporters.content_package), `assessment` each knowledge check's QTI file, and
`fidelity` what a knowledge check loses in the cartridge (the warnings CS530 and CS531).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from coursec.export import Artifact, ExportContext

if TYPE_CHECKING:
    from coursec.plan import BuildPlan


class ImsccOptions(BaseModel):
    """`imscc:` in course.yml, or `--set imscc.OPTION=VALUE`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assessments: bool = Field(
        True,
        description="Each knowledge check as a quiz of the LMS (QTI), graded in its gradebook; "
        "false: the check stays on the module's page, self-scored and not recorded.",
    )


class ImsccExporter:
    name: ClassVar[str] = "imscc"
    description: ClassVar[str] = "IMS Common Cartridge 1.1 with QTI quizzes (Moodle, Canvas)"
    options_model: ClassVar[type[BaseModel]] = ImsccOptions

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from .package import write_cartridge  # lxml and the page renderer: only here

        options = ctx.options if isinstance(ctx.options, ImsccOptions) else ImsccOptions()
        name = f"{plan.course.id}.imscc"
        quizzes = write_cartridge(ctx.out_dir / name, plan, options.assessments, ctx)
        pages = len(plan.modules)
        what = f"{pages} page{'s' if pages != 1 else ''}, {quizzes} LMS quizzes"
        return [Artifact(Path(name), f"IMS Common Cartridge 1.1 ({what})")]
