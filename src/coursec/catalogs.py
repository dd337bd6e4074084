"""The interface messages, extracted from coursec's sources with Babel, for translators.

`python -m coursec.catalogs` (from a source checkout) writes `src/coursec/locale/coursec.pot`
from every message marked in the Python sources (`_`-free: `N_`, `N_plural`, `gettext`,
`ngettext` calls of an `Interface`) and the templates (`_()`, `ngettext()`), and merges it into
each shipped `.po` (new messages come in untranslated, gone ones are dropped). Translate the
new entries of each `.po`; `tests/unit/test_catalogs.py` fails while the template is out of
date or a catalog misses a translation. The browser scripts take their messages from the page
(coursec.quiz.QUIZ_MESSAGES, coursec.site.RUNTIME_MESSAGES), so they hold none of their own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from coursec.i18n import DOMAIN, SHIPPED

KEYWORDS = {
    "N_": None,
    "N_plural": (1, 2),
    "gettext": None,
    "ngettext": (1, 2),
    "_": None,
}
"""Marker and function names whose string arguments are messages (Babel keyword specs)."""

METHODS = [
    ("**.py", "python"),
    ("**.j2", "jinja2.ext:babel_extract"),
]
OPTIONS = {"**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}}


def source_root() -> Path:
    """The source checkout this module is in (src/coursec/catalogs.py → the checkout)."""
    return Path(__file__).resolve().parents[2]


def extract(root: Path | None = None) -> Catalog:
    """Every message of the sources, with the files and lines that use it."""
    root = root or source_root()
    catalog = Catalog(project="coursec", domain=DOMAIN, fuzzy=False)
    for folder in ("src/coursec", "exporters", "templates"):
        found = extract_from_dir(
            root / folder,
            METHODS,
            OPTIONS,
            KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            where = (f"{folder}/{filename}", lineno)
            catalog.add(message, None, [where], auto_comments=comments, context=context)
    return catalog


def write(root: Path | None = None) -> None:
    """Write the template and merge it into every shipped catalog."""
    root = root or source_root()
    locale_dir = root / "src" / "coursec" / "locale"
    template = extract(root)
    with (locale_dir / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, width=100)
    for locale in SHIPPED:
        path = locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.is_file():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
