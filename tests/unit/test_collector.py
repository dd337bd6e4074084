"""A build loads and renders without full garbage collections, and gives the setting back."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from conftest import MakeCourse
from coursec import collector
from coursec.build import BuildEvent, build
from coursec.collector import fewer_full_collections
from coursec.options import BuildOptions


def test_loading_and_rendering_suspend_full_collections(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    def progress(event: BuildEvent) -> None:
        if event.stage in ("load", "render"):
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


def test_from_the_export_on_collections_run_as_usual(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    before = gc.get_threshold()
    by_stage: dict[str, tuple[int, int, int]] = {}

    def progress(event: BuildEvent) -> None:
        by_stage[event.stage] = gc.get_threshold()

    result = build(make_course(), BuildOptions(formats=("html",), out_dir=tmp_path / "o"), progress)

    assert result.ok
    assert by_stage["load"][2] >= 1_000_000
    assert by_stage["write"] == before  # settled: the exporters' garbage is collected as usual
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # unfrozen when the build ended


def test_a_worker_collects_as_usual_and_freezes_what_it_inherited() -> None:
    from coursec.collector import in_worker

    before = gc.get_threshold()
    try:
        with fewer_full_collections():  # as a forked worker inherits it
            in_worker()
            assert gc.get_threshold() == before
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert gc.get_threshold() == before


_TASKS = """
import gc, json
from coursec import collector

collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
gc.disable()  # only `after_task` collects: the garbage below waits for it
collector.in_worker()
started = collector.resident_size()


def task(lists):
    garbage = [[i] * 20 for i in range(lists)]
    garbage.append(garbage)  # a cycle: freed only by a collection


task(1_000)
collector.after_task()
small = len(collections)
task(600_000)
grown = collector.resident_size()
collector.after_task()
print(json.dumps([started, small, grown, collector.resident_size(), len(collections)]))
"""


def test_a_worker_gives_back_what_a_large_task_left_behind() -> None:
    import json
    import subprocess
    import sys

    import pytest

    from coursec.collector import resident_size

    if resident_size() is None:
        pytest.skip("resident size is read from /proc")
    run = subprocess.run(
        [sys.executable, "-c", _TASKS], capture_output=True, text=True, check=True, timeout=60
    )
    started, small, grown, after, collections = json.loads(run.stdout)
    assert small == 0  # a task that leaves little costs no collection
    assert grown - started > 100 * 2**20
    assert collections == 1
    assert after - started < (grown - started) / 3


class _Joined:
    """Stands for a large structure a build lets go of (a joined PDF)."""


def test_what_is_freed_later_is_freed_at_once_unless_frees_are_deferred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collector, "_deferred", None)  # as in any process but `coursec`'s main
    joined = _Joined()
    gone = weakref.ref(joined)
    collector.free_later(joined)
    del joined
    assert gone() is None

    collector.defer_frees()  # as `coursec`'s main does: the process ends with os._exit
    collector.defer_frees()  # a second call keeps what the first started to keep
    joined = _Joined()
    kept = weakref.ref(joined)
    collector.free_later(joined)
    del joined
    collector.defer_frees()
    assert kept() is not None
    collector.free_deferred()
    assert kept() is None
