"""Exporter options for `BuildOptions.settings`, as `--set` (or its shortcuts) would give them."""

from __future__ import annotations

from coursec.exporters.scorm import Packaging


def scorm(packaging: Packaging | None) -> dict[str, dict[str, str]]:
    """`--packaging` (nothing when None: the edition's default)."""
    return {"scorm": {"packaging": packaging.value}} if packaging is not None else {}


def pdf(**options: bool) -> dict[str, dict[str, str]]:
    """`--set pdf.OPTION=true|false` for each of `per_module`, `review`, `learner` given."""
    return {"pdf": {k: str(v).lower() for k, v in options.items()}} if options else {}
