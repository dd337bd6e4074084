"""The output folder: coursec replaces only a folder it made, one build at a time, and reports
what the system refuses (full disk, read-only folder ...) as diagnostics, never as a bug."""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MakeCourse
from coursec.build import build
from coursec.cli import cli
from coursec.options import BuildOptions

FAST = ("html", "scorm12")


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root` (hidden ones too): files by content, folders and links by kind."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"link:{path.readlink()}"
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["build", *args, "--format", ",".join(FAST), "-j", "1"])


def user_folder(root: Path) -> Path:
    """A folder of someone's own files, the kind a mistyped --out points at."""
    (root / "photos").mkdir(parents=True)
    (root / "thesis.txt").write_text("four years of work\n")
    (root / "photos" / "cat.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(64))
    (root / ".hidden-config").write_text("token=secret\n")
    return root


# --- only a folder coursec made is replaced ---------------------------------------------------


def test_a_folder_of_user_files_is_refused_and_kept(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course = make_course()
    documents = user_folder(tmp_path / "Documents")
    before = snapshot(documents)

    result = run(str(course), "--out", str(documents))

    assert result.exit_code == 1
    assert "error[CS601]" in result.output and "--force" in result.output
    assert "thesis.txt" in result.output  # names what it would have deleted
    assert snapshot(documents) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Documents", "course"]


def test_force_replaces_a_user_folder(make_course: MakeCourse, tmp_path: Path) -> None:
    course = make_course()
    documents = user_folder(tmp_path / "Documents")

    result = run(str(course), "--out", str(documents), "--force")

    assert result.exit_code == 0, result.output
    assert not (documents / "thesis.txt").exists()
    assert (documents / "html" / "index.html").is_file()


def test_a_file_added_to_an_output_folder_is_kept(make_course: MakeCourse, tmp_path: Path) -> None:
    course, out = make_course(), tmp_path / "out"
    assert run(str(course), "--out", str(out)).exit_code == 0
    (out / "notes.txt").write_text("my notes about this build\n")
    (out / "html" / "extra.css").write_text("body{}\n")
    (course / "modules" / "one.md").write_text(
        (course / "modules" / "one.md").read_text() + "\nMore text.\n"
    )
    before = snapshot(out)

    result = run(str(course), "--out", str(out))

    assert result.exit_code == 1
    assert "CS601" in result.output and "notes.txt" in result.output
    assert "html/extra.css" in result.output
    assert snapshot(out) == before


def test_an_empty_folder_and_a_coursec_output_are_replaced(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course, out = make_course(), tmp_path / "out"
    out.mkdir()
    assert run(str(course), "--out", str(out)).exit_code == 0
    (course / "course.yml").write_text(
        (course / "course.yml").read_text().replace("Demo course", "Demo, edited")
    )
    assert run(str(course), "--out", str(out)).exit_code == 0
    assert "Demo, edited" in (out / "html" / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "out"]


@pytest.mark.parametrize("where", ["course", "inside", "parent", "cwd"])
def test_the_course_is_never_replaced_even_with_force(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    course = make_course()
    (course / "modules" / "notes").mkdir()
    (course / "modules" / "notes" / "todo.md").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    out = {
        "course": course,
        "inside": course / "modules",
        "parent": tmp_path,
        "cwd": Path(),  # `--out "$PWD"` from the course's parent folder
    }[where]
    before = snapshot(tmp_path)

    result = run(str(course), "--out", str(out), "--force")

    assert result.exit_code == 1
    assert "error[CS603]" in result.output
    assert snapshot(tmp_path) == before


def test_home_and_root_are_never_replaced(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = make_course()
    home = user_folder(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(home)

    assert (
        "it is or contains your home folder"
        in run(str(course), "--out", str(home), "--force").output
    )
    root = run(str(course), "--out", "/", "--force")
    assert root.exit_code == 1 and "it is the root of the file system" in root.output

    assert snapshot(home) == before
    assert not Path("/.coursec-lock").exists() and not list(Path("/").glob("..coursec-*"))


def test_a_file_or_a_symlink_is_not_an_output_folder(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course = make_course()
    notes = tmp_path / "notes.txt"
    notes.write_text("do not lose me\n")
    real = tmp_path / "real"
    assert run(str(course), "--out", str(real)).exit_code == 0
    link = tmp_path / "link"
    link.symlink_to(real)
    before = snapshot(tmp_path)

    as_file = run(str(course), "--out", str(notes))
    as_link = run(str(course), "--out", str(link))

    assert as_file.exit_code == 1 and "is a file, not a folder" in as_file.output
    assert as_link.exit_code == 1 and "is a symbolic link" in as_link.output
    assert "CS602" in as_file.output and "CS602" in as_link.output
    assert snapshot(tmp_path) == before  # no ".notes.txt.old-…" either


def test_folders_that_only_look_like_coursec_leftovers_are_kept(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course, out = make_course(), tmp_path / "site"
    lookalikes = [
        tmp_path / ".site.old-backup",
        tmp_path / ".site.building-1",
        tmp_path / ".site.coursec-staging-1-abcd",  # no staging marker inside: not ours
        tmp_path / ".site.coursec-old-1-abcd",  # no output marker inside: not removed
    ]
    for folder in lookalikes:
        user_folder(folder)
    before = {p.name: snapshot(p) for p in lookalikes}

    assert run(str(course), "--out", str(out)).exit_code == 0
    assert run(str(course), "--out", str(out), "--clean").exit_code == 0

    assert {p.name: snapshot(p) for p in lookalikes} == before


def test_a_killed_builds_leftovers_are_tidied_only_when_their_owner_is_gone(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course, out = make_course(), tmp_path / "out"
    assert run(str(course), "--out", str(out)).exit_code == 0
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        for pid in (sleeper.pid, dead):
            staging = tmp_path / f".out.coursec-staging-{pid}-00000000"
            (staging / ".coursec-cache").mkdir(parents=True)
            (staging / ".coursec-cache" / "staging").write_text("coursec\n")
            (staging / "half.html").write_text("half")

        (course / "course.yml").write_text(
            (course / "course.yml").read_text().replace("Demo course", "Demo again")
        )
        assert run(str(course), "--out", str(out)).exit_code == 0

        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
        assert left == [f".out.coursec-staging-{sleeper.pid}-00000000"]  # its owner still runs
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_output_moved_aside_by_a_killed_build_is_put_back(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    """Killed between its two renames, a build leaves no output, only the old one aside: the
    next build, even one that fails, puts it back."""
    course, out = make_course(), tmp_path / "out"
    assert run(str(course), "--out", str(out)).exit_code == 0
    before = snapshot(out)
    out.rename(tmp_path / ".out.coursec-old-99999999-0badcafe")
    (course / "course.yml").write_text("id: demo\n")  # now broken: the next build fails

    assert run(str(course), "--out", str(out)).exit_code == 1

    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "out"]


# --- one build at a time ----------------------------------------------------------------------

NAP_PLUGIN = """
import os, time
from pathlib import Path

class NapExporter:
    name = "nap"
    description = "writes a file slowly"

    def export(self, plan, ctx):
        from coursec.export import Artifact
        Path(os.environ["COURSEC_TEST_MARKER"]).write_text("started")
        time.sleep(float(os.environ["COURSEC_TEST_NAP"]))
        (ctx.out_dir / "nap.txt").write_text(plan.course.spec.title)
        return [Artifact(Path("nap.txt"), "a slow file")]
"""


def start_napping_build(
    course: Path, out: Path, tmp_path: Path, seconds: float
) -> tuple[subprocess.Popen[str], Path]:
    site = tmp_path / "nap-site"
    dist = site / "coursec_nap-0.1.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (site / "coursec_nap.py").write_text(NAP_PLUGIN)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: coursec-nap\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[coursec.exporters]\nnap = coursec_nap:NapExporter\n")
    marker = tmp_path / "nap-started"
    marker.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "COURSEC_TEST_MARKER": str(marker),
        "COURSEC_TEST_NAP": str(seconds),
    }
    args = [sys.executable, "-m", "coursec", "build", str(course), "--out", str(out)]
    proc = subprocess.Popen(
        [*args, "--format", "html,nap", "-j", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the napping build never started exporting"
    return proc, site


@pytest.mark.slow
def test_a_second_build_gives_up_and_leaves_the_first_alone(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    course, out = make_course(), tmp_path / "out"
    first, _ = start_napping_build(course, out, tmp_path, seconds=8)

    second = run(str(course), "--out", str(out))

    assert second.exit_code == 1
    assert "error[CS604]: another build is writing" in second.output
    output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output
    assert (out / "nap.txt").read_text() == "Demo course"
    assert (out / "html" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_a_second_build_waits_for_a_short_one(make_course: MakeCourse, tmp_path: Path) -> None:
    course, out = make_course(), tmp_path / "out"
    first, site = start_napping_build(course, out, tmp_path, seconds=1)
    sys.path.insert(0, str(site))
    try:
        result = build(course, BuildOptions(formats=("html", "nap"), out_dir=out, jobs=1))
    finally:
        sys.path.remove(str(site))
    first.communicate(timeout=60)

    assert first.returncode == 0
    assert result.ok, [d.format() for d in result.diagnostics]
    assert result.up_to_date  # it waited, then found the first build's output complete


# --- the system's refusals are diagnostics ------------------------------------------------------


def previous_output(make_course: MakeCourse, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    course, out = make_course(), tmp_path / "out"
    assert run(str(course), "--out", str(out)).exit_code == 0
    (course / "course.yml").write_text(
        (course / "course.yml").read_text().replace("Demo course", "Demo course 2")
    )
    return course, out, snapshot(out)


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        (errno.EACCES, "CS610", "permission denied"),
        (errno.EROFS, "CS611", "read-only"),
        (errno.ENOSPC, "CS612", "no space left"),
        (errno.EDQUOT, "CS612", "quota"),
        (errno.EFBIG, "CS613", "file too large"),
        (errno.EIO, "CS616", "input/output error"),
    ],
)
def test_a_failed_write_is_a_diagnostic_and_keeps_the_output(
    make_course: MakeCourse,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    number: int,
    code: str,
    words: str,
) -> None:
    course, out, before = previous_output(make_course, tmp_path)

    def refuse(path: Path, _data: bytes) -> None:
        raise OSError(number, os.strerror(number), str(path))

    monkeypatch.setattr("coursec.output.write_new", refuse)
    result = run(str(course), "--out", str(out), "--clean")

    assert result.exit_code == 1, result.output
    assert f"error[{code}]: " in result.output and words in result.output.lower()
    assert str(tmp_path) in result.output  # names the file
    assert "CS902" not in result.output and "Traceback" not in result.output
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "out"]


def test_a_read_only_parent_folder_is_a_diagnostic(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(chmod would not stop root, who runs CI: the refusal is simulated where a folder is made.)"""
    course, out, before = previous_output(make_course, tmp_path)
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.name.startswith(".out.coursec-staging-"):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    result = run(str(course), "--out", str(out))

    assert result.exit_code == 1
    assert "error[CS610]: permission denied: " in result.output
    assert snapshot(out) == before


def test_real_name_too_long_and_not_a_folder(make_course: MakeCourse, tmp_path: Path) -> None:
    course = make_course()
    (tmp_path / "file.txt").write_text("x")

    too_long = run(str(course), "--out", str(tmp_path / ("x" * 300)))
    not_dir = run(str(course), "--out", str(tmp_path / "file.txt" / "out"))

    assert too_long.exit_code == 1 and "error[CS614]: file name too long" in too_long.output
    assert not_dir.exit_code == 1 and "error[CS615]" in not_dir.output
    assert (tmp_path / "file.txt").read_text() == "x"


@pytest.mark.slow
def test_a_file_size_limit_is_a_diagnostic(make_course: MakeCourse, tmp_path: Path) -> None:
    """`ulimit -f`: the kernel refuses to write past the limit (Python ignores SIGXFSZ)."""
    course, out, before = previous_output(make_course, tmp_path)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    run_ = subprocess.run(
        [
            sys.executable,
            "-m",
            "coursec",
            "build",
            str(course),
            "--out",
            str(out),
            "-j",
            "1",
            "--format",
            "html,scorm12,scorm2004",
        ],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run_.returncode == 1, run_.stderr
    assert "error[CS613]: file too large" in run_.stderr
    assert "Traceback" not in run_.stderr
    assert snapshot(out) == before
