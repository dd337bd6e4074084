"""`coursec translate extract` and `coursec translate merge` from the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import REFERENCE_COURSE
from coursec.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _translated(xlf: Path, body_line: str) -> None:
    """Translate every unit as itself, and one paragraph into `body_line` (no codes)."""
    text = xlf.read_text(encoding="utf-8")
    text = re.sub(
        r'<segment state="initial">(\s*)<source>(.*?)</source>',
        lambda m: (
            f'<segment state="translated">{m.group(1)}<source>{m.group(2)}</source>'
            f"{m.group(1)}<target>{m.group(2)}</target>"
        ),
        text,
        flags=re.S,
    )
    text = re.sub(
        r"(<source>As AI systems become more capable.*?</source>\s*<target>).*?(</target>)",
        lambda m: m.group(1) + body_line + m.group(2),
        text,
        count=1,
        flags=re.S,
    )
    xlf.write_text(text, encoding="utf-8")


def test_extract_then_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    extracted = run("translate", "extract", str(REFERENCE_COURSE), "--to", "fr")
    assert extracted.exit_code == 0, extracted.output
    xlf = tmp_path / "agai-302.fr.xlf"
    assert "wrote agai-302.fr.xlf: 158 unit(s)" in extracted.stderr
    _translated(xlf, "Les systèmes d'IA deviennent plus capables.")
    merged = run("translate", "merge", str(REFERENCE_COURSE), str(xlf), "--out", "agai-fr")
    assert merged.exit_code == 0, merged.output
    assert "158 text(s) translated, 0 left in the source language" in merged.stderr
    module = (tmp_path / "agai-fr/modules/01-instrumental-convergence.md").read_text("utf-8")
    assert "\nLes systèmes d'IA deviennent plus capables.\n" in module
    checked = run("check", "agai-fr")
    assert checked.exit_code == 0, checked.output
    again = run("translate", "extract", str(REFERENCE_COURSE), "--to", "fr", "--update", str(xlf))
    assert again.exit_code == 0 and "158 carried over, 0 to redo" in again.stderr


def test_merge_refuses_a_course_that_would_not_pass_check(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    assert (
        run(
            "translate", "extract", str(REFERENCE_COURSE), "--to", "fr", "--out", str(xlf)
        ).exit_code
        == 0
    )
    _translated(xlf, "::: caution\nUn encadré qui ne se ferme jamais")
    merged = run(
        "translate", "merge", str(REFERENCE_COURSE), str(xlf), "--out", str(tmp_path / "o")
    )
    assert merged.exit_code == 1
    assert "error[CS726]: the translated course does not pass `coursec check`" in merged.stderr
    assert re.search(
        r"o/modules/01-instrumental-convergence\.md:\d+:\d+: error\[CS40[57]\]", merged.stderr
    )
    assert not (tmp_path / "o").exists()


def test_merge_never_writes_inside_the_course(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    run("translate", "extract", str(REFERENCE_COURSE), "--to", "fr", "--out", str(xlf))
    merged = run(
        "translate", "merge", str(REFERENCE_COURSE), str(xlf), "--out", str(REFERENCE_COURSE / "fr")
    )
    assert merged.exit_code == 1 and "error[CS603]" in merged.stderr
    assert not (REFERENCE_COURSE / "fr").exists()


def test_a_language_that_is_no_tag_is_a_usage_error(tmp_path: Path) -> None:
    result = run(
        "translate",
        "extract",
        str(REFERENCE_COURSE),
        "--to",
        "french!",
        "--out",
        str(tmp_path / "x.xlf"),
    )
    assert result.exit_code == 1 and "error[CS205]" in result.stderr
    assert not (tmp_path / "x.xlf").exists()


def test_extract_into_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    """`--out translations/fr/x.xlf` makes its folders, as `build --out` does; it used to stop
    with a system error naming a temporary file and telling to "build again"."""
    out = tmp_path / "translations" / "fr" / "agai.xlf"
    result = run("translate", "extract", str(REFERENCE_COURSE), "--to", "fr", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and ".tmp" not in result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["agai.xlf"]


def test_extract_where_a_folder_would_be_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("mine", encoding="utf-8")
    out = tmp_path / "notes" / "agai.xlf"
    result = CliRunner().invoke(
        cli, ["translate", "extract", str(REFERENCE_COURSE), "--to", "fr", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "error[CS615]" in result.output and ".tmp" not in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "notes").read_text(encoding="utf-8") == "mine"
