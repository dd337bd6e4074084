"""Import WeasyPrint without starting three programs for each library name it tries.

WeasyPrint loads GObject, Pango, HarfBuzz and fontconfig through cffi. For each library it tries
the names that library has on Windows, macOS and Linux, in turn. cffi looks up a name without a
path with `ctypes.util.find_library`. On Linux that runs `ldconfig -p`, and for a name ldconfig
does not list it also runs `gcc`, then `ld`. That makes 22 lookups, 16 of them for names Linux
does not use: 0.17-0.2 s of the 0.45 s import. The import is on the path of every PDF build,
including a one-module edit.

While WeasyPrint is imported, lookups are answered from one run of `ldconfig -p`, by the same
pattern as find_library's first step. A name that listing lacks is not found. Skipping gcc and
ld loses nothing: those tools look where a compiler links from, and WeasyPrint also tries each
library by its file name (`libpango-1.0.so.0`). The dynamic loader finds that file name itself,
wherever a soname from gcc or ld could be loaded.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_LDCONFIG = Path("/sbin/ldconfig")  # where `ctypes.util` runs it from
# `ctypes.util`'s C library ABI by machine (64-bit processes); ldconfig lists it after each name
_ABI = {
    "x86_64": "libc6,x86-64",
    "ppc64": "libc6,64bit",
    "sparc64": "libc6,64bit",
    "s390x": "libc6,64bit",
    "ia64": "libc6,IA-64",
}
_IMPORTING = threading.Lock()


def load_weasyprint() -> None:
    """Import WeasyPrint once per process. Call it before any `import weasyprint...`; the
    build's first import may run in a thread (`PdfExporter.warm_up`)."""
    with _IMPORTING:
        if "weasyprint" in sys.modules:
            return
        with _looked_up_in(_loader_cache()):
            import weasyprint  # noqa: F401 - imported for its side effect: loaded libraries


def _loader_cache() -> bytes | None:
    """What `ldconfig -p` lists (the dynamic loader's cache), or None where there is none."""
    if not sys.platform.startswith("linux") or not _LDCONFIG.exists():
        return None
    try:
        return subprocess.run(
            [_LDCONFIG, "-p"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"LC_ALL": "C", "LANG": "C"},
            check=False,
        ).stdout
    except OSError:
        return None


def find_in(listing: bytes) -> Callable[[str], str | None]:
    """`ctypes.util.find_library` answered from one `ldconfig -p` listing."""
    wide = sys.maxsize > 2**32
    abi = _ABI.get(os.uname().machine, "libc6") if wide else "libc6"

    def find_library(name: str) -> str | None:
        pattern = rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}"
        found = re.search(os.fsencode(pattern), listing)
        return os.fsdecode(found[1]) if found else None

    return find_library


@contextmanager
def _looked_up_in(listing: bytes | None) -> Iterator[None]:
    if listing is None:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = find_in(listing)  # type: ignore[assignment]
    try:
        yield
    finally:
        ctypes.util.find_library = original
