"""The date a build carries (zip entries, the PDF's cover and metadata): never the clock.

SOURCE_DATE_EPOCH if set (reproducible-builds.org), else the last git commit touching the
course folder, else the newest of the course's text sources.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path


def source_date_at(root: Path, paths: Iterable[Path]) -> datetime:
    """SOURCE_DATE_EPOCH if set, else the last commit touching `root`, else the newest path."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    if out.isdigit():
        return datetime.fromtimestamp(int(out), UTC)
    newest = max(int(p.stat().st_mtime) for p in paths)
    return datetime.fromtimestamp(newest, UTC)
