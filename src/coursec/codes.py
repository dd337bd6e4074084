"""The catalogue of diagnostic codes: every problem coursec reports has one, with a title.

CS1xx source syntax, CS2xx schema, CS3xx cross-references and assets, CS4xx content,
CS5xx exporters, CS9xx internal.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "CS101": "file cannot be read",
    "CS102": "file is not UTF-8 text",
    "CS103": "YAML syntax error",
    "CS104": "module file has no front matter",
    "CS105": "file is empty",
    "CS106": "YAML document is not a mapping",
    "CS201": "required field is missing",
    "CS202": "unknown field",
    "CS203": "value has the wrong type",
    "CS204": "value is not allowed",
    "CS205": "invalid value",
    "CS301": "duplicate id",
    "CS302": "module file listed in course.yml does not exist",
    "CS303": "asset does not exist",
    "CS304": "path leaves the course folder",
    "CS305": "link target does not exist",
    "CS306": "unknown objective",
    "CS307": "module file is listed twice",
    "CS308": "image is loaded from another server",
    "CS309": "link points at a heading that does not exist",
    "CS401": "objective is not addressed by any section",
    "CS402": "image has no alt text",
    "CS403": "module has no learning objectives",
    "CS404": "raw HTML is disabled",
    "CS405": "unknown callout kind",
    "CS406": "objective is not assessed by any question",
    "CS407": "callout is never closed",
    "CS408": "heading appears twice in a module",
    "CS501": "exporter failed",
    "CS502": "SCORM suspend_data budget exceeded",
    "CS503": "template error",
    "CS504": "unknown output format",
    "CS505": "resource refused by the PDF renderer",
    "CS506": "PDF renderer warning",
    "CS901": "exporter could not be loaded",
    "CS902": "internal error",
}
