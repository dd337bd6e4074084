"""Validate parsed YAML against the schema; turn pydantic errors into positioned diagnostics."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.field_error import FieldError
from coursec.schema import SLUG_PATTERN
from coursec.sourcemap import SourceMap
from coursec.wording import describe, loc_text, quoted
from coursec.yaml_errors import INVISIBLE

M = TypeVar("M", bound=BaseModel)

_TYPE_ERRORS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "dict_type": "a mapping",
    "float_type": "a number",
    "float_parsing": "a number",
}


_TYPE_HINTS = {
    "text": "put the value in quotes",
    "a list": 'write each item on a line of its own, starting with "- "',
    "a mapping of fields": "write its fields as `field: value` lines, indented under it",
}


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that owns the field at `loc` (to suggest field names)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] → X (the first model found)."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    for arg in typing.get_args(annotation):
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation if origin is not types.UnionType else None


def _converted(smap: SourceMap, loc: tuple[str | int, ...], where: str) -> Diagnostic | None:
    """CS207 when the value at `loc` is plain text YAML read as something else."""
    if loc not in smap.converted:
        return None
    raw, what = smap.converted[loc]
    if raw == "":
        return Diagnostic(
            Severity.ERROR,
            Code.CS201,
            f"{where}: no value is given",
            smap.value(loc),
            "write the value after the colon",
        )
    value: Any = smap.data
    for part in loc:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
    if value is not None:
        what = describe(value)
    return Diagnostic(
        Severity.ERROR,
        Code.CS207,
        f"{where}: YAML reads {raw} as {what}, not as the text {raw}",
        smap.value(loc),
        f"to keep it as text, put it in quotes: {quoted(loc, raw)}",
    )


def _field_error(
    error: ErrorDetails, smap: SourceMap, loc: tuple[str | int, ...]
) -> Diagnostic | None:
    """A model validator's `FieldError`, at the field it names."""
    raised = (error.get("ctx") or {}).get("error")
    if not isinstance(raised, FieldError):
        return None
    at = (*loc, *raised.at)
    message = _named(raised.message, loc_text(loc, smap.data))
    if raised.first is not None:
        first = smap.value((*loc, *raised.first))
        message += f" (first defined at line {first.line})"
    return Diagnostic(Severity.ERROR, raised.code, message, smap.value(at), raised.hint)


def _named(message: str, where: str) -> str:
    """`message` about the item or field `where`, prefixed with its name unless it starts
    with it already ('key term "x" needs ...')."""
    noun = where.split(", ")[-1].rsplit(" ", 1)[0]
    return message if not where or message.startswith(noun) else f"{where}: {message}"


def _null_child(smap: SourceMap, loc: tuple[str | int, ...]) -> Diagnostic | None:
    """A rule of a whole mapping broken because YAML read one of its fields as null (`term:
    NULL`): the field is the mistake."""
    for child, (_raw, what) in smap.converted.items():
        if child[:-1] == loc and what == "nothing (null)":
            return _converted(smap, child, loc_text(child, smap.data))
    return None


def _type_error(
    kind: str, error: ErrorDetails, smap: SourceMap, loc: tuple[str | int, ...], where: str
) -> Diagnostic:
    expected = _TYPE_ERRORS[kind]
    value = error.get("input")
    if expected == "text" and not isinstance(value, list | dict):
        converted = _converted(smap, loc, where)
        if converted is not None:
            return converted
    hint = _TYPE_HINTS.get(expected)
    if hint is None and isinstance(value, str):
        numeric = re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value) or value in ("true", "false")
        hint = f"write {expected}, without quotes" if numeric else f"write {expected}"
    return Diagnostic(
        Severity.ERROR,
        Code.CS203,
        f"{where}: expected {expected}, got {describe(value)}",
        smap.value(loc),
        hint,
    )


def _diagnostic(
    error: ErrorDetails,
    model: type[BaseModel],
    smap: SourceMap,
    at: tuple[str | int, ...],
    also_known: Sequence[str],
) -> Diagnostic:
    loc = (*at, *error["loc"])
    kind = error["type"]
    where = loc_text(loc, smap.data)
    if kind == "missing":
        name = str(loc[-1])
        parent = loc_text(loc[:-1], smap.data)
        return Diagnostic(
            Severity.ERROR,
            Code.CS201,
            f'field "{name}" is required' + (f" in {parent}" if parent else ""),
            smap.value(loc[:-1]),
            f"add `{name}: ...`",
        )
    if kind in ("extra_forbidden", "invalid_key"):
        return _unknown_field(error, model, smap, loc, at, also_known)
    if kind in _TYPE_ERRORS:
        return _type_error(kind, error, smap, loc, where)
    span = smap.value(loc)
    got = describe(error.get("input"))
    ctx = error.get("ctx") or {}
    prefix = f"{where}: " if where else ""
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", ""))
        close = difflib.get_close_matches(
            str(error.get("input")), re.findall(r"'([^']*)'", expected), n=1, cutoff=0.6
        )
        return Diagnostic(
            Severity.ERROR,
            Code.CS204,
            f"{prefix}{got} is not allowed",
            span,
            f'did you mean "{close[0]}"?' if close else f"use one of {expected}".replace("'", ""),
        )
    if kind == "value_error":
        found = _field_error(error, smap, loc) or _null_child(smap, loc)
        if found is not None:
            return found
        raised = ctx.get("error")
        message = str(raised) if isinstance(raised, ValueError) else "this value is not valid"
        return Diagnostic(Severity.ERROR, Code.CS205, _named(message, where), span)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == SLUG_PATTERN:
        slug_hint = "use lower-case letters, digits and hyphens, starting with a letter or digit"
        return Diagnostic(
            Severity.ERROR, Code.CS205, f"{prefix}{got} is not a valid id", span, slug_hint
        )
    message, hint = _value_message(kind, ctx, got)
    return Diagnostic(Severity.ERROR, Code.CS205, f"{prefix}{message}", span, hint)


