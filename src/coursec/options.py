"""BuildOptions: what to build and how. Exporters' own options are theirs (exporter_options)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FORMATS = ("html", "scorm12", "scorm2004", "pdf")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    formats: tuple[str, ...] = DEFAULT_FORMATS
    out_dir: Path | None = None  # default: <cwd>/dist/<course-id>
    strict: bool = False
    # exporters' options from the command line (`--set KEY.OPTION=VALUE`), over course.yml's
    settings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # How the build runs; none changes a byte of the output (see coursec.incremental.cache).
    jobs: int | None = None  # worker processes; None: one per available CPU; 1: no pool at all
    clean: bool = False  # ignore the cache: render everything, write a fresh cache
    force: bool = False  # replace an output folder that holds files coursec did not write


def parse_settings(pairs: Iterable[str]) -> dict[str, dict[str, str]]:
    """`--set` values (`KEY.OPTION=VALUE`) by key and option; `ValueError` says what is wrong."""
    settings: dict[str, dict[str, str]] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        key, dot, option = name.strip().partition(".")
        if not equals or not dot or not key or not option:
            raise ValueError(f'"{pair}" is not KEY.OPTION=VALUE (e.g. pdf.review=true)')
        settings.setdefault(key, {})[option] = value.strip()
    return settings
