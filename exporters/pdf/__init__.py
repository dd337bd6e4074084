"""PdfExporter: print handouts for reviewers, laid out by WeasyPrint.

The handout is made from the same rendered module bodies as the HTML site (`plan.modules`),
put through the theme's print template (`print/handout.html.j2`) and stylesheet
(`print/handout.css`); a course overrides either in its own `templates/print/` folder.

The course handout is laid out in chapters (cover, contents, each module, each back-matter
chapter) that the build's part store keeps, and joined into one PDF (`chapters`, `join`): a
rebuild lays out only the chapters whose HTML changed. Per-module PDFs are laid out as documents
of their own. WeasyPrint reads only the build's own files, through `BuildFetcher` (`fetch`).

This module stays light (no WeasyPrint, lxml or pikepdf at import): `coursec check` imports
every exporter to read its options; the machinery is imported when a handout is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Span
from coursec.export import Artifact, ExportContext

if TYPE_CHECKING:
    from coursec.plan import BuildPlan, RenderedModule

    from .chapters import Handout
    from .layout import Laid


class PdfOptions(BaseModel):
    """`pdf:` in course.yml, or `--set pdf.OPTION=VALUE` (`--review`, `--learner` and
    `--pdf-per-module` are shortcuts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_module: bool = Field(False, description="Also write one PDF per module.")
    review: bool = Field(
        False, description="A reviewer's copy: DRAFT watermark, source lines in the margin."
    )
    learner: bool = Field(False, description="A learner's copy: no answer key.")


class PdfExporter:
    name: ClassVar[str] = "pdf"
    description: ClassVar[str] = "PDF handout for reviewers (print layout by WeasyPrint)"
    options_model: ClassVar[type[BaseModel]] = PdfOptions
    parallel: ClassVar[bool] = True  # lays its chapters out across the workers (`ctx.jobs`)

    @staticmethod
    def warm_up() -> None:
        """Import the layout machinery (WeasyPrint, pikepdf) before the workers are forked."""
        from . import chapters  # noqa: F401 - imported for its side effect: loaded modules
        from .layout import pdf_options

        pdf_options("")  # imports weasyprint

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        from .dates import handout_dates
        from .fetch import build_files

        options = ctx.options if isinstance(ctx.options, PdfOptions) else PdfOptions()
        course_id = plan.course.id
        ctx.out_dir.mkdir(parents=True, exist_ok=True)
        files = build_files(plan)
        singles = plan.modules if options.per_module else ()
        handout, laid, alone = self._lay_out(plan, ctx, options, files, singles)
        ctx.jobs.release()  # the join needs no worker: their memory goes before it is made
        with (ctx.out_dir / f"{course_id}.pdf").open("wb") as into:
            if handout is None:
                into.write(laid[0].pdf)
            else:  # written as it is joined: the file is never held whole in memory
                handout.join(into, handout_dates(plan.source_date))
        laid += alone
        artifacts = [Artifact(Path(f"{course_id}.pdf"), "PDF handout")]
        for rendered, one in zip(singles, alone, strict=True):
            filename = f"{course_id}-{rendered.module.id}.pdf"
            (ctx.out_dir / filename).write_bytes(one.pdf)
            artifacts.append(Artifact(Path(filename), f"PDF of module {rendered.module.id}"))
        glyphs = _glyphs(plan)
        self._report(plan, ctx, laid, files, tofu_reported=bool(glyphs))
        ctx.report.extend(glyphs)
        return artifacts

    @staticmethod
    def _lay_out(
        plan: BuildPlan,
        ctx: ExportContext,
        options: PdfOptions,
        files: Mapping[str, Path | bytes],
        singles: Sequence[RenderedModule],
    ) -> tuple[Handout | None, list[Laid], list[Laid]]:
        """The course handout laid out (in chapters to join, or whole: its layouts) and the own
        PDF of each of `singles`. What laying out held (every chapter's HTML, the print
        data) is let go on return, before the join makes the whole."""
        from .chapters import Layouts, lay_out_handout
        from .fetch import BuildFetcher
        from .handout import handout_chapters, print_course, render_handout
        from .layout import Margins

        layouts = Layouts.for_build(BuildFetcher(files), ctx.parts, ctx.jobs)
        review, answers = options.review, not options.learner
        printed = print_course(
            plan, plan.modules, whole=True, review=review, answers=answers, store=ctx.parts
        )
        chapters = handout_chapters(plan, printed)
        handout: Handout | None = None
        if chapters is None:
            laid = [layouts.get(render_handout(plan, printed), Margins.ALL).laid]
        else:

            def render(chapter: str, pages: Mapping[str, str]) -> str:
                return render_handout(plan, printed, chapter=chapter, pages=pages)

            handout = lay_out_handout(chapters, render, layouts)
            laid = list(handout.laid)
        documents = [
            print_course(
                plan, (rendered,), whole=False, review=review, answers=answers, store=ctx.parts
            )
            for rendered in singles
        ]
        wanted = [(render_handout(plan, one), Margins.ALL) for one in documents]
        return handout, laid, [got.laid for got in layouts.get_many(wanted)]

    @staticmethod
    def _report(
        plan: BuildPlan,
        ctx: ExportContext,
        laid: Sequence[Laid],
        files: Mapping[str, Path | bytes],
        tofu_reported: bool,
    ) -> None:
        """The renderer's warnings, the same whether a layout was made or reused; its ".notdef
        glyph" warnings only when CS704 has not already named the characters where they are."""
        from .fetch import ORIGIN

        written = _written_at(plan)
        refused = list(dict.fromkeys(url for one in laid for url in one.refused))
        for url in refused:
            remote = urlsplit(url).scheme in ("http", "https") and not url.startswith(ORIGIN)
            ctx.report.warning(
                Code.CS505,
                f'PDF: refused to load "{url}"',
                written.get(url),
                "the PDF embeds only files inside the course folder: save the image there and "
                "refer to it by a relative path"
                if remote
                else "a handout loads only the build's own files (course media, the theme's "
                "static/ and print/ files); nothing else is read or fetched",
            )
        messages = dict.fromkeys(message for one in laid for message in one.messages)
        for message in messages:
            if any(url in message for url in refused):
                continue
            if tofu_reported and message.startswith(".notdef glyph rendered"):
                continue
            ctx.report.warning(Code.CS506, f"PDF renderer: {message}")
        for key, what in dict.fromkeys(item for one in laid for item in one.unprintable):
            source = files.get(key)
            ctx.report.warning(
                Code.CS506,
                f"PDF: {PurePosixPath(key).name}: {what}",
                Span(source, 0, 0) if isinstance(source, Path) else None,
                "WeasyPrint, which lays out the PDF, cannot draw this chapter of an SVG; the HTML "
                "and SCORM outputs show it as written",
            )


def _glyphs(plan: BuildPlan) -> list[Diagnostic]:
    """CS704 for each character of the handout no installed font draws (`glyphs`): in
    course.yml, the modules printed, and the interface text of their languages."""
    from coursec.i18n import course_interfaces

    from .glyphs import missing_glyphs

    course = plan.course
    course_file = course.root / "course.yml"
    files = [course_file, *(r.module.path for r in plan.modules)]
    where = {course.spec.language: Span(course_file, 0, 0)}
    for rendered in plan.modules:
        if rendered.module.spec.language:
            where.setdefault(
                rendered.module.spec.language, rendered.module.sourcemap.value(("language",))
            )
    interfaces = course_interfaces(course)
    texts = [(interfaces.get(tag).catalog_text(), span) for tag, span in where.items()]
    return missing_glyphs(files, texts)


def _written_at(plan: BuildPlan) -> dict[str, Span]:
    """Where each image URL of the module bodies is written, to point a refusal at its source."""
    where: dict[str, Span] = {}
    for rendered in plan.modules:
        module = rendered.module
        for ref in module.body.references:
            if ref.kind == "image":
                where.setdefault(ref.url, Span(module.path, module.line_of(ref.line), 1))
    return where
