"""Checks of a course's interface language: its own wording of coursec's messages (course.yml
`interface:`), and languages coursec has no catalog for.

An `interface:` key is one of coursec's English messages (`coursec/locale/coursec.pot`); its
value keeps the message's placeholders (`%(num)s`), and a message with a count takes one text
or a list of the course language's plural forms. A language with no catalog on its fallback
chain (`pt-BR` → `pt`) gets English interface text, with a warning.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, DiagnosticSink, Span
from coursec.i18n import SHIPPED, SOURCE_LANGUAGE, Interface, catalog_locale, read_catalog
from coursec.model import Module
from coursec.schema import CourseSpec
from coursec.sourcemap import SourceMap

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def english_messages() -> dict[str, tuple[str, ...]]:
    """Each English message by its id (a plural message by its singular): its forms."""
    catalog = read_catalog(SOURCE_LANGUAGE)
    out: dict[str, tuple[str, ...]] = {}
    for message in catalog or ():
        if message.id:
            forms = tuple(message.id) if isinstance(message.id, tuple) else (str(message.id),)
            out[str(forms[0])] = tuple(str(f) for f in forms)
    return out


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check_interface(spec: CourseSpec, smap: SourceMap) -> list[Diagnostic]:
    """The course's `interface:` wording and its language's catalog."""
    sink = DiagnosticSink()
    known = english_messages() if spec.interface else {}  # reading the catalog costs
    for key, given in spec.interface.items():
        where = smap.key(("interface", key))
        forms = known.get(key)
        if forms is None:
            near = difflib.get_close_matches(key, list(known), n=1)
            hint = f'did you mean "{near[0]}"?' if near else "see coursec/locale/coursec.pot"
            sink.error(
                Code.CS701, f'"{key}" is not one of coursec\'s interface messages', where, hint
            )
            continue
        texts = [given] if isinstance(given, str) else list(given)
        if len(forms) == 1 and not isinstance(given, str):
            sink.error(Code.CS702, f'"{key}" has no count: give one text, not a list', where, None)
            continue
        if len(forms) == 2 and not isinstance(given, str):
            wanted = _plural_count(spec.language)
            if len(texts) != wanted:
                sink.error(
                    Code.CS702,
                    f'"{key}" needs {wanted} plural forms in "{spec.language}", {len(texts)} given',
                    smap.value(("interface", key)),
                    "give one text for every count, or a list of the language's plural forms",
                )
                continue
        expected = set().union(*(_placeholders(f) for f in forms))
        for text in texts:
            if _placeholders(text) - expected:
                extra = ", ".join(sorted(_placeholders(text) - expected))
                sink.error(
                    Code.CS702,
                    f'the wording of "{key}" uses a placeholder the message has not: {extra}',
                    smap.value(("interface", key)),
                    "placeholders it may use: "
                    + (", ".join(f"%({p})s" for p in sorted(expected)) or "none"),
                )
                break
    sink.extend(_fallback(spec.language, smap.value(("language",))))
    return sink.items


def check_module_languages(modules: Iterable[Module]) -> list[Diagnostic]:
    """A module language with no catalog."""
    out: list[Diagnostic] = []
    for module in modules:
        if module.spec.language is not None:
            out += _fallback(module.spec.language, module.sourcemap.value(("language",)))
    return out


def _fallback(tag: str, where: Span) -> list[Diagnostic]:
    if not Interface(tag).fell_back:
        return []
    sink = DiagnosticSink()
    sink.warning(
        Code.CS703,
        f'coursec has no interface catalog for "{tag}": its interface text is in English',
        where,
        "catalogs: " + ", ".join(s.replace("_", "-") for s in SHIPPED),
    )
    return sink.items


def _plural_count(tag: str) -> int:
    from babel.messages.plurals import get_plural

    locale = catalog_locale(tag) or SOURCE_LANGUAGE
    return int(get_plural(locale).num_plurals)
