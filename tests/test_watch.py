"""`coursec build --watch`: rebuild on change, keep the last good output on a failed rebuild."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import MODULE_MD, MakeCourse
from coursec.build import BuildResult
from coursec.options import BuildOptions
from coursec.watch import watch
from support.terminal import coursec_command

TIMEOUT = 20.0


class Watching:
    """`watch()` in a thread; each build's (result, changed files) arrives on a queue."""

    def __init__(self, root: Path, out: Path) -> None:
        self.builds: queue.Queue[tuple[BuildResult, list[str]]] = queue.Queue()
        self.stop = threading.Event()
        options = BuildOptions(formats=("html",), out_dir=out, jobs=1)
        self.thread = threading.Thread(
            target=watch,
            args=(root, options, lambda r, c: self.builds.put((r, c)), self.stop),
            kwargs={"poll": 0.05, "settle": 0.1},
            daemon=True,
        )
        self.thread.start()

    def next_build(self) -> tuple[BuildResult, list[str]]:
        return self.builds.get(timeout=TIMEOUT)


@pytest.fixture
def watching(make_course: MakeCourse, tmp_path: Path) -> Iterator[tuple[Path, Path, Watching]]:
    root, out = make_course(), tmp_path / "out"
    session = Watching(root, out)
    yield root, out, session
    session.stop.set()
    session.thread.join(timeout=TIMEOUT)
    assert not session.thread.is_alive()


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))
    st = path.stat()  # a later mtime even on file systems with coarse timestamps
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))


def test_an_edit_is_rebuilt_and_a_quiet_folder_is_not(
    watching: tuple[Path, Path, Watching],
) -> None:
    root, out, session = watching
    first, changed = session.next_build()
    assert first.ok and changed == [] and first.rendered == ["one"]
    time.sleep(0.3)
    assert session.builds.empty()  # nothing changed: no rebuild

    edit(root / "modules" / "one.md", "explained here", "explained here, and revised")
    result, changed = session.next_build()

    assert changed == ["modules/one.md"]
    assert result.ok and result.rendered == ["one"]
    assert "and revised" in (out / "html" / "one.html").read_text()


def test_a_broken_edit_keeps_the_last_good_output_and_watching_goes_on(
    watching: tuple[Path, Path, Watching],
) -> None:
    root, out, session = watching
    assert session.next_build()[0].ok
    good = (out / "html" / "one.html").read_text()
    module = root / "modules" / "one.md"

    edit(module, "title: Module one", "title: [Module one")
    broken, _ = session.next_build()
    assert not broken.ok and [d.code for d in broken.diagnostics] == ["CS103"]
    assert (out / "html" / "one.html").read_text() == good

    module.write_text(MODULE_MD.replace("explained here", "fixed again"))
    fixed, changed = session.next_build()
    assert fixed.ok and changed == ["modules/one.md"]
    assert "fixed again" in (out / "html" / "one.html").read_text()


def test_cli_watch_stops_cleanly_on_ctrl_c(make_course: MakeCourse, tmp_path: Path) -> None:
    root, out = make_course(), tmp_path / "out"
    process = subprocess.Popen(
        coursec_command(
            "build", str(root), "--format", "html", "--out", str(out), "-j1", "--watch"
        ),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    watchdog = threading.Timer(TIMEOUT, process.kill)  # a missed line must not hang the suite
    watchdog.start()
    lines: list[str] = []
    for line in process.stderr:
        lines.append(line)
        if "watching for changes" in line:
            break
    edit(root / "modules" / "one.md", "explained here", "explained while watched")
    for line in process.stderr:
        lines.append(line)
        if "changed:" in line:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=TIMEOUT)
    watchdog.cancel()
    lines.append(rest)

    assert process.returncode == 0, "".join(lines)
    assert any("modules/one.md changed: built" in line for line in lines), lines
    assert "stopped watching" in rest
    assert "explained while watched" in (out / "html" / "one.html").read_text()


def test_stop_can_be_set_wherever_ctrl_c_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C raises KeyboardInterrupt wherever the watching thread is; the `stop.set()` that
    follows (the CLI's, the preview's) must not block. An interrupted `Event.wait` could leave
    the event's lock taken: about one Ctrl-C in a hundred landed there, and hung the process."""
    import coursec.watch

    monkeypatch.setattr(coursec.watch, "build", lambda *_args: None)  # only the loop matters

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        for run in range(300):
            stop = threading.Event()
            with pytest.raises(KeyboardInterrupt):
                # armed inside the block: on a busy machine the alarm can go off before `watch`
                signal.setitimer(signal.ITIMER_REAL, 0.0002 + (run % 30) * 0.00002)
                watch(tmp_path, BuildOptions(), lambda *_: None, stop, poll=5e-5, settle=5e-5)
            setter = threading.Thread(target=stop.set, daemon=True)
            setter.start()
            setter.join(timeout=TIMEOUT)
            assert not setter.is_alive(), f"stop.set() blocked after Ctrl-C (run {run})"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_what_a_build_left_to_free_is_freed_once_the_build_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coursec build --watch` runs in `coursec`'s main, which defers frees: each build's
    largest structures are freed after its report, not kept build after build."""
    import coursec.watch
    from coursec import collector

    monkeypatch.setattr(collector, "_deferred", None)
    collector.defer_frees()

    class Joined:
        pass

    made: list[weakref.ref[Joined]] = []

    def build(*_args: object) -> None:
        joined = Joined()
        made.append(weakref.ref(joined))
        collector.free_later(joined)

    monkeypatch.setattr(coursec.watch, "build", build)
    stop = threading.Event()
    alive_when_reported: list[bool] = []

    def reported(*_args: object) -> None:
        alive_when_reported.append(made[-1]() is not None)
        if len(made) == 2:
            stop.set()
        else:
            (tmp_path / "new.md").write_text("a change\n")

    watch(tmp_path, BuildOptions(), reported, stop, poll=0.01, settle=0.01)
    assert alive_when_reported == [True, True]
    assert [ref() for ref in made] == [None, None]


def test_a_rename_is_a_change(make_course: MakeCourse, tmp_path: Path) -> None:
    """Same inodes, same times: only the paths differ."""
    root = make_course(modules={"modules/One.md": MODULE_MD})  # course.yml lists one.md
    session = Watching(root, tmp_path / "out")
    try:
        first, _ = session.next_build()
        assert not first.ok  # CS302: no modules/one.md
        (root / "modules" / "One.md").rename(root / "modules" / "one.md")
        fixed, changed = session.next_build()
        assert fixed.ok and changed == ["modules/One.md", "modules/one.md"]
    finally:
        session.stop.set()
        session.thread.join(timeout=TIMEOUT)


def test_a_theme_file_added_while_watching_is_used(make_course: MakeCourse, tmp_path: Path) -> None:
    root = make_course(files={"templates/glossary.html.j2": '{% extends "base.html.j2" %}'})
    out = tmp_path / "out"
    session = Watching(root, out)
    try:
        assert session.next_build()[0].ok
        (root / "templates" / "index.html.j2").write_text("MY OWN INDEX\n")
        rebuilt, changed = session.next_build()
        assert rebuilt.ok and changed == ["templates/index.html.j2"]
        assert (out / "html" / "index.html").read_text() == "MY OWN INDEX\n"
    finally:
        session.stop.set()
        session.thread.join(timeout=TIMEOUT)
