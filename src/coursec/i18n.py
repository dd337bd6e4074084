"""The interface language: the words coursec itself writes (headings, buttons, instructions,
runtime messages), from gettext catalogs handled with Babel, in the language of the page.

Catalogs are package data, `coursec/locale/<locale>/LC_MESSAGES/coursec.po`, read with Babel's
`read_po` and compiled in memory with `write_mo` the first time a build needs one: an editable
install and an installed wheel read the same file, with no build step to forget. The messages
are extracted from the sources into `coursec/locale/coursec.pot` (see docs/format.md,
"Interface language").

A language tag picks a catalog through a fallback chain: `pt-BR` → `pt_BR`, then `pt`, then
English (`Interface.fell_back` says it fell back). A course may override any message in
`course.yml` (`interface:`, checked by `coursec.interface_check`).

Messages use named placeholders (`%(count)s`), filled after translation. A plural message's
count is `num`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel import Locale
    from babel.messages.catalog import Catalog
    from babel.support import Translations

    from coursec.model import Course, Module

SOURCE_LANGUAGE = "en"
DOMAIN = "coursec"
SHIPPED = ("en", "fr", "de", "es", "pt_BR", "ja", "ar")
"""The locales coursec ships a complete catalog for."""

Override = str | tuple[str, ...]


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a count for extraction; it is translated where it is shown."""
    return singular, plural


def _locale_dir() -> Any:
    return files("coursec") / "locale"


def catalog_path(locale: str) -> Any:
    return _locale_dir() / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def read_catalog(locale: str) -> Catalog | None:
    """The shipped catalog of a locale (`pt_BR`), or None when coursec has none."""
    path = catalog_path(locale)
    if not path.is_file():
        return None
    from babel.messages.pofile import read_po  # Babel only once a catalog is read

    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


@cache
def _translations(locale: str) -> Translations | None:
    catalog = read_catalog(locale)
    if catalog is None:
        return None
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def candidates(tag: str) -> list[str]:
    """The locales a BCP 47 tag may use, most specific first: `pt-BR` → `pt_BR`, `pt`."""
    parts = tag.replace("_", "-").split("-")
    out = []
    for n in range(len(parts), 0, -1):
        head = [parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:n])]
        out.append("_".join(head))
    return out


@cache
def catalog_locale(tag: str) -> str | None:
    """The shipped locale a language tag's messages come from, or None: English source text."""
    return next((c for c in candidates(tag) if catalog_path(c).is_file()), None)


@cache
def text_direction(tag: str) -> str:
    """ "rtl" or "ltr": the writing direction of a language (from CLDR, through Babel)."""
    from babel import Locale, UnknownLocaleError

    for candidate in candidates(tag):
        try:
            return "rtl" if Locale.parse(candidate).text_direction == "rtl" else "ltr"
        except (UnknownLocaleError, ValueError):
            continue
    return "ltr"


@cache
def babel_locale(tag: str) -> Locale:
    """The Babel locale whose number and date formats a tag uses (English if none fits)."""
    from babel import Locale, UnknownLocaleError

    for candidate in candidates(tag):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(SOURCE_LANGUAGE)


