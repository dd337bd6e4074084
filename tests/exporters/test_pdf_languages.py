"""The handout of a course with modules in French, Arabic and Japanese: every character has a
glyph in an embedded font, each module's structure element carries its language, and no
character goes without a font (CS704)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from coursec.build import BuildResult, build
from coursec.diagnostics import Severity
from coursec.options import BuildOptions
from support.languages import course_in, english_fragments

DATA = Path(__file__).resolve().parents[1] / "data" / "multilingual"

pytestmark = [pytest.mark.pdf, pytest.mark.slow]


@pytest.fixture(scope="module")
def handout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    out = tmp_path_factory.mktemp("multilingual-pdf")
    result = build(DATA, BuildOptions(formats=("pdf",), out_dir=out))
    assert result.ok, result.diagnostics
    return out / "multilingual.pdf", result


def shown_glyphs(pdf: pikepdf.Pdf) -> list[tuple[str, int]]:
    """(font, glyph id) of every glyph the pages show with a composite (Type0) font: WeasyPrint
    writes text as 2-byte glyph ids (Identity-H)."""
    out: list[tuple[str, int]] = []
    for page in pdf.pages:
        fonts = page.obj.Resources.get("/Font", {})
        current = None
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name == "Tf":
                current = fonts.get(str(operands[0]))
            elif name in ("Tj", "TJ") and current is not None and current.Subtype == "/Type0":
                strings = operands[0] if name == "TJ" else [operands[0]]
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        base = str(current.BaseFont)
                        out += [
                            (base, int.from_bytes(data[i : i + 2])) for i in range(0, len(data), 2)
                        ]
    return out


def test_every_character_is_drawn_with_a_glyph(handout: tuple[Path, BuildResult]) -> None:
    with pikepdf.open(handout[0]) as pdf:
        glyphs = shown_glyphs(pdf)
    assert len(glyphs) > 1000
    notdef = sorted({font for font, glyph in glyphs if glyph == 0})
    assert not notdef, f"empty boxes (.notdef) printed in {notdef}"
    fonts = {font.split("+")[-1] for font, _ in glyphs}
    assert any(f.startswith("IPAGothic") for f in fonts), fonts  # Japanese
    assert any(f.startswith("Amiri") for f in fonts), fonts  # Arabic


def test_the_japanese_and_arabic_text_is_in_the_pdf(handout: tuple[Path, BuildResult]) -> None:
    text = "".join(page.extract_text() or "" for page in PdfReader(handout[0]).pages)
    japanese = (DATA / "modules" / "delta.md").read_text(encoding="utf-8").split("---")[-1]
    wanted = {
        c for c in japanese if unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA"))
    }
    assert wanted and wanted <= set(text)
    arabic = {c for c in "التقارب الأداتي" if not c.isspace()}
    shaped = {unicodedata.normalize("NFKC", c) for c in text}
    assert arabic <= shaped


def test_each_module_says_its_language(handout: tuple[Path, BuildResult]) -> None:
    with pikepdf.open(handout[0]) as pdf:
        assert str(pdf.Root.Lang) == "en"
        document = pdf.Root.StructTreeRoot.K[0]
        langs = [
            str(kid.Lang)
            for kid in document.K
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/Art" and "/Lang" in kid
        ]
    assert langs == ["fr", "ar", "ja"]


def test_no_character_lacks_a_font(handout: tuple[Path, BuildResult]) -> None:
    codes = [d.code for d in handout[1].diagnostics if d.severity is Severity.WARNING]
    assert "CS704" not in codes


def test_a_french_handout_has_no_english_interface_text(tmp_path: Path) -> None:
    course = course_in(tmp_path, "fr", ["alpha"])
    result = build(course, BuildOptions(formats=("pdf",), out_dir=tmp_path / "dist"))
    assert result.ok, result.diagnostics
    reader = PdfReader(tmp_path / "dist" / "multilingual.pdf")
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Notions clés" in text
    assert re.search(r"Page \d+ sur \d+", text)
    left = sorted(
        {
            f"{fragment!r} (of {message!r})"
            for message, fragment in english_fragments("fr")
            if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text)
        }
    )
    assert not left, "\n".join(left)
