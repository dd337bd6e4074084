"""A third-party output format that fails is its own failure (CS501), not a bug in coursec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coursec.codes import Code
from coursec.executor import run_exporter


class Broken:
    """An exporter from a plugin, as `coursec.export` loads one."""

    name = "broken"
    description = "always fails"

    def export(self, plan: Any, ctx: Any) -> list[Any]:
        raise ZeroDivisionError("division by zero")


def test_a_plugin_that_fails_is_cs501(tmp_path: Path) -> None:
    outcome = run_exporter(Broken(), None, tmp_path, None, None)  # type: ignore[arg-type]
    [diagnostic] = outcome.diagnostics
    assert diagnostic.code is Code.CS501
    assert diagnostic.message == (
        'the "broken" output format failed: ZeroDivisionError: division by zero'
    )
    assert outcome.artifacts == []


def test_a_built_in_exporter_that_fails_is_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Broken, "__module__", "coursec.exporters.broken")
    with pytest.raises(ZeroDivisionError):
        run_exporter(Broken(), None, tmp_path, None, None)  # type: ignore[arg-type]
