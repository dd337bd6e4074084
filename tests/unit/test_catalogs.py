"""The interface catalogs: the template is up to date with the sources, every shipped catalog
translates every message with the same placeholders, and languages find their catalog."""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from conftest import REPO
from coursec.catalogs import extract
from coursec.i18n import SHIPPED, Interface, Interfaces, read_catalog

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def ids(catalog: object) -> set[object]:
    return {m.id for m in catalog if m.id}  # type: ignore[attr-defined]


@cache
def extracted() -> set[object]:
    return ids(extract(REPO))  # the checkout, whether coursec runs from it or is installed


def test_the_template_lists_every_message_of_the_sources() -> None:
    pot = REPO / "src" / "coursec" / "locale" / "coursec.pot"
    with pot.open("rb") as handle:
        written = read_po(handle)
    assert extracted() == ids(written), "run `python -m coursec.catalogs` and translate"


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_catalog_translates_every_message(locale: str) -> None:
    catalog = read_catalog(locale)
    assert catalog is not None
    assert ids(catalog) == extracted()
    forms = get_plural(locale).num_plurals
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(texts), f"{locale}: {sources[0]!r} is not translated"
        if isinstance(message.id, tuple):
            assert len(texts) == forms, f"{locale}: {sources[0]!r} needs {forms} forms"
        allowed = {p for s in sources for p in PLACEHOLDER.findall(s)}
        for text in texts:
            assert set(PLACEHOLDER.findall(text)) <= allowed, f"{locale}: {text!r}"


@pytest.mark.parametrize(
    ("tag", "locale", "fell_back"),
    [
        ("pt-BR", "pt_BR", False),
        ("fr-CA", "fr", False),
        ("de", "de", False),
        ("en-GB", "en", False),
        ("pt-PT", None, True),  # no pt catalog: English, with a warning (CS703)
        ("sw", None, True),
    ],
)
def test_a_language_tag_finds_its_catalog_along_the_fallback_chain(
    tag: str, locale: str | None, fell_back: bool
) -> None:
    interface = Interface(tag)
    assert interface.locale == locale
    assert interface.fell_back is fell_back
    if fell_back:
        assert interface.gettext("Key terms") == "Key terms"


def test_plurals_follow_the_language() -> None:
    en, fr, ar = Interface("en"), Interface("fr"), Interface("ar")
    assert en.ngettext("%(num)s question", "%(num)s questions", 1) == "1 question"
    assert en.ngettext("%(num)s question", "%(num)s questions", 0) == "0 questions"
    assert fr.ngettext("%(num)s question", "%(num)s questions", 0) == "0 question"
    assert fr.ngettext("%(num)s question", "%(num)s questions", 2) == "2 questions"
    arabic = {n: ar.ngettext("%(num)s question", "%(num)s questions", n) for n in (1, 2, 3, 11)}
    assert arabic[1] == "سؤال واحد" and arabic[2] == "سؤالان"
    assert arabic[3] == "3 أسئلة" and arabic[11] == "11 سؤالًا"


def test_numbers_and_dates_use_the_locale_formats() -> None:
    import datetime

    assert Interface("fr").number(1234.5) == "1\u202f234,5"
    assert Interface("de").date(datetime.date(2026, 3, 1)) == "1. März 2026"


def test_the_course_wording_overrides_its_own_language_only() -> None:
    interfaces = Interfaces("fr", {"Key terms": "Lexique", "%(num)s question": ("a", "b", "c")})
    assert interfaces.course.gettext("Key terms") == "Lexique"
    assert interfaces.course.ngettext("%(num)s question", "%(num)s questions", 5) == "c"
    assert interfaces.get("de").gettext("Key terms") == "Schlüsselbegriffe"


def test_right_to_left_languages_say_so() -> None:
    assert Interface("ar").dir == "rtl"
    assert Interface("he").dir == "rtl"
    assert Interface("ja").dir == "ltr"
