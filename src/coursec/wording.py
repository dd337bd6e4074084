"""How a value and a place in a YAML document read to an author: "the number 42",
`question "q-shutdown", pair 3` (never `quiz.questions[4].pairs[2]`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def describe(value: Any) -> str:
    """How a YAML value reads to an author: 'the number 42', 'a list', 'nothing (null)'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the text "{shown}"'
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


# what one item of each list field is called
_ITEM_NAMES = {
    "questions": "question",
    "choices": "choice",
    "pairs": "pair",
    "items": "item",
    "accept": "accepted answer",
    "objectives": "objective",
    "key_terms": "key term",
    "authors": "author",
    "modules": "module",
    "keywords": "keyword",
    "sections": "section",
}


def loc_text(loc: Sequence[str | int], data: Any = None) -> str:
    """A place in a document as an author names it: fields by their key, list items by their
    id when they have one (`question "q-shutdown"`), otherwise by number from 1 ("pair 3").

    The keys that lead to a list item are left out: the item's name says what it is.
    """
    parts: list[str] = []
    keys: list[str] = []
    current = data
    for position, part in enumerate(loc):
        if isinstance(part, int):
            noun = _ITEM_NAMES.get(keys[-1], "item") if keys else "item"
            item = current[part] if isinstance(current, list) and part < len(current) else None
            ident = item.get("id") if isinstance(item, dict) else None
            named = isinstance(ident, str) and ident and tuple(loc[position + 1 :]) != ("id",)
            parts.append(f'{noun} "{ident}"' if named else f"{noun} {part + 1}")
            keys = []
            current = item
        else:
            keys.append(str(part))
            current = current.get(part) if isinstance(current, dict) else None
    if keys:
        parts.append(".".join(keys))
    return ", ".join(parts)


def quoted(loc: Sequence[str | int], raw: str) -> str:
    """How a value reads in quotes where it stands: `title: "yes"` or `- "yes"`."""
    escaped = raw.replace("\\", "\\\\").replace('"', '\\"')
    key = loc[-1] if loc else ""
    return f'- "{escaped}"' if isinstance(key, int) else f'{key}: "{escaped}"'
