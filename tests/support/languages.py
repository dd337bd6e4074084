"""A small test course in any language (tests/data/multilingual), and the English words of
coursec's interface that a page in another language must not show."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from coursec.i18n import read_catalog

DATA = Path(__file__).resolve().parents[1] / "data" / "multilingual"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


def course_in(tmp_path: Path, language: str, modules: list[str]) -> Path:
    """The test course in one language, with only `modules` (no module of its own language)."""
    course = tmp_path / "multilingual"
    shutil.copytree(DATA, course)
    text = (course / "course.yml").read_text(encoding="utf-8")
    listed = "".join(f"  - modules/{m}.md\n" for m in modules)
    text = re.sub(r"modules:\n(  - .*\n)+", "modules:\n" + listed, text)
    (course / "course.yml").write_text(text + f"language: {language}\n", encoding="utf-8")
    return course


def english_fragments(locale: str) -> list[tuple[str, str]]:
    """(message, fragment): the English words of each message a catalog words differently,
    cut at placeholders, leaving out words the language's own messages also use."""
    english, translated = read_catalog("en"), read_catalog(locale)
    assert english is not None and translated is not None
    own = " ".join(
        s
        for m in translated
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    )
    out = []
    for message in english:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        for source in sources:
            for fragment in PLACEHOLDER.split(source):
                fragment = fragment.strip(" .:·()")
                if (
                    len(fragment) >= 4
                    and re.search("[A-Za-z]{3}", fragment)
                    and fragment not in own
                ):
                    out.append((source, fragment))
    return out
