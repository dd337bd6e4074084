"""`coursec check` answers from the record of the last check while nothing it read has changed,
and loads the course again as soon as anything has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import coursec.loading
from conftest import MODULE_MD, MakeCourse
from coursec.cli import cli
from coursec.incremental import check_record, fingerprint, manifest


def check(root: Path, *extra: str) -> Result:
    result = CliRunner().invoke(cli, ["check", str(root), *extra], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture(autouse=True)
def _no_racy_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are trusted by their status at once (`check_record.RACY_NS`:
    in use, a file changed in the two seconds before a check leaves no record)."""
    monkeypatch.setattr(check_record, "RACY_NS", 0)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The course folders loaded from now on."""
    loaded: list[Path] = []
    real = coursec.loading.load_course

    def spy(root: Path, *args: object) -> coursec.loading.LoadResult:
        loaded.append(root)
        return real(root, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(coursec.loading, "load_course", spy)
    return loaded


def records() -> list[Path]:
    return sorted(Path(os.environ["XDG_CACHE_HOME"], "coursec", "checks").glob("*.json"))


def test_an_unchanged_course_is_reported_again_without_loading_it(
    make_course: MakeCourse, loads: list[Path]
) -> None:
    root = make_course()
    first = check(root, "--format", "json")
    assert first.exit_code == 0
    warnings = json.loads(first.stdout)
    assert [d["code"] for d in warnings] == ["CS406"]  # the objective no question assesses
    assert len(loads) == 1 and len(records()) == 1

    again = check(root, "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == warnings
    assert len(loads) == 1  # answered from the record
    strict = check(root, "--strict")  # the recorded warning fails a strict check
    assert strict.exit_code == 1 and "error[CS406]" in strict.output
    assert len(loads) == 1
    assert check(root, "--clean").exit_code == 0
    assert len(loads) == 2


@pytest.mark.parametrize(
    "edit",
    ["module", "same size and time", "course.yml", "theme css", "hero gone"],
)
def test_any_change_to_what_a_check_read_loads_the_course_again(
    make_course: MakeCourse, loads: list[Path], edit: str
) -> None:
    hero = "hero:\n  src: ../assets/hero.svg\n  alt: A diagram.\n"
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    root = make_course(
        modules={"modules/one.md": MODULE_MD.replace("summary:", hero + "summary:")},
        files={"assets/hero.svg": svg},
    )
    assert check(root).exit_code == 0
    module = root / "modules" / "one.md"
    if edit == "module":
        text = module.read_text(encoding="utf-8")
        module.write_text(text.replace("here.", "here, [and there](two.md)."), encoding="utf-8")
    elif edit == "same size and time":  # only the inode's change time tells
        before = module.stat()
        module.write_text(module.read_text().replace("gadgets", "gidgets"), encoding="utf-8")
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif edit == "course.yml":
        course = root / "course.yml"
        course.write_text(course.read_text().replace("Demo course", "Demo"), encoding="utf-8")
    elif edit == "theme css":
        (root / "templates").mkdir()  # the course's own theme
        (root / "templates" / "extra.css").write_text("@import url(https://x.test/a.css);\n")
    else:
        (root / "assets" / "hero.svg").unlink()
    result = check(root, "--format", "json")
    assert len(loads) == 2, edit
    fresh = check(root, "--format", "json", "--clean")
    assert (result.exit_code, result.stdout) == (fresh.exit_code, fresh.stdout)


def test_a_course_changed_just_before_its_check_leaves_no_record(
    make_course: MakeCourse, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed in the moments before a check could change again within the same tick
    of the file system's clock, unseen by its status: such a check leaves no record."""
    monkeypatch.setattr(check_record, "RACY_NS", 2_000_000_000)
    root = make_course()  # written just now
    assert check(root).exit_code == 0
    assert records() == []
    assert check(root).exit_code == 0
    assert len(loads) == 2


def test_a_course_with_errors_leaves_no_record(make_course: MakeCourse, loads: list[Path]) -> None:
    root = make_course(modules={"modules/one.md": MODULE_MD.replace("title: Module one\n", "")})
    assert check(root).exit_code == 1
    assert check(root).exit_code == 1
    assert len(loads) == 2 and records() == []


