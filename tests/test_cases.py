"""The golden corpus: each folder of tests/cases is a small course with the exact output of
`coursec check .` in it (`expected.txt`) and, when it is not 1, the exit status (`exit`).

A case may hold an `args` file (one argument per line, e.g. `build` `.` `--out` `out`) to run
another command. Each case runs in a copy of its folder, so a build writes nothing into tests/.
`COURSEC_UPDATE_CASES=1 python -m pytest tests/test_cases.py` rewrites every `expected.txt`
from what coursec prints now: review the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import REPO
from coursec.cli import cli
from coursec.codes import Code

CASES_DIR = REPO / "tests" / "cases"
FORMAT_DOC = REPO / "docs" / "format.md"
EXAMPLES_START = "<!-- examples: from tests/cases; COURSEC_UPDATE_CASES=1 rewrites them -->"
EXAMPLES_END = "<!-- end of examples -->"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
UPDATE = os.environ.get("COURSEC_UPDATE_CASES") == "1"

# Codes no small course folder can provoke: they need a broken machine, a bug in coursec or
# a large input; other tests cover those they can.
NEEDS_THE_ENVIRONMENT = {
    Code.CS109: "needs a source file over 2 MiB (tests/test_hostile_input.py)",
    Code.CS501: "needs a plugin that fails (tests/unit/test_exporter_failure.py)",
    Code.CS502: "needs thousands of sections in one SCO: tests/exporters/test_scorm.py",
    Code.CS505: "needs WeasyPrint (slow tier): tests/exporters cover it",
    Code.CS506: "needs WeasyPrint (slow tier): tests/exporters cover it",
    Code.CS604: "needs two builds at once",
    Code.CS610: "needs a folder the test may not write (tests run as root too)",
    Code.CS611: "needs a read-only file system",
    Code.CS612: "needs a full disk",
    Code.CS613: "needs a file-size limit (ulimit -f)",
    Code.CS616: "needs an I/O error",
    Code.CS726: "needs a translate merge --out outside the course (tests/cli/test_translate.py)",
    Code.CS901: "needs a broken exporter plugin installed",
    Code.CS902: "needs a bug in coursec",
}

# Pydantic's and PyYAML's own phrasing: none of it may reach an author.
FOREIGN_WORDING = re.compile(
    r"Input should|should be a valid|should have at (most|least)|Field required|"
    r"Extra inputs|Value error|Keys should be|<unicode string>|found character|"
    r"did not find expected|could not find expected|while (scanning|parsing)|"
    r"mapping values are not allowed|found undefined|expected <block end>|\bloc\b|"
    r"validation error|pydantic|\[\d+\]"
)


TIMES = re.compile(r"\b\d+\.\d\ds\b")  # a build's timings


HANG_SECONDS = 60  # a case takes well under a second: longer is a hang


def _hang(_signum: int, _frame: object) -> None:
    raise TimeoutError(f"coursec ran for more than {HANG_SECONDS} s: it hangs")


def run_case(case: Path, workdir: Path) -> tuple[str, int]:
    """(plain output, exit status) of the case's command, run in a copy of the case."""
    copy = workdir / case.name
    shutil.copytree(case, copy, symlinks=True, ignore=shutil.ignore_patterns("expected.txt"))
    args_file = case / "args"
    args = args_file.read_text(encoding="utf-8").split("\n") if args_file.exists() else []
    args = [a for a in args if a] or ["check", "."]
    cwd = Path.cwd()
    os.chdir(copy)
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_SECONDS)
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
    output = result.output.replace(str(copy), "<case>").replace(str(workdir), "<case>/..")
    return TIMES.sub("0.00s", output), result.exit_code


def _param(case: Path) -> Any:
    """A case whose `args` builds the PDF lays it out with WeasyPrint: the `pdf` tier."""
    args = (case / "args").read_text(encoding="utf-8").split() if (case / "args").exists() else []
    formats = args[args.index("--format") + 1] if "--format" in args else "pdf"
    lays_out = "build" in args and "pdf" in formats.split(",")
    return pytest.param(case, id=case.name, marks=[pytest.mark.pdf] if lays_out else [])


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Path, tmp_path: Path) -> None:
    output, status = run_case(case, tmp_path)
    expected_file = case / "expected.txt"
    if UPDATE:
        expected_file.write_text(output, encoding="utf-8")
    exit_file = case / "exit"
    expected_status = int(exit_file.read_text()) if exit_file.exists() else 1
    assert "Traceback" not in output
    assert "CS902" not in output, output
    assert output == expected_file.read_text(encoding="utf-8")
    assert status == expected_status, output


def test_every_code_has_a_case() -> None:
    shown = set()
    for case in CASES:
        expected = (case / "expected.txt").read_text(encoding="utf-8")
        shown |= set(re.findall(r"\[(CS\d{3})\]", expected))
    missing = [code for code in Code if code not in shown and code not in NEEDS_THE_ENVIRONMENT]
    assert missing == []
    assert [code for code in NEEDS_THE_ENVIRONMENT if code in shown] == []  # has a case now


def test_case_names_say_their_code() -> None:
    """A case named after a code shows that code."""
    wrong = []
    for case in CASES:
        code = case.name.split("-")[0].upper()
        expected = (case / "expected.txt").read_text(encoding="utf-8")
        if re.fullmatch(r"CS\d{3}", code) and f"[{code}]" not in expected:
            wrong.append(case.name)
    assert wrong == []


def test_no_foreign_wording() -> None:
    """No message or hint in the corpus is in pydantic's or PyYAML's words."""
    leaks = {}
    for case in CASES:
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
            if FOREIGN_WORDING.search(line):
                leaks[case.name] = line
    assert leaks == {}


def example(code: Code) -> str:
    """The first diagnostic with `code` (and its hint) in the shortest-named case named after
    it, else in any case, as a Markdown paragraph and code block."""
    named = sorted(
        (c for c in CASES if c.name.startswith(f"{code.lower()}-")), key=lambda c: len(c.name)
    )
    for case in [*named, *CASES]:
        lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if f"[{code}]" in line:
                shown = [line, *[h for h in lines[index + 1 : index + 2] if h.startswith("  ")]]
                block = "\n".join(["```text", *shown, "```"])
                return f"**{code}** {code.summary} (`tests/cases/{case.name}`):\n\n{block}"
    return f"**{code}** {code.summary}: no case; it {NEEDS_THE_ENVIRONMENT[code]}."


def examples_section() -> str:
    return "\n\n".join([EXAMPLES_START, *(example(code) for code in Code), EXAMPLES_END])


def test_format_reference_shows_an_example_of_every_code() -> None:
    """docs/format.md's examples are the corpus's own output, one per code."""
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    start, end = doc.index(EXAMPLES_START), doc.index(EXAMPLES_END) + len(EXAMPLES_END)
    if UPDATE:
        doc = doc[:start] + examples_section() + doc[end:]
        FORMAT_DOC.write_text(doc, encoding="utf-8")
    assert doc[start : doc.index(EXAMPLES_END) + len(EXAMPLES_END)] == examples_section()
