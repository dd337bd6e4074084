"""Exporters' own options: each exporter declares a pydantic model, core knows none of them.

An exporter with options has `options_model` (a pydantic model: its defaults are the options'
defaults) and may name the course.yml key it reads them from, `options_key` (default: its name;
two exporters may share one, as the SCORM editions share `scorm:`). Options come from:

* course.yml, under that key, validated when the course is loaded, with the same positioned
  diagnostics as every other field (an unknown top-level key is still CS202);
* the command line, `--set KEY.OPTION=VALUE` (and a few shortcuts of the CLI's), which win
  over course.yml and are validated when the build starts.

Exporters are found through their entry points and imported to read their model: an
exporter's module should import its heavy machinery inside `export()`, not at import time.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity
from coursec.export import Exporter, ExporterLoadError, available, load
from coursec.validation import explain_error

Settings = Mapping[str, Mapping[str, str]]  # from the CLI: key -> option -> value as typed


def options_model(exporter: Exporter) -> type[BaseModel] | None:
    model = getattr(exporter, "options_model", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def options_key(exporter: Exporter) -> str:
    return str(getattr(exporter, "options_key", exporter.name))


def installed_models() -> dict[str, type[BaseModel]]:
    """The options model of every installed exporter that has one, by course.yml key.

    An exporter that cannot be loaded is left out here: building with it reports why (CS901).
    """
    found: dict[str, type[BaseModel]] = {}
    for entry in available().values():
        try:
            exporter = load(entry)
        except ExporterLoadError:
            continue
        model = options_model(exporter)
        if model is not None:
            found.setdefault(options_key(exporter), model)
    return found


def check_settings(settings: Settings, models: Mapping[str, type[BaseModel]]) -> list[Diagnostic]:
    """Problems with `--set` values: unknown keys or options, values the model refuses."""
    found: list[Diagnostic] = []
    for key, values in settings.items():
        model = models.get(key)
        if model is None:
            close = difflib.get_close_matches(key, list(models), n=1)
            hint = f'did you mean "{close[0]}"?' if close else "keys: " + ", ".join(models)
            found.append(_cli_error(f'--set {key}...: no exporter has options under "{key}"', hint))
            continue
        try:
            model.model_validate(dict(values))
        except ValidationError as exc:
            for error in exc.errors():
                option = ".".join(str(p) for p in error["loc"])
                value = values.get(str(error["loc"][0]), "") if error["loc"] else ""
                if error["type"] == "extra_forbidden":
                    close = difflib.get_close_matches(option, list(model.model_fields), n=1)
                    known = "options: " + ", ".join(model.model_fields)
                    hint = f'did you mean "{key}.{close[0]}"?' if close else known
                    found.append(_cli_error(f"--set {key}.{option}: unknown option", hint))
                else:
                    said = explain_error(error, model)
                    found.append(_cli_error(f"--set {key}.{option}={value}: {said[0]}", said[1]))
    return found


def _cli_error(message: str, hint: str | None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, Code.CS206, message, None, hint)


def resolve(
    exporter: Exporter, from_course: Mapping[str, BaseModel], settings: Settings
) -> BaseModel | None:
    """The exporter's options for this build: course.yml's, then the command line's over them."""
    model = options_model(exporter)
    if model is None:
        return None
    key = options_key(exporter)
    base = from_course.get(key)
    values: dict[str, Any] = base.model_dump(exclude_unset=True) if base is not None else {}
    values.update(settings.get(key, {}))
    return model.model_validate(values)


def course_json_schema() -> dict[str, Any]:
    """The JSON Schema of course.yml: CourseSpec's fields and each exporter's options block."""
    from coursec.schema import CourseSpec

    schema = CourseSpec.model_json_schema()
    for key, model in sorted(installed_models().items()):
        block = model.model_json_schema()
        schema.setdefault("$defs", {}).update(block.pop("$defs", {}))
        schema["properties"][key] = block
    return schema
