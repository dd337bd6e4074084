"""A running `coursec preview` for tests (a pytest plugin): the live build in a thread, the server
on port 0; the `start_preview` fixture starts one."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from coursec.preview.live import BuildState, LiveBuild
from coursec.preview.server import PreviewServer


@dataclass
class RunningPreview:
    course: Path  # the course folder being previewed (a copy the test may edit)
    live: LiveBuild
    url: str  # ends with "/"

    def wait_for_build(self, after: int, timeout: float = 30) -> BuildState:
        """The state of the first build newer than version `after`."""
        state = self.live.wait(after, timeout)
        assert state.version > after, "no build finished in time"
        return state


@contextmanager
def running_preview(source: Path, workdir: Path, first_ok: bool = True) -> Iterator[RunningPreview]:
    """Preview a copy of `source` (built into `workdir`), as `coursec preview` does; the first
    build must succeed unless `first_ok` is False."""
    course = workdir / "course"
    shutil.copytree(source, course)
    live = LiveBuild(course, workdir / "out", base=course)
    server = PreviewServer(live, port=0).start()
    thread = threading.Thread(target=live.run, kwargs={"poll": 0.05, "settle": 0.05, "jobs": 1})
    thread.start()
    try:
        preview = RunningPreview(course, live, server.url)
        state = preview.wait_for_build(0, timeout=120)
        assert state.ok or not first_ok, state.diagnostics
        yield preview
    finally:
        server.stop()
        thread.join(timeout=30)


@pytest.fixture
def start_preview(tmp_path: Path) -> Iterator[Callable[[Path], RunningPreview]]:
    """Factory: `start_preview(course_dir)` previews a copy of the course until teardown."""
    stack: list[object] = []

    def start(source: Path) -> RunningPreview:
        cm = running_preview(source, tmp_path / f"preview-{len(stack)}")
        stack.append(cm)
        return cm.__enter__()

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)  # type: ignore[attr-defined]
