"""Interface text inside a module body ("Table 2: …", a callout's default title): marked where
the body is rendered, worded in the module's language when the body is finished.

A body is rendered before the course is known (in a worker, from the module file alone) and
kept in the cache for any course language, so its interface text is a mark, `mark(name,
*args)`, and `word(html, interface)` puts the words in (coursec.render.finish_provisional).
A mark is made of private-use characters, which sanitizing keeps and no escaping changes; its
arguments are already-escaped HTML.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from coursec.i18n import N_

if TYPE_CHECKING:
    from coursec.i18n import Interface

OPEN, SEP, CLOSE = "\ue000", "\ue002", "\ue001"
_MARK = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")

CALLOUT_TITLES: dict[str, str] = {
    "note": N_("Note"),
    "tip": N_("Tip"),
    "warning": N_("Warning"),
    "example": N_("Example"),
    "phrase": N_("A simplified phrase"),
    "takeaway": N_("Practical takeaway"),
    "flow": N_("Flow"),
    "definition": N_("Definition"),
}
"""A callout's title when its author gives none."""

CALLOUT_LABELS: dict[str, str] = {
    "note": N_("Note"),
    "tip": N_("Tip"),
    "warning": N_("Warning"),
    "example": N_("Example"),
    "phrase": N_("Phrase"),
    "takeaway": N_("Takeaway"),
    "flow": N_("Flow"),
    "definition": N_("Definition"),
}
"""The kind's own word: it leads the name of a callout with a title of its own ("Warning:
Cascading deletes"); every default title already holds it."""


def mark(name: str, *args: str) -> str:
    return OPEN + SEP.join((name, *args)) + CLOSE


def _words(interface: Interface, name: str, args: list[str]) -> str:
    kind, _, which = name.partition(":")
    if kind == "title":
        return escape(interface.gettext(CALLOUT_TITLES.get(which, CALLOUT_TITLES["note"])))
    if kind == "label":
        return escape(interface.gettext(CALLOUT_LABELS.get(which, CALLOUT_LABELS["note"])))
    number = args[0] if args else ""
    if kind == "table":
        columns, more = (args[1], int(args[2])) if len(args) == 3 else ("", 0)
        if more:
            text = interface.ngettext(
                "Table %(number)s: %(columns)s and %(num)s more column",
                "Table %(number)s: %(columns)s and %(num)s more columns",
                more,
                number="\0n",
                columns="\0c",
            )
        elif columns:
            text = interface.gettext("Table %(number)s: %(columns)s", number="\0n", columns="\0c")
        else:
            text = interface.gettext("Table %(number)s", number="\0n")
        return escape(text).replace("\0n", number).replace("\0c", columns)
    if kind == "code":
        if len(args) > 1:
            text = interface.gettext("Code %(number)s: %(language)s", number="\0n", language="\0l")
        else:
            text = interface.gettext("Code %(number)s", number="\0n")
        return escape(text).replace("\0n", number).replace("\0l", args[1] if len(args) > 1 else "")
    if kind == "backref":
        return escape(interface.gettext("Back to reference %(number)s", number="\0n")).replace(
            "\0n", number
        )
    return ""


def word(html: str, interface: Interface) -> str:
    """The body with each mark replaced by its words in the interface's language."""
    if OPEN not in html:
        return html

    def replace(match: re.Match[str]) -> str:
        name, *args = match.group(1).split(SEP)
        return _words(interface, name, args)

    return _MARK.sub(replace, html)
