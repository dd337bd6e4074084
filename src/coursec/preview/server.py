"""The preview's HTTP server: the last good build's files, and nothing else, on 127.0.0.1.

    /…                        a file of the built HTML site (a folder: its index.html); an HTML
                              page gets the preview script added (never on disk: only here)
    /<page>.html?lms=scorm12  the LMS simulator, running that module's SCO (also scorm2004)
    /__sco__/<format>/…       a file of that SCORM package (read from the zip the build wrote)
    /__coursec__/events       Server-Sent Events: the state of each build as it finishes
    /__coursec__/<file>       the preview's own script and styles (package data)

Anything else, and any path that leaves the output (`..`, a symlink pointing out), is a 404.
Standard library only (`http.server`, one thread per request).
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import threading
import zipfile
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity
from coursec.preview.live import LiveBuild

__all__ = ["EDITIONS", "PreviewServer", "inject"]

# format name -> (SCORM edition as the simulator names it, suspend_data limit in characters)
EDITIONS = {"scorm12": ("1.2", 4096), "scorm2004": ("2004", 64000)}
ASSETS = frozenset({"preview.js", "preview.css", "lms.js", "lms.css"})
KEEPALIVE_SECONDS = 10.0
WAITING = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>coursec preview</title></head>
<body><main><h1>Waiting for the course to build</h1>
<p>This page shows the course as soon as it builds without errors.</p></main>
</body></html>
"""
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def inject(html: bytes, version: int) -> bytes:
    """The page with the preview script added before `</body>` (at the end if there is none)."""
    tag = f'<script src="/__coursec__/preview.js" data-version="{version}"></script>\n'.encode()
    at = html.rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _content_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    guessed = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _inside(root: Path, relative: str) -> Path | None:
    """The regular file `relative` names under `root`, or None if there is none or it is outside."""
    parts = [p for p in relative.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    target = root.joinpath(*parts) if parts else root
    if target.is_dir():
        target = target / "index.html"
    try:
        resolved = target.resolve(strict=True)
    except OSError:
        return None
    return resolved if resolved.is_relative_to(root.resolve()) and resolved.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for the course's diagnostics."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        live = self.server.live
        if path == "/__coursec__/events":
            self._events()
        elif path.startswith("/__coursec__/"):
            name = path.removeprefix("/__coursec__/")
            if name in ASSETS:
                self._send(_asset(name), _content_type(name))
            else:
                self._not_found()
        elif path.startswith("/__sco__/"):
            self._sco(path.removeprefix("/__sco__/"))
        else:
            file = _inside(live.site, path)
            if file is None and not live.site.is_dir() and not posixpath.splitext(path)[1]:
                # no good build yet: a page that shows the errors and reloads on the first one
                self._send(inject(WAITING, live.state.version), "text/html; charset=utf-8")
                return
            if file is None:
                self._not_found()
                return
            body = file.read_bytes()
            if file.suffix == ".html":
                lms = parse_qs(url.query).get("lms", [""])[0]
                relative = file.relative_to(live.site.resolve()).as_posix()
                if lms in EDITIONS and self._has_sco(lms, relative):
                    body = self._simulator(lms, relative)
                body = inject(body, live.state.version)
            self._send(body, _content_type(file.name))

    def _has_sco(self, fmt: str, page: str) -> bool:
        """Whether the page is a SCO of that package (a module's page, not the course home)."""
        package = self.server.live.package(fmt)
        if package is None:
            return False
        try:
            with zipfile.ZipFile(package) as archive:
                archive.getinfo(page)
        except (KeyError, OSError, zipfile.BadZipFile):
            return False
        return True

    def _simulator(self, fmt: str, page: str) -> bytes:
        edition, limit = EDITIONS[fmt]
        config = {
            "format": fmt,
            "edition": edition,
            "suspendLimit": limit,
            "launch": f"/__sco__/{fmt}/{page}",
            "page": f"/{page}",
            "key": f"coursec-lms:{fmt}:{page}",
        }
        shell = _asset("lms.html").decode()
        data = json.dumps(config).replace("<", "\\u003c")
        return shell.replace("%%config%%", data).encode()

    def _sco(self, rest: str) -> None:
        fmt, _, member = rest.partition("/")
        package = self.server.live.package(fmt) if fmt in EDITIONS else None
        member = posixpath.normpath(member) if member else ""
        if package is None or not member or member.startswith(("..", "/")):
            self._not_found()
            return
        try:
            with zipfile.ZipFile(package) as archive:
                body = archive.read(member)
        except (KeyError, OSError, zipfile.BadZipFile):
            self._not_found()
            return
        self._send(body, _content_type(member))

    def _events(self) -> None:
        live = self.server.live
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        version = -1
        try:
            while not live.stop.is_set():
                state = live.wait(version, KEEPALIVE_SECONDS)
                if state.version == version:
                    self.wfile.write(b": still here\n\n")  # finds clients that went away
                else:
                    version = state.version
                    self.wfile.write(f"data: {json.dumps(state.to_json())}\n\n".encode())
                self.wfile.flush()
        except OSError:  # the page was closed or reloaded
            return

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self) -> None:
        body = b"404: not a file of the preview\n"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    live: LiveBuild


class PreviewServer:
    """Serves `live`'s output on `host:port` (port 0: any free port) in a thread of its own."""

    def __init__(self, live: LiveBuild, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            self._httpd = _Server((host, port), _Handler)
        except OSError as exc:  # the port is taken, or the address is not this machine's
            why = exc.strerror or str(exc)
            raise CoursecError(
                [
                    Diagnostic(
                        Severity.ERROR,
                        Code.CS802,
                        f"cannot serve the preview on {host}:{port}: {why}",
                        hint="choose another --port (0: any free port), or another --host",
                    )
                ]
            ) from exc
        self._httpd.live = live
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> PreviewServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.live.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
