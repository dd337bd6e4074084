"""Characters the PDF cannot draw: text no installed font has a glyph for would print as empty
boxes ("tofu"), so each is a warning (CS704) at the first place a source file writes it.

WeasyPrint finds a glyph missing from the stylesheet's fonts in any font fontconfig knows, so the
characters that can be drawn are those of every installed font: `fc-list` (fontconfig's own
tool, installed with it) lists each font's character set as hexadecimal ranges. Checked: the
text of course.yml and of each module file in the handout, and the interface text of the
languages it is in.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span

_IGNORED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
_VARIATION_SELECTORS = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


@cache
def installed_coverage() -> frozenset[int] | None:
    """Every code point some installed font has a glyph for; None when fontconfig's `fc-list`
    cannot be run."""
    tool = shutil.which("fc-list")
    if tool is None:
        return None
    try:
        listed = subprocess.run(
            [tool, "--format", "%{charset}\\n"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(code_points(listed.split()))


def code_points(ranges: Iterable[str]) -> set[int]:
    """The code points of fontconfig's hexadecimal ranges ("20-7e", "a0"). Fonts share most of
    their ranges: each is read once and added as a whole (`fc-list` here lists 38,000 ranges,
    6,000 of them distinct, for 18,500 code points; one by one they took 0.13 s a build)."""
    covered: set[int] = set()
    for item in set(ranges):
        first, _, last = item.partition("-")
        try:
            start, end = int(first, 16), int(last or first, 16)
        except ValueError:
            continue
        covered.update(range(start, end + 1))
    return covered


def drawable(char: str, coverage: frozenset[int]) -> bool:
    """A character prints: a font has it, or it is not drawn at all (spaces, controls,
    direction marks, variation selectors)."""
    code = ord(char)
    if code in coverage or code in _VARIATION_SELECTORS:
        return True
    return unicodedata.category(char) in _IGNORED_CATEGORIES


def missing_glyphs(files: Iterable[Path], texts: Iterable[tuple[str, Span]]) -> list[Diagnostic]:
    """CS704 for each character no installed font draws: at its first line and column in each
    of `files`, or at the span given with a text (the interface text of a language)."""
    coverage = installed_coverage()
    if coverage is None:
        return [
            Diagnostic(
                Severity.WARNING,
                Code.CS704,
                "PDF: cannot tell which characters the installed fonts draw (fontconfig's "
                "fc-list is not available)",
                None,
                "install fontconfig (Debian: apt-get install fontconfig)",
            )
        ]
    out: list[Diagnostic] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            continue  # loading reported it
        # each character once; only a file with one that does not print is looked through
        missing = {char for char in set(text) if not drawable(char, coverage)}
        for number, line in enumerate(text.splitlines() if missing else (), start=1):
            for column, char in enumerate(line, start=1):
                if char in missing:
                    missing.discard(char)
                    out.append(_missing(char, Span(path, number, column)))
    for text, span in texts:
        for char in dict.fromkeys(text):
            if not drawable(char, coverage):
                out.append(_missing(char, span))
    return out


def _missing(char: str, span: Span) -> Diagnostic:
    name = unicodedata.name(char, "unnamed character")
    return Diagnostic(
        Severity.WARNING,
        Code.CS704,
        f"PDF: no installed font has a glyph for {char!r} (U+{ord(char):04X} {name}); it would "
        "print as an empty box",
        span,
        "install a font that covers this script (e.g. Debian fonts-noto-core, fonts-noto-cjk)",
    )
