"""`coursec preview` as a designer runs it: the terminal shows each build and a broken save's
diagnostics, the server listens on 127.0.0.1 only, and Ctrl-C stops it cleanly, leaving no
temporary folder behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursec.cli import cli
from support.terminal import coursec_command


@pytest.mark.slow
def test_terminal_diagnostics_and_a_clean_ctrl_c(tmp_path: Path) -> None:
    course = tmp_path / "course"
    assert CliRunner().invoke(cli, ["new", str(course)]).exit_code == 0
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        coursec_command("preview", "course", "--port", "0"),
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temp)},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        lines: list[str] = []

        def until(pattern: str) -> re.Match[str]:
            while True:
                line = process.stderr.readline()  # type: ignore[union-attr]
                assert line, f"coursec preview ended early:\n{''.join(lines)}"
                lines.append(line)
                found = re.search(pattern, line)
                if found:
                    return found

        url = until(r"serving (http://\S+)").group(1)
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "getting-started.html", timeout=10) as response:
            assert b"/__coursec__/preview.js" in response.read()
        [made] = temp.iterdir()
        assert made.name.startswith("coursec-preview-")

        module = course / "modules" / "01-getting-started.md"
        text = module.read_text(encoding="utf-8")
        module.write_text(text.replace("title: Getting", "titel: Getting", 1), encoding="utf-8")
        until(r'course/modules/01-getting-started\.md:3:1: error\[CS202\]: unknown field "titel"')
        until(r"errors: the page shows them")
        module.write_text(text, encoding="utf-8")
        until(r"modules/01-getting-started\.md changed: built in")
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=30)
    assert process.returncode == 0, rest
    assert "stopped" in rest and "Traceback" not in rest
    assert list(temp.iterdir()) == []
