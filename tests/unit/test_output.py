"""Writing outputs: hard links to the previous build never let a write reach back into it."""

from __future__ import annotations

from pathlib import Path

from coursec.output import OutputFile, write_files


def test_unchanged_files_are_linked_and_the_previous_output_is_never_written(
    tmp_path: Path,
) -> None:
    previous, new = tmp_path / "previous", tmp_path / "new"
    previous.mkdir()
    (previous / "same.html").write_bytes(b"same")
    (previous / "page.html").write_bytes(b"old")

    # "page.html" twice, as two differently cased names are on a case-insensitive disk: the
    # first write links it to the previous copy, the second must not write through that link
    write_files(
        new,
        [
            OutputFile("same.html", b"same"),
            OutputFile("page.html", b"old"),
            OutputFile("page.html", b"new"),
        ],
        previous,
    )

    assert (new / "same.html").stat().st_ino == (previous / "same.html").stat().st_ino
    assert (new / "page.html").read_bytes() == b"new"
    assert (previous / "page.html").read_bytes() == b"old"