def _value_message(kind: str, ctx: dict[str, Any], got: str) -> tuple[str, str | None]:
    """(message, hint) for a value of the right type that breaks a constraint."""
    if kind == "string_pattern_mismatch":
        return f"{got} does not have the form this field needs", (
            f"it must match the pattern {ctx.get('pattern')}"
        )
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"{got} is too long: at most {limit} characters", "shorten it"
    if kind == "string_too_short":
        return "is empty", "write some text, or leave the field out if it is optional"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"needs at least {count} item{'s' if count != 1 else ''}, got {got}", None
    if kind == "too_long":
        count = ctx.get("max_length")
        return f"takes at most {count} items, got more", None
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{got} is out of range: it must be {words} {ctx.get(key)}", None
    if kind in ("int_parsing_size", "float_parsing_size"):
        return f"{got} is too large a number", None
    if kind == "unexpected_keyword_argument" or kind == "unexpected_positional_argument":
        return f"{got} is not expected here", None
    return f"{got} is not a valid value here", "run `coursec schema` for what this field takes"


def _unknown_field(
    error: ErrorDetails,
    model: type[BaseModel],
    smap: SourceMap,
    loc: tuple[str | int, ...],
    at: tuple[str | int, ...],
    also_known: Sequence[str],
) -> Diagnostic:
    """CS202 for a field no model here has (or CS111 when an invisible character is the
    difference), named as the author wrote it."""
    name = str(loc[-1])
    parent_loc = loc[:-1]
    parent = loc_text(parent_loc, smap.data)
    owner = _model_at(model, parent_loc[len(at) :])
    known = list(owner.model_fields) if owner else []
    if len(loc) == len(at) + 1:
        known += also_known
    span = smap.key((*parent_loc, name))
    invisible = [c for c in name if c in INVISIBLE or not c.isprintable()]
    if invisible:
        char = invisible[0]
        what = INVISIBLE.get(char) or f"the character U+{ord(char):04X}"
        column = span.col + name.index(char)
        visible = "".join(c for c in name if c not in invisible)
        return Diagnostic(
            Severity.ERROR,
            Code.CS111,
            f'field name "{visible}" holds {what} at column {column}',
            Span(span.path, span.line, column),
            "delete it (it is invisible); retype the name if you cannot find it",
        )
    where = f" in {parent}" if parent else ""
    if error["type"] == "invalid_key":
        message = f"field name {name} is not text: YAML reads it as {describe(error.get('input'))}"
    else:
        message = f'unknown field "{name}"{where}'
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else None
    if hint is None and known:
        hint = "known fields here: " + ", ".join(known)
    return Diagnostic(Severity.ERROR, Code.CS202, message, span, hint)


def explain_error(error: ErrorDetails, model: type[BaseModel]) -> tuple[str, str | None]:
    """(message, hint) in coursec's words for a pydantic error of a value that has no position
    (from the command line): what its field is, what was wrong, how to fix it."""
    found = _diagnostic(error, model, SourceMap(Path()), (), ())
    where = loc_text(error["loc"])
    message = found.message.removeprefix(f"{where}: ") if where else found.message
    return message, found.hint


def _without_misspelt_missing(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop "field X is required" when the same mapping has an unknown field that is X misspelt:
    the "did you mean" on the unknown field says all there is to say."""
    unknown = {
        (tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"
    }

    def misspelt(error: ErrorDetails) -> bool:
        parent, name = tuple(error["loc"][:-1]), str(error["loc"][-1])
        near = [n for p, n in unknown if p == parent]
        return bool(difflib.get_close_matches(name, near, n=1, cutoff=0.6))

    return [e for e in errors if not (e["type"] == "missing" and misspelt(e))]


def validate(
    model: type[M],
    data: Any,
    smap: SourceMap,
    diagnostics: list[Diagnostic],
    at: tuple[str | int, ...] = (),
    also_known: Sequence[str] = (),
) -> M | None:
    """Validate `data`, the value at `at` in the document `smap` maps; append every problem
    (with its position) to `diagnostics`. `also_known`: more field names a misspelt top-level
    field may have meant (the exporters' option keys)."""
    for loc, span, first in smap.duplicate_keys if not at else ():
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                Code.CS205,
                f'field "{loc_text(loc, smap.data)}" is given twice '
                f"(first defined at line {first.line})",
                span,
                "remove one of them: YAML would silently keep only the last",
            )
        )
    if data is None and not at:
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                Code.CS105,
                "there are no fields here: it is empty or all comments",
                smap.value(at),
                "write one `field: value` per line; `coursec schema` lists the fields",
            )
        )
        return None
    if not isinstance(data, dict):
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                Code.CS106,
                f"expected a mapping of fields, got {describe(data)}",
                smap.value(at),
                "write one `field: value` per line",
            )
        )
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _without_misspelt_missing(exc.errors())
        diagnostics.extend(_diagnostic(e, model, smap, at, also_known) for e in errors)
        return None
