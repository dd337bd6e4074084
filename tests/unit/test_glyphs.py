"""CS704: a character no installed font draws is a warning at its place in the source."""

from __future__ import annotations

from pathlib import Path

from coursec.exporters.pdf.glyphs import (
    code_points,
    drawable,
    installed_coverage,
    missing_glyphs,
)


def test_a_character_no_font_draws_is_a_warning_at_its_place(tmp_path: Path) -> None:
    coverage = installed_coverage()
    assert coverage is not None
    linear_b = "\U00010000"  # LINEAR B SYLLABLE B008 A: in no font the tests install
    assert ord(linear_b) not in coverage
    source = tmp_path / "m.md"
    source.write_text(f"Line one\nA {linear_b} and {linear_b}\n", encoding="utf-8")
    found = missing_glyphs([source], [])
    assert [(d.code, d.span.line, d.span.col) for d in found if d.span] == [("CS704", 2, 3)]
    assert "U+10000" in found[0].message


def test_spaces_marks_and_selectors_need_no_glyph() -> None:
    coverage = installed_coverage()
    assert coverage is not None
    for char in ("\u200f", "\ufe0e", "\t", "\u00a0"):
        assert drawable(char, coverage)
    assert all(drawable(c, coverage) for c in "Aé道ت")


def test_fontconfig_ranges_are_read_as_code_points() -> None:
    ranges = ["20-7e", "a0", "20-7e", "3040-3042", "not-hex", "", "10ffff"]
    assert code_points(ranges) == {*range(0x20, 0x7F), 0xA0, 0x3040, 0x3041, 0x3042, 0x10FFFF}
