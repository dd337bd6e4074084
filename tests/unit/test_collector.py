"""A build runs without full garbage collections, and gives the setting back."""

from __future__ import annotations

import gc
from pathlib import Path

from conftest import MakeCourse
from coursec.build import BuildEvent, build
from coursec.collector import fewer_full_collections
from coursec.options import BuildOptions


def test_a_build_suspends_full_collections_and_restores_the_threshold(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    def progress(_event: BuildEvent) -> None:
        seen.append(gc.get_threshold())

    result = build(make_course(), BuildOptions(formats=("html",), out_dir=tmp_path / "o"), progress)

    assert result.ok
    assert seen and all(t[:2] == before[:2] and t[2] >= 1_000_000 for t in seen)
    assert gc.get_threshold() == before


def test_nested_holds_restore_the_threshold_only_when_the_last_ends() -> None:
    before = gc.get_threshold()
    with fewer_full_collections():
        with fewer_full_collections():
            pass
        assert gc.get_threshold()[2] >= 1_000_000  # the outer build still runs
    assert gc.get_threshold() == before
