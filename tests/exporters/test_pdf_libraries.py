"""WeasyPrint's native libraries are found from one `ldconfig -p` listing
(`exporters/pdf/libraries.py`), with the answers `ctypes.util.find_library` gives."""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from coursec.exporters.pdf import libraries

linux_with_ldconfig = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not Path("/sbin/ldconfig").exists(),
    reason="the listing is ldconfig's",
)

_IMPORT_COUNTING_PROGRAMS = """
import ctypes.util, json, subprocess, sys
started = []
real = subprocess.Popen.__init__
def counted(self, args, *rest, **kwargs):
    started.append(str(args[0] if isinstance(args, (list, tuple)) else args))
    real(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counted
before = ctypes.util.find_library
from coursec.exporters.pdf.libraries import load_weasyprint
load_weasyprint()
import weasyprint.text.ffi as ffi
print(json.dumps({
    "started": started,
    "restored": ctypes.util.find_library is before,
    "pango": ffi.pango is not None and ffi.fontconfig is not None,
}))
"""


@linux_with_ldconfig
def test_weasyprint_is_imported_with_one_program_started() -> None:
    """Without the listing, cffi's lookups start ldconfig, gcc and ld over twenty times."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_COUNTING_PROGRAMS],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["started"] == ["/sbin/ldconfig"]
    assert found["restored"] and found["pango"]


@linux_with_ldconfig
@pytest.mark.parametrize(
    "name", ["c", "m", "pango-1.0", "fontconfig", "harfbuzz", "gobject-2.0", "pangoft2-1.0"]
)
def test_a_listed_library_is_found_as_ctypes_finds_it(name: str) -> None:
    listing = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, env={"LC_ALL": "C"}, check=True
    ).stdout
    expected = ctypes.util.find_library(name)
    assert expected is not None
    assert libraries.find_in(listing)(name) == expected


_IMPORT_WITH_AN_EMPTY_LISTING = """
from coursec.exporters.pdf import libraries
libraries._loader_cache = lambda: b""
libraries.load_weasyprint()
import weasyprint.text.ffi as ffi
print(ffi.pango is not None and ffi.fontconfig is not None and ffi.harfbuzz is not None)
"""


@linux_with_ldconfig
def test_weasyprint_loads_its_libraries_by_file_name_when_nothing_is_listed() -> None:
    """What gcc and ld would have found (skipped: a name the listing lacks is not found), the
    loader finds by the file names WeasyPrint also tries."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_WITH_AN_EMPTY_LISTING],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "True"
    assert "could not import some external libraries" not in done.stdout


def test_a_name_the_listing_lacks_is_not_found() -> None:
    listing = b"\tlibpango-1.0.so.0 (libc6,x86-64) => /usr/lib/libpango-1.0.so.0\n"
    find = libraries.find_in(listing)
    assert find("pango-1.0-0") is None and find("libpango-1.0-0") is None
    assert find("pango") is None  # a prefix of a listed name is another library
