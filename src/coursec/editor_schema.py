"""The JSON Schemas editors read (`coursec schema`): course.yml with every installed format's
options, and module front matter."""

from __future__ import annotations

from typing import Any, Literal

from coursec.exporter_options import course_json_schema
from coursec.schema import ModuleSpec


def json_schema(which: Literal["course", "module"]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://coursec.dev/schema/{which}.json",
        **(course_json_schema() if which == "course" else ModuleSpec.model_json_schema()),
    }
