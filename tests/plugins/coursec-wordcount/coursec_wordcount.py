"""A third-party coursec exporter: words per module, as CSV, with options of its own.

Course authors set its options in course.yml under `wordcount:`, or on the command line with
`--set wordcount.OPTION=VALUE`; coursec validates them with `WordCountOptions`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from coursec.export import Artifact, ExportContext
from coursec.plan import BuildPlan


class WordCountOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_words: int = Field(0, ge=0, description="Flag modules with fewer words than this.")
    filename: str = Field("wordcount.csv", pattern=r"^[\w.-]+\.csv$")


class WordCountExporter:
    name: ClassVar[str] = "wordcount"
    description: ClassVar[str] = "words per module (CSV)"
    options_model: ClassVar[type[BaseModel]] = WordCountOptions

    def export(self, plan: BuildPlan, ctx: ExportContext) -> list[Artifact]:
        options = ctx.options if isinstance(ctx.options, WordCountOptions) else WordCountOptions()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["module", "words", "short"])
        for rendered in plan.modules:
            words = len(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", rendered.html)))
            writer.writerow([rendered.module.id, words, words < options.min_words])
        ctx.out_dir.mkdir(parents=True, exist_ok=True)
        (ctx.out_dir / options.filename).write_text(out.getvalue(), encoding="utf-8")
        return [Artifact(Path(options.filename), "words per module")]
