"""The PDF renderer's only way to files: `BuildFetcher` serves the build's own files, nothing else.

WeasyPrint never reaches the network or the file system by itself: every resource goes through
the fetcher, which serves only the build's own files (the course's media, the theme's static
and print files) from a virtual origin and refuses everything else. It serves them as every
output ships them (`shipped_bytes`), SVG in the form WeasyPrint draws as a browser does
(`svg`).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from coursec.active_content import shipped_bytes
from coursec.plan import BuildPlan

from .svg import printable_svg

PRINT_DIR = "print"
# Every resource URL of a handout lives under this origin (a reserved, unresolvable name:
# RFC 2606); the fetcher maps its paths to the build's files and never opens a connection.
ORIGIN = "https://coursec.invalid/"
BASE_URL = ORIGIN + "handout.html"


class RefusedURL(ValueError):
    """A handout asked for a resource that is not one of the build's files."""


@dataclass(slots=True)
class BuildFetcher:
    """A WeasyPrint URL fetcher that serves a fixed set of files and refuses everything else.

    No http(s), no `file:` URL, no `data:` URL: only `ORIGIN/<path>` for a path in `files`.
    Refused URLs are remembered (in order, once each) so the exporter can report them, and so
    is what an SVG it served cannot show in print (`unprintable`: file, then what).
    """

    files: Mapping[str, Path | bytes]
    refused: list[str] = field(default_factory=list)
    unprintable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # WeasyPrint reads this on its fetcher: a refusal is logged, and must not stop the rendering.
    _fail_on_errors: ClassVar[bool] = False

    def resolve(self, url: str) -> tuple[bytes, str]:
        """The bytes and MIME type served for `url`; raises `RefusedURL` for anything else."""
        key = self._key(url)
        if key is None or key not in self.files:
            if url not in self.refused:
                self.refused.append(url)
            raise RefusedURL(f"coursec serves only the course's own files to the PDF: {url}")
        return self.served(key), _mime_type(url)

    def served(self, key: str) -> bytes:
        """The bytes served for the build's file `key`."""
        source = self.files[key]
        data = source if isinstance(source, bytes) else shipped_bytes(source)
        if _mime_type(key) != "image/svg+xml":
            return data
        printable = printable_svg(data)
        if printable.lost:
            self.unprintable.setdefault(key, printable.lost)
        return printable.data

    def __call__(self, url: str) -> Any:
        """WeasyPrint's fetcher protocol: a response, or an exception it logs and skips."""
        data, mime = self.resolve(url)
        try:
            from weasyprint.urls import URLFetcherResponse
        except ImportError:  # older WeasyPrint: fetchers return a dict
            return {"string": data, "mime_type": mime, "redirected_url": url}
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    @staticmethod
    def _key(url: str) -> str | None:
        if not url.startswith(ORIGIN):
            return None
        parts = urlsplit(url)
        if parts.query or parts.username or parts.password or parts.port:
            return None
        path = unquote(parts.path).lstrip("/")
        if not path or any(p in ("", ".", "..") for p in path.split("/")) or "\\" in path:
            return None
        return path


def _mime_type(url: str) -> str:
    path = urlsplit(url).path
    if path.endswith(".svg"):
        return "image/svg+xml"
    if path.endswith(".css"):
        return "text/css"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def build_files(plan: BuildPlan) -> dict[str, Path | bytes]:
    """What a handout may load: course media, theme static files, the theme's print folder.

    Theme files are served only if they really are inside a theme folder: a symbolic link in a
    course's `templates/` that points elsewhere is left out.
    """
    dirs = [d.resolve() for d in plan.theme.dirs]

    def inside(path: Path) -> bool:
        real = path.resolve()
        return any(real.is_relative_to(d) for d in dirs)

    files: dict[str, Path | bytes] = {}
    for static in plan.theme.static_files():
        if static.source is None:
            files[static.dest] = static.read()
        elif inside(static.source):
            files[static.dest] = static.source
    for directory in reversed(plan.theme.dirs):  # the course's own print files win
        root = directory / PRINT_DIR
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(directory).as_posix()
            hidden = any(part.startswith(".") for part in rel.split("/"))
            if not hidden and not rel.endswith(".j2") and inside(path):
                files[rel] = path
    for asset in plan.course.assets:  # the loader keeps these inside the course folder
        files[asset.dest] = asset.source
    return files
