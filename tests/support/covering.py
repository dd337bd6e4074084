"""Runs of a browser test over the courses that meet every value without the full product.

A browser run of a real course costs seconds of Chromium. Where a value changes only how a result
is reported or coloured (the SCORM edition: both editions' pages are the same but for the SCO's
configuration, which `test_html` checks; the colour scheme), a test need not run every course
with every value: ``each_course`` gives each course one value, in turn, and ``every_pair`` each
course every value of the first dimension with the second's values in turn, so that each pair of
values of any two dimensions is run (a covering array). With too few courses to meet every
value, the helpers raise, and the test module fails to collect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

__all__ = ["each_course", "every_pair"]


def _id(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def each_course(
    courses: Mapping[str, Path], name: str, values: Sequence[Any]
) -> pytest.MarkDecorator:
    """Parametrize ``course_dir`` and ``name``: each course once, the values taking turns."""
    if len(courses) < len(values):
        raise ValueError(f"{len(courses)} courses cannot meet {len(values)} values of {name}")
    params = [
        pytest.param(path, values[i % len(values)], id=f"{key}-{_id(values[i % len(values)])}")
        for i, (key, path) in enumerate(sorted(courses.items()))
    ]
    return pytest.mark.parametrize(("course_dir", name), params)


def every_pair(
    courses: Mapping[str, Path],
    first: tuple[str, Sequence[Any]],
    second: tuple[str, Sequence[Any]],
) -> pytest.MarkDecorator:
    """Parametrize ``course_dir`` and two more names: course i runs each first value j with
    second value (i + j) mod n, which meets every pair of (course, first, second) values."""
    (a, firsts), (b, seconds) = first, second
    if len(courses) < len(seconds) or len(firsts) < len(seconds):
        raise ValueError(f"too few courses or values of {a} to meet every value of {b}")
    params = []
    for i, (key, path) in enumerate(sorted(courses.items())):
        for j, one in enumerate(firsts):
            other = seconds[(i + j) % len(seconds)]
            params.append(pytest.param(path, one, other, id=f"{key}-{_id(one)}-{_id(other)}"))
    return pytest.mark.parametrize(("course_dir", a, b), params)
