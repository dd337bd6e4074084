"""cmi5 course packages: one assignable unit (AU) per published module, cmi5.xml at the root.

Light at import (`coursec check` imports every exporter to read its options): the exporter and
its options are here; `export()` imports the rest. `structure` writes cmi5.xml (the course
structure: AUs, their moveOn, masteryScore, launch method and objectives), `package` the AU
pages and the zip. The AU runtime is `templates/static/coursec-cmi5.js`: it speaks xAPI to the
LMS's LRS and serves the SCORM runtime (`coursec-scorm.js`, the progress and knowledge-check
logic of every packaged page) the SCORM 2004 data model it tracks with.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coursec.export import Artifact, ExportContext, require_published_module

if TYPE_CHECKING:
    from coursec.plan import BuildPlan


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


class LaunchMethod(StrEnum):
    ANY_WINDOW = "AnyWindow"
    OWN_WINDOW = "OwnWindow"


class Cmi5Options(BaseModel):
    """`cmi5:` in course.yml, or `--set cmi5.OPTION=VALUE`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_base: str | None = Field(
        None,
        description="IRI the course's cmi5 ids start with (the course, each AU and objective "
        "add /au/<module id> or /objective/<id>); by default urn:coursec:<course id>. Keep it "
        "the same across versions: LMSs tie learners' records to these ids.",
    )

    @field_validator("id_base")
    @classmethod
    def _absolute_iri(cls, value: str | None) -> str | None:
        if value is not None and not _IRI.fullmatch(value):
            raise ValueError(
                "must be an absolute IRI, such as https://example.org/courses/x or urn:x:y "
                "(a scheme, a colon, then no spaces)"
            )
        return value

    launch_method: LaunchMethod = Field(
        LaunchMethod.ANY_WINDOW,
        description="AnyWindow (the LMS may launch an AU in a frame or a new window) or "
        "OwnWindow (in a window of its own).",
    )


class Cmi5Exporter:
    name: ClassVar[str] = "cmi5"
    description: ClassVar[str] = "cmi5 course package (zip): one AU per module, xAPI tracking"
    options_model: ClassVar[type[BaseModel]] = Cmi5Options

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from .package import write_cmi5_package  # lxml and the page renderer: only here

        require_published_module(plan, "a cmi5 package (one AU per module)")
        options = ctx.options if isinstance(ctx.options, Cmi5Options) else Cmi5Options()
        name = f"{plan.course.id}-cmi5.zip"
        write_cmi5_package(
            ctx.out_dir / name, plan, options.id_base, options.launch_method.value, ctx.parts
        )
        return [Artifact(Path(name), "cmi5 package (one AU per module)")]