@dataclass(frozen=True)
class Interface:
    """The interface in one language, with the course's own wording where it gives one."""

    tag: str  # the BCP 47 tag pages carry, e.g. "pt-BR"
    overrides: Mapping[str, Override] = field(default_factory=dict)

    @property
    def locale(self) -> str | None:
        return catalog_locale(self.tag)

    @property
    def fell_back(self) -> bool:
        """The language is not English but its messages are (no catalog on the chain)."""
        return candidates(self.tag)[-1] != SOURCE_LANGUAGE and self.locale is None

    @property
    def dir(self) -> str:
        return text_direction(self.tag)

    def _catalog(self) -> Translations | None:
        return _translations(self.locale) if self.locale else None

    def gettext(self, message: str, **values: Any) -> str:
        given = self.overrides.get(message)
        if isinstance(given, str):
            text = given
        else:
            translations = self._catalog()
            text = translations.gettext(message) if translations else message
        return _fill(text, values)

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """The form of a message with a count that the count takes; `%(num)s` is the count."""
        text = self.ngettext_raw(singular, plural, num)
        return _fill(text, {"num": self.number(num), **values})

    def plural_index(self, num: int) -> int:
        """Which plural form of the language a count takes (0 for the first)."""
        translations = self._catalog()
        return int(translations.plural(num)) if translations else int(num != 1)

    def number(self, value: float) -> str:
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=babel_locale(self.tag)))

    def date(self, value: date) -> str:
        from babel.dates import format_date

        return str(format_date(value, format="long", locale=babel_locale(self.tag)))

    def runtime_text(self, messages: Mapping[str, Any]) -> dict[str, Any]:
        """Messages for a browser script, by key: a message's text, or a plural message's forms
        (`forms`) and which form each count from 0 to 199 takes (`plural`; a larger count takes
        that of 100 + count % 100, which holds for every shipped language's rule)."""
        out: dict[str, Any] = {}
        for key, message in messages.items():
            if isinstance(message, str):
                out[key] = self.gettext(message)
                continue
            singular, plural = message
            forms: dict[int, str] = {}
            for num in range(200):
                forms.setdefault(self.plural_index(num), self.ngettext_raw(singular, plural, num))
            out[key] = {"forms": [forms[i] for i in sorted(forms)]}
        out["plural"] = [self.plural_index(n) for n in range(200)]
        return out

    def ngettext_raw(self, singular: str, plural: str, num: int) -> str:
        """A plural message's form for a count, placeholders left in (the script fills them)."""
        given = self.overrides.get(singular)
        if isinstance(given, tuple):
            return given[min(self.plural_index(num), len(given) - 1)]
        if isinstance(given, str):
            return given
        translations = self._catalog()
        if translations:
            return str(translations.ngettext(singular, plural, num))
        return singular if num == 1 else plural

    def catalog_text(self) -> str:
        """Every interface text of the language, run together (to check a font covers it)."""
        catalog = read_catalog(self.locale) if self.locale else None
        texts = [str(v) for v in self.overrides.values() if isinstance(v, str)]
        texts += [t for v in self.overrides.values() if isinstance(v, tuple) for t in v]
        for message in catalog or ():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [str(s) for s in strings if s]
        return "\n".join(texts)

    def runtime_json(self, messages: Mapping[str, Any]) -> str:
        """`runtime_text` as JSON safe inside `<script>`."""
        text = json.dumps(self.runtime_text(messages), ensure_ascii=False, sort_keys=True)
        return text.replace("<", "\\u003c")


def _fill(text: str, values: Mapping[str, Any]) -> str:
    return text % values if values else text


@dataclass(frozen=True)
class Interfaces:
    """A course's interface in each language it uses: its own language by default."""

    default: str
    overrides: Mapping[str, Override] = field(default_factory=dict)  # the course language's

    def get(self, tag: str | None = None) -> Interface:
        tag = tag or self.default
        own = tuple(sorted(self.overrides.items())) if tag == self.default else ()
        return _interface(tag, own)

    @property
    def course(self) -> Interface:
        return self.get()


def course_interfaces(course: Course) -> Interfaces:
    """The course's interface language and its own wording of it (course.yml `interface:`)."""
    given = course.spec.interface.items()
    return Interfaces(
        course.spec.language, {k: v if isinstance(v, str) else tuple(v) for k, v in given}
    )


def module_interface(course: Course, module: Module) -> Interface:
    """The interface in a module's own language."""
    return course_interfaces(course).get(course.language_of(module))


ENGLISH = Interface(SOURCE_LANGUAGE)


@cache
def _interface(tag: str, overrides: tuple[tuple[str, Override], ...]) -> Interface:
    return Interface(tag, dict(overrides))
