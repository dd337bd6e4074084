"""Validate parsed YAML against the schema; turn pydantic errors into positioned diagnostics."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from coursec.diagnostics import Diagnostic, Severity
from coursec.schema import SLUG_PATTERN
from coursec.sourcemap import SourceMap

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


def loc_text(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _diagnostic(
    error: ErrorDetails,
    model: type[BaseModel],
    smap: SourceMap,
    at: tuple[str | int, ...],
    also_known: Sequence[str],
) -> Diagnostic:
    loc = (*at, *error["loc"])
    kind = error["type"]
    where = loc_text(loc)
    if kind == "missing":
        name = str(loc[-1])
        parent = loc_text(loc[:-1])
        return Diagnostic(
            Severity.ERROR,
            "CS201",
            f'field "{name}" is required' + (f" in {parent}" if parent else ""),
            smap.value(loc[:-1]),
            f"add `{name}: ...`",
        )
    if kind == "extra_forbidden":
        name = str(loc[-1])
        owner = _model_at(model, loc[len(at) : -1])
        known = list(owner.model_fields) if owner else []
        if len(loc) == len(at) + 1:
            known += also_known
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else None
        if hint is None and known:
            hint = "known fields here: " + ", ".join(known)
        return Diagnostic(Severity.ERROR, "CS202", f'unknown field "{where}"', smap.key(loc), hint)
    span = smap.value(loc)
    got = describe(error.get("input"))
    if kind in _TYPE_ERRORS:
        hint = None
        if _TYPE_ERRORS[kind] == "text" and not isinstance(error.get("input"), list | dict):
            hint = "put the value in quotes"
        return Diagnostic(
            Severity.ERROR,
            "CS203",
            f"{where}: expected {_TYPE_ERRORS[kind]}, got {got}",
            span,
            hint,
        )
    if kind in ("enum", "literal_error"):
        expected = (error.get("ctx") or {}).get("expected", "")
        return Diagnostic(
            Severity.ERROR,
            "CS204",
            f"{where}: {got} is not allowed",
            span,
            f"use one of {expected}",
        )
    message = error["msg"].removeprefix("Value error, ")
    ctx = error.get("ctx") or {}
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        message = f"needs at least {count} item{'s' if count != 1 else ''}, got {got}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"{got} is out of range ({error['msg'].lower()})"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == SLUG_PATTERN:
        message = f"{got} is not a valid id"
        hint = "use lower-case letters, digits and hyphens, starting with a letter or digit"
        return Diagnostic(Severity.ERROR, "CS205", f"{where}: {message}", span, hint)
    if kind == "string_pattern_mismatch":
        message = f"{got} does not have the form this field needs"
        hint = f"it must match the pattern {ctx.get('pattern')}"
        return Diagnostic(Severity.ERROR, "CS205", f"{where}: {message}", span, hint)
    prefix = f"{where}: " if where else ""
    return Diagnostic(Severity.ERROR, "CS205", f"{prefix}{message}", span)


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
    for loc, span in smap.duplicate_keys if not at else ():
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                "CS205",
                f'field "{loc_text(loc)}" is given twice',
                span,
                "remove one of them: YAML would silently keep only the last",
            )
        )
    if not isinstance(data, dict):
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                "CS106",
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
