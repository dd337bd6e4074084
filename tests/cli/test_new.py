"""`coursec new`: a skeleton that checks clean with --strict, builds in every format, and never
writes into a folder holding something without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursec.build import build
from coursec.cli import cli
from coursec.diagnostics import promote_warnings
from coursec.loading import load_course
from coursec.options import BuildOptions


def new(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["new", *args])
    return result.exit_code, result.output


def test_the_skeleton_checks_clean_with_strict(tmp_path: Path) -> None:
    folder = tmp_path / "Intro to Widgets"
    code, output = new(str(folder), "--language", "pt-BR")
    assert code == 0, output
    loaded = load_course(folder)
    assert promote_warnings(loaded.diagnostics) == []
    assert loaded.course is not None
    assert (loaded.course.id, loaded.course.spec.title, loaded.course.spec.language) == (
        "intro-to-widgets",
        "Intro to widgets",
        "pt-BR",
    )
    statuses = [m.spec.status.value for m in loaded.course.modules]
    assert statuses == ["published", "coming-soon"]
    [published] = loaded.course.published_modules
    assert (
        published.spec.quiz is not None and published.spec.key_terms and published.spec.objectives
    )
    body = published.path.read_text(encoding="utf-8")
    assert "::: tip" in body and "::: warning" in body


def test_options_and_editor_files(tmp_path: Path) -> None:
    code, output = new(str(tmp_path / "c"), "--title", 'Risk: "a" primer', "--id", "risk-101")
    assert code == 0, output
    course_yml = (tmp_path / "c" / "course.yml").read_text(encoding="utf-8")
    assert course_yml.startswith("# yaml-language-server: $schema=./course.schema.json\n")
    loaded = load_course(tmp_path / "c")
    assert loaded.course is not None
    assert (loaded.course.id, loaded.course.spec.title) == ("risk-101", 'Risk: "a" primer')
    settings = json.loads((tmp_path / "c" / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"] == {"./course.schema.json": "course.yml"}
    schema = CliRunner().invoke(cli, ["schema", "course"]).output
    assert json.loads((tmp_path / "c" / "course.schema.json").read_text()) == json.loads(schema)
    assert (tmp_path / "c" / ".gitignore").read_text().split() == ["dist/"]


def test_a_folder_with_files_needs_force(tmp_path: Path) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("mine", encoding="utf-8")
    code, output = new(str(tmp_path))
    assert code == 1
    assert "error[CS801]" in output and "--force" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    code, output = new(str(tmp_path), "--force")
    assert code == 0, output
    assert mine.read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "course.yml").is_file()


@pytest.mark.parametrize(
    ("option", "value"), [("--id", "Bad Id"), ("--language", "english!"), ("--id", "-x")]
)
def test_bad_options_are_usage_errors(tmp_path: Path, option: str, value: str) -> None:
    code, output = new(str(tmp_path / "c"), option, value)
    assert code == 2
    assert option in output
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
@pytest.mark.pdf
def test_the_skeleton_builds_in_every_format(tmp_path: Path) -> None:
    code, output = new(str(tmp_path / "course"))
    assert code == 0, output
    result = build(tmp_path / "course", BuildOptions(out_dir=tmp_path / "out", strict=True, jobs=1))
    assert result.ok, result.diagnostics
    assert sorted(a.exporter for a in result.artifacts) == ["html", "pdf", "scorm12", "scorm2004"]


def test_the_skeleton_builds_as_cmi5_and_cartridge_with_strict(tmp_path: Path) -> None:
    """The formats beyond the default ones too: a skeleton question the cartridge must leave
    out (CS530) would fail a strict build of the designer's first course."""
    code, output = new(str(tmp_path / "course"))
    assert code == 0, output
    options = BuildOptions(formats=("cmi5", "imscc"), out_dir=tmp_path / "out", strict=True, jobs=1)
    result = build(tmp_path / "course", options)
    assert result.ok, result.diagnostics
    assert result.diagnostics == []
    assert sorted(a.exporter for a in result.artifacts) == ["cmi5", "imscc"]
