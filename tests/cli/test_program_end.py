"""`coursec` (`cli.main`) ends its process without tearing the interpreter down, once its
output is flushed and with the command's exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_PROBE = """
import atexit, sys
atexit.register(lambda: print("interpreter torn down", file=sys.stderr))
from coursec.cli import main
sys.argv = ["coursec", *sys.argv[1:]]
main()
print("main returned", file=sys.stderr)
"""


def _coursec(*args: str) -> subprocess.CompletedProcess[str]:
    """`coursec ARGS`, with its output going to pipes (block-buffered: flushed, or lost)."""
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )


def test_output_is_flushed_and_the_interpreter_not_torn_down() -> None:
    done = _coursec("formats")
    assert done.returncode == 0
    assert "pdf" in done.stdout and "scorm2004" in done.stdout
    assert "interpreter torn down" not in done.stderr
    assert "main returned" not in done.stderr


def test_the_exit_code_is_the_commands(tmp_path: Path) -> None:
    (tmp_path / "course.yml").write_text("id: demo\n")  # no title, no modules
    failed = _coursec("check", str(tmp_path))
    assert failed.returncode == 1
    assert "course.yml" in failed.stderr + failed.stdout
    unknown = _coursec("no-such-command")
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
