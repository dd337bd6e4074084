"""Every diagnostic code an author can meet is explained in docs/format.md."""

from __future__ import annotations

from conftest import REPO
from coursec.codes import Code


def test_every_code_has_a_row_in_the_format_reference() -> None:
    doc = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    assert [code for code in Code if f"| {code} |" not in doc] == []
