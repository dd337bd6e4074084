"""HtmlExporter: the course as a static, offline site in `html/`.

Light at import (`coursec check` imports every exporter to read its options): the site's
pages and their templates are imported by `export()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from coursec.export import Artifact, ExportContext

if TYPE_CHECKING:
    from coursec.plan import BuildPlan

SITE_DIR = "html"


class HtmlExporter:
    name: ClassVar[str] = "html"
    description: ClassVar[str] = "static HTML site (opens from disk or any web server)"

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from coursec.output import write_files
        from coursec.site import PageMode, render_index_pages, render_module_page, shared_files

        mode = PageMode()
        files = render_index_pages(plan, mode, ctx.parts)
        files += [render_module_page(plan, r, mode, parts=ctx.parts) for r in plan.modules]
        files += shared_files(plan, runtimes=())  # no LMS
        previous = ctx.previous / SITE_DIR if ctx.previous else None
        write_files(ctx.out_dir / SITE_DIR, files, previous)
        return [Artifact(Path(SITE_DIR), "HTML site")]
