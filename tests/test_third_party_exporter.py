"""A third-party exporter with options of its own, installed with pip as its author publishes it
(tests/plugins/coursec-wordcount): coursec finds it through its entry point, validates its
options from course.yml with positions and from `--set`, and lists them in its JSON Schema."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COURSE_YML, REPO, MakeCourse

pytestmark = pytest.mark.slow
PLUGIN = REPO / "tests" / "plugins" / "coursec-wordcount"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the plugin is pip-installed into (its own dependencies are already here)."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def coursec(site: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "coursec", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_it_is_listed_and_builds_with_its_options(
    site: Path, make_course: MakeCourse, tmp_path: Path
) -> None:
    assert "wordcount" in coursec(site, "formats").stdout
    course = make_course(course=COURSE_YML + "wordcount:\n  min_words: 1000\n")
    out = tmp_path / "out"

    built = coursec(site, "build", str(course), "--format", "html,wordcount", "--out", str(out))

    assert built.returncode == 0, built.stderr
    rows = list(csv.reader((out / "wordcount.csv").read_text().splitlines()))
    assert rows[0] == ["module", "words", "short"]
    assert rows[1][0] == "one" and int(rows[1][1]) > 5 and rows[1][2] == "True"

    again = coursec(
        site,
        "build",
        str(course),
        "--format",
        "wordcount",
        "--out",
        str(out),
        "--set",
        "wordcount.min_words=0",
        "--set",
        "wordcount.filename=words.csv",
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["words.csv"]
    assert (out / "words.csv").read_text().splitlines()[1].endswith(",False")


def test_its_options_are_checked_where_they_are_written(
    site: Path, make_course: MakeCourse, tmp_path: Path
) -> None:
    course = make_course(course=COURSE_YML + "wordcount:\n  min_wrods: 10\n  filename: x.txt\n")

    checked = coursec(site, "check", str(course))
    assert checked.returncode == 1
    lines = [line for line in checked.stderr.splitlines() if "error[" in line]
    assert any(
        line.endswith('course.yml:13:3: error[CS202]: unknown field "min_wrods" in wordcount')
        for line in lines
    ), checked.stderr
    assert 'hint: did you mean "min_words"?' in checked.stderr
    assert any(
        line.endswith(
            'course.yml:14:13: error[CS205]: wordcount.filename: the text "x.txt" '
            "does not have the form this field needs"
        )
        for line in lines
    ), checked.stderr
    (course / "course.yml").write_text(COURSE_YML)  # options now fine in course.yml
    wrong_set = coursec(
        site,
        "build",
        str(course),
        "--format",
        "wordcount",
        "--out",
        str(tmp_path / "o"),
        "--set",
        "wordcount.min_words=-1",
    )
    assert wrong_set.returncode == 1
    assert "error[CS206]: --set wordcount.min_words=-1: " in wrong_set.stderr


def test_its_options_are_in_the_json_schema_and_unknown_without_it(
    site: Path, make_course: MakeCourse
) -> None:
    schema = json.loads(coursec(site, "schema", "course").stdout)
    assert schema["properties"]["wordcount"]["properties"]["min_words"]["minimum"] == 0

    course = make_course(course=COURSE_YML + "wordcount:\n  min_words: 10\n")
    without = coursec(None, "check", str(course))
    assert without.returncode == 1
    assert 'unknown field "wordcount"' in without.stderr  # not installed: not an option block