def test_other_libraries_or_code_are_not_trusted_with_the_record(
    make_course: MakeCourse, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record made under another installation is trusted only if the library versions and
    exporters read again are the same; coursec's own code is compared every time."""
    root = make_course()
    assert check(root).exit_code == 0
    monkeypatch.setattr(manifest, "installation", lambda: "another installation")
    assert check(root).exit_code == 0
    assert len(loads) == 1  # the same versions and exporters: still trusted
    versions = {**fingerprint.library_versions(), "pydantic": "0.0"}
    monkeypatch.setattr(fingerprint, "library_versions", lambda: versions)
    assert check(root).exit_code == 0
    assert len(loads) == 2
    monkeypatch.setattr(fingerprint, "code_digest", lambda: "edited code")
    assert check(root).exit_code == 0
    assert len(loads) == 3
    assert check(root).exit_code == 0
    assert len(loads) == 3


def test_a_record_trusted_under_a_new_installation_is_kept_for_it(
    make_course: MakeCourse, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged again from the distributions' metadata and found the same, the record takes the
    new installation: the check after it does not read the metadata again."""
    root = make_course()
    assert check(root).exit_code == 0
    for module in (manifest, check_record):
        monkeypatch.setattr(module, "installation", lambda: "another installation")
    read: list[str] = []
    real = fingerprint.library_versions
    monkeypatch.setattr(fingerprint, "library_versions", lambda: read.append("read") or real())
    assert check(root).exit_code == 0
    assert check(root).exit_code == 0
    assert len(loads) == 1 and read == ["read"]


@pytest.mark.parametrize("spoil", ["not json", "another course", "wrong shapes", "judges"])
def test_a_spoilt_record_is_ignored_and_replaced(
    make_course: MakeCourse, loads: list[Path], spoil: str
) -> None:
    root = make_course()
    assert check(root).exit_code == 0
    [path] = records()
    record = json.loads(path.read_text(encoding="utf-8"))
    if spoil == "not json":
        path.write_text("{", encoding="utf-8")
    elif spoil == "another course":
        path.write_text(json.dumps({**record, "course": "/elsewhere"}), encoding="utf-8")
    elif spoil == "wrong shapes":
        path.write_text(json.dumps({**record, "inputs": {"a": 1}, "judges": 3}), encoding="utf-8")
    else:
        path.write_text(json.dumps({**record, "judges": [3]}), encoding="utf-8")
    assert check(root).exit_code == 0
    assert len(loads) == 2
    assert json.loads(path.read_text(encoding="utf-8")) == record
    assert check(root).exit_code == 0
    assert len(loads) == 2


def test_no_usable_cache_folder_only_means_loading(
    make_course: MakeCourse, loads: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # its "coursec" folder cannot be made
    root = make_course()
    assert check(root).exit_code == 0
    assert check(root).exit_code == 0
    assert len(loads) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file", "course"]


def test_no_home_folder_only_means_loading(
    make_course: MakeCourse, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home(_path: Path) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "expanduser", no_home)
    root = make_course()
    assert check(root).exit_code == 0
    assert check(root).exit_code == 0
    assert len(loads) == 2


PROBE = """
import sys
from coursec.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="coursec")
except SystemExit:
    pass
print("LOADED=" + ",".join(
    m for m in ("pydantic", "yaml", "coursec.loading", "importlib.metadata") if m in sys.modules
))
"""


def test_a_recheck_imports_neither_the_schema_nor_distribution_metadata(
    make_course: MakeCourse,
) -> None:
    root = make_course()
    time.sleep(2.1)  # its files older than the racy margin (the subprocess has no stub)

    def loaded() -> tuple[str, str]:
        run = subprocess.run(
            [sys.executable, "-c", PROBE, "check", str(root)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        return run.stdout.strip(), run.stderr.strip()

    first = loaded()
    assert "pydantic" in first[0] and "coursec.loading" in first[0]
    assert first[1].endswith(f"warning(s)\n{root}: ok")
    assert loaded() == ("LOADED=", first[1])
