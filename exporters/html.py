"""HtmlExporter: the course as a static, offline site in `html/`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from coursec.export import Artifact, ExportContext
from coursec.output import write_files
from coursec.plan import BuildPlan
from coursec.site import PageMode, render_index_pages, render_module_page, shared_files

SITE_DIR = "html"


class HtmlExporter:
    name: ClassVar[str] = "html"
    description: ClassVar[str] = "static HTML site (opens from disk or any web server)"

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        mode = PageMode()
        files = render_index_pages(plan, mode, ctx.parts)
        files += [render_module_page(plan, r, mode, parts=ctx.parts) for r in plan.modules]
        files += shared_files(plan, runtimes=())  # no LMS
        previous = ctx.previous / SITE_DIR if ctx.previous else None
        write_files(ctx.out_dir / SITE_DIR, files, previous)
        return [Artifact(Path(SITE_DIR), "HTML site")]
