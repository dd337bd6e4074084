"""Operating-system failures (full disk, read-only folder, ...) as diagnostics an author can act on.

They are not bugs in coursec, so they never become CS902: each kind gets its own code, names the
path, and says what to do.
"""

from __future__ import annotations

import errno
import os

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity

# errno → (code, what happened, what to do)
_KINDS: dict[int, tuple[Code, str, str]] = {
    errno.EACCES: (
        Code.CS610,
        "permission denied",
        "check the folder's permissions, or build into a folder you may write (--out DIR)",
    ),
    errno.EPERM: (
        Code.CS610,
        "operation not permitted",
        "check the folder's permissions, or build into a folder you may write (--out DIR)",
    ),
    errno.EROFS: (
        Code.CS611,
        "the file system is read-only",
        "build into a folder on a writable disk (--out DIR)",
    ),
    errno.ENOSPC: (
        Code.CS612,
        "no space left on the disk",
        "free some space, or build onto another disk (--out DIR); the previous output is intact",
    ),
    errno.EDQUOT: (
        Code.CS612,
        "disk quota exceeded",
        "free some space, or build onto another disk (--out DIR); the previous output is intact",
    ),
    errno.EFBIG: (
        Code.CS613,
        "file too large for this system's limit",
        "raise the file-size limit (`ulimit -f`), or build fewer formats (--format)",
    ),
    errno.ENAMETOOLONG: (
        Code.CS614,
        "file name too long",
        "use a shorter output path (--out DIR), or shorter file names in the course",
    ),
    errno.ENOTDIR: (
        Code.CS615,
        "a part of the path is a file, not a folder",
        "check the path: every part before the last must be a folder",
    ),
}
_OTHER = (Code.CS616, "system error", "check the disk and the path, then build again")


def os_error_diagnostic(exc: OSError) -> Diagnostic:
    """`exc` as a diagnostic naming the file it concerns (no position: it is not a source)."""
    code, what, hint = _KINDS.get(exc.errno or 0, _OTHER)
    if code == Code.CS616 and exc.strerror:
        what = exc.strerror[0].lower() + exc.strerror[1:]
    for name in (exc.filename, exc.filename2):
        if isinstance(name, str | bytes):
            what += (
                f": {os.fsdecode(name)}" if name is exc.filename else f" (to {os.fsdecode(name)})"
            )
    return Diagnostic(Severity.ERROR, code, what, None, hint)
