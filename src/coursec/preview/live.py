"""The preview's builds: build into a folder, rebuild after each save, and tell who waits.

`LiveBuild.state` is the last build's outcome as the page sees it: a version number that grows
with every build, whether it succeeded, and its diagnostics (file:line:col, message, hint).
A failed build leaves the last good output served; the page shows the diagnostics over it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursec.build import BuildResult
from coursec.options import BuildOptions
from coursec.watch import watch

# the site, and each SCORM edition with one SCO per module, so the LMS simulator can launch one
FORMATS = ("html", "scorm12", "scorm2004")
SETTINGS = {"scorm": {"packaging": "multi-sco"}}
# a save reaches the page within a second: noticed within 0.1 s, built once the folder has been
# quiet for 0.1 s (an editor's write-then-rename is one build), in this process (jobs=1), so
# each rebuild reuses the modules, templates and libraries already in memory
POLL_SECONDS = 0.1
SETTLE_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class BuildState:
    version: int = 0  # 0: the first build has not finished
    ok: bool = False
    diagnostics: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "ok": self.ok, "diagnostics": list(self.diagnostics)}


@dataclass
class LiveBuild:
    """Builds of `course_dir` into `out_dir`, one after each change, until `stop` is set."""

    course_dir: Path
    out_dir: Path
    base: Path = field(default_factory=Path.cwd)  # diagnostics' paths are shown relative to it
    state: BuildState = field(default_factory=BuildState)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stop: threading.Event = field(default_factory=threading.Event)

    def options(self, jobs: int | None = 1) -> BuildOptions:
        return BuildOptions(formats=FORMATS, out_dir=self.out_dir, settings=SETTINGS, jobs=jobs)

    def run(
        self,
        on_build: Callable[[BuildResult, list[str]], None] | None = None,
        poll: float = POLL_SECONDS,
        settle: float = SETTLE_SECONDS,
        jobs: int | None = 1,
    ) -> None:
        """Build, then rebuild on every change (blocks until `stop` is set)."""

        def built(result: BuildResult, changed: list[str]) -> None:
            self.publish(result)
            if on_build is not None:
                on_build(result, changed)

        watch(self.course_dir, self.options(jobs), built, self.stop, poll=poll, settle=settle)

    def publish(self, result: BuildResult) -> None:
        with self.changed:
            self.state = BuildState(
                self.state.version + 1,
                result.ok,
                tuple(d.to_json(self.base) for d in result.diagnostics),
            )
            self.changed.notify_all()

    def wait(self, version: int, timeout: float) -> BuildState:
        """The state once a build newer than `version` is published (or after `timeout`)."""
        with self.changed:
            self.changed.wait_for(
                lambda: self.state.version > version or self.stop.is_set(), timeout
            )
            return self.state

    @property
    def site(self) -> Path:
        return self.out_dir / "html"

    def package(self, edition: str) -> Path | None:
        """The SCORM package of an edition ("scorm12", "scorm2004") the last good build wrote."""
        return next(self.out_dir.glob(f"*-{edition}.zip"), None)

    def close(self) -> None:
        """Stop rebuilding and release everyone waiting for a build."""
        with self.changed:
            self.stop.set()
            self.changed.notify_all()
