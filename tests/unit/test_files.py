"""Reading sources (coursec.files): only regular files, never blocking, bounded in size."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from coursec.files import MAX_SOURCE_BYTES, NotRegularFile, SourceTooLarge, read_bytes, read_source


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "module.md"
    os.mkfifo(fifo)  # nobody writes to it: a plain read would wait forever
    with pytest.raises(NotRegularFile) as caught:
        read_source(fifo)
    assert caught.value.kind == "a FIFO (named pipe)"


def test_a_folder_and_a_socket_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="it is a folder"):
        read_bytes(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(OSError):  # a socket cannot even be opened as a file
            read_bytes(tmp_path / "sock")
    finally:
        server.close()


def test_a_source_past_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (MAX_SOURCE_BYTES + 1))
    with pytest.raises(SourceTooLarge):
        read_source(big)
    assert len(read_bytes(big)) == MAX_SOURCE_BYTES + 1  # assets have no such limit
    exact = tmp_path / "exact.md"
    exact.write_bytes(b"y" * MAX_SOURCE_BYTES)
    assert len(read_source(exact)) == MAX_SOURCE_BYTES
