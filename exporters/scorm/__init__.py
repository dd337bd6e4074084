"""SCORM 1.2 and 2004 (4th edition) packages: the course pages + the runtime + imsmanifest.xml.

Multi-SCO packaging makes each module page a SCO; single-SCO packaging puts the whole course on
one page (`course.html`), which LMSs with weak multi-SCO support handle best.

Light at import (`coursec check` imports every exporter to read its options): the exporters and
their options are here; `export()` imports the rest. `package` makes the pages and the zip,
`sco` each SCO's runtime settings, `manifest` coursec's layout of imsmanifest.xml on the shared
content-packaging code (coursec.exporters.content_package), `editions` what differs between
1.2 and 2004, `identifiers` the ids manifest and runtime share, `state` the resume state.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from coursec.export import Artifact, ExportContext, require_published_module

if TYPE_CHECKING:
    from coursec.plan import BuildPlan
    from coursec.questions.interactions import Edition


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


class _ScormExporter:
    edition: ClassVar[Edition]
    default_packaging: ClassVar[Packaging]  # when neither course.yml nor --set chooses
    name: ClassVar[str]
    description: ClassVar[str]
    options_model: ClassVar[type[BaseModel]] = ScormOptions
    options_key: ClassVar[str] = "scorm"  # both editions read the same options

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from .editions import edition_named  # lxml and the page renderer: only here
        from .package import write_scorm_package

        options = ctx.options if isinstance(ctx.options, ScormOptions) else ScormOptions()
        multi = (options.packaging or self.default_packaging) is Packaging.MULTI_SCO
        if multi:
            require_published_module(plan, f"a multi-SCO SCORM {self.edition} package")
        name = f"{plan.course.id}-{self.name}.zip"
        write_scorm_package(ctx.out_dir / name, edition_named(self.edition), plan, multi, ctx.parts)
        label = "one SCO per module" if multi else "one SCO"
        return [Artifact(Path(name), f"SCORM {self.edition} package ({label})")]


class Scorm12Exporter(_ScormExporter):
    edition = "1.2"
    default_packaging = Packaging.SINGLE_SCO
    name = "scorm12"
    description = "SCORM 1.2 package (zip)"


class Scorm2004Exporter(_ScormExporter):
    edition = "2004"
    default_packaging = Packaging.MULTI_SCO
    name = "scorm2004"
    description = "SCORM 2004 4th edition package (zip)"
