"""Lint, format and type checks run as part of the test suite (config: pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _existing(*names: str) -> list[str]:
    return [name for name in names if (REPO / name).exists()]


LINT_PATHS = _existing("src", "exporters", "tests", "bench")
TYPED_PATHS = _existing("src", "exporters")

CHECKS = {
    "ruff-check": ["ruff", "check", "--no-cache", "--output-format", "concise", *LINT_PATHS],
    "ruff-format": ["ruff", "format", "--no-cache", "--check", *LINT_PATHS],
    "mypy-strict": ["mypy", "--strict", *TYPED_PATHS],
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_code_quality(name: str) -> None:
    assert LINT_PATHS, "none of src, exporters, tests, bench exists"
    assert TYPED_PATHS, "neither src nor exporters exists"
    args = CHECKS[name]
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`python -m {' '.join(args)}` exited {result.returncode}\n"
            f"{result.stdout}\n{result.stderr}".rstrip(),
            pytrace=False,
        )
