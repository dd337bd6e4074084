"""Browser test support: headless Debian Chromium via Playwright, a local HTTP server, axe-core.

Loaded as a pytest plugin (``pytest_plugins = ["support.browser"]`` in ``tests/conftest.py``).

Fixtures
--------
``browser`` (session)
    A Playwright (sync API) ``Browser`` running ``/usr/bin/chromium`` headless.  Playwright's own
    browser downloads are never used.  If Chromium is missing the test *fails* (never skips).
``new_page`` (function)
    Factory ``new_page(width=1280, height=800, fresh=False, **context_options) -> Page``.  Pages
    are lent from the worker's warm pages (``support.pages``), cleaned as new between tests;
    ``fresh=True``, or context options other than the emulated media (``color_scheme``,
    ``reduced_motion``, ``forced_colors``), open a context of the test's own, closed at
    teardown.  Every page it returns is *recorded*, see below.
``page`` (function)
    ``new_page()`` with the default 1280x800 viewport.
``http_server`` (function)
    Factory ``http_server(directory) -> base_url``: serves ``directory`` on 127.0.0.1 with an
    ephemeral port; ``base_url`` has no trailing slash (``f"{base_url}/index.html"``).  All
    servers are shut down at teardown.  ``serve_dir(directory)`` is the same as a plain context
    manager for use outside fixtures.

Recorded pages
--------------
Pages from ``page``/``new_page`` carry three extra attributes (lists that keep filling up while
the page lives; read them through ``recorded_requests``/``page_errors``/``page_dialogs`` for a
typed view):

* ``page.coursec_requests: list[str]`` -- URL of every request the page, its frames and its
  popups made during the test, in order (including ones that were blocked).
* ``page.coursec_errors: list[str]`` -- uncaught page exceptions and ``console.error`` messages.
* ``page.coursec_dialogs: list[str]`` -- ``"<type>: <message>"`` of every alert, confirm, prompt
  or beforeunload dialog, each dismissed as it opens.

Requests that would leave the machine (anything but http(s) to 127.0.0.1/localhost/[::1] and
``file:``/``data:``/``blob:``/``about:`` URLs) are *recorded and then aborted*, so tests stay
hermetic; ``off_origin_requests(page, base_url)`` lists every recorded request outside
``base_url``'s origin.

Helpers
-------
``node_modules() -> Path``, ``axe_violations(page, ...) -> list[dict]``,
``format_violations(violations) -> str``, ``has_horizontal_scroll(page) -> bool``,
``jump_to_the_end(page_or_frame)``, ``wait_until_still(page_or_frame)``.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from support.pages import EMULATED, PagePool, open_page

__all__ = [
    "CHROMIUM_ARGS",
    "axe_violations",
    "chromium_path",
    "format_violations",
    "has_horizontal_scroll",
    "jump_to_the_end",
    "node_modules",
    "off_origin_requests",
    "page_dialogs",
    "page_errors",
    "recorded_requests",
    "serve_dir",
    "wait_until_still",
]

JS_DIR = Path(__file__).resolve().parents[1] / "js"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --------------------------------------------------------------------------- helpers


def node_modules() -> Path:
    """Path of ``tests/js/node_modules``; fails the test with a hint when it is missing."""
    path = JS_DIR / "node_modules"
    if not path.is_dir():
        pytest.fail(
            f"{path} is missing: the JavaScript test runtime is not installed; "
            "run `npm ci --prefix tests/js` from the repository root",
            pytrace=False,
        )
    return path


def chromium_path() -> Path:
    """The Chromium binary (``$COURSEC_CHROMIUM`` or ``/usr/bin/chromium``); fails if absent."""
    path = Path(os.environ.get("COURSEC_CHROMIUM", DEFAULT_CHROMIUM))
    if not path.is_file():
        pytest.fail(
            f"Chromium not found at {path}: browser tests need Debian's Chromium "
            "(`apt-get install chromium`), or set COURSEC_CHROMIUM to another binary. "
            "Playwright's own browser downloads are not used.",
            pytrace=False,
        )
    return path


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default_port


def recorded_requests(page: Page) -> list[str]:
    """Every request URL recorded for ``page``'s context (see module docstring)."""
    return cast(list[str], page.coursec_requests)  # type: ignore[attr-defined]


def page_errors(page: Page) -> list[str]:
    """Uncaught exceptions and ``console.error`` messages recorded for ``page``."""
    return cast(list[str], page.coursec_errors)  # type: ignore[attr-defined]


def page_dialogs(page: Page) -> list[str]:
    """Dialogs the page and its popups opened (each dismissed), as ``"<type>: <message>"``."""
    return cast(list[str], page.coursec_dialogs)  # type: ignore[attr-defined]


def off_origin_requests(page: Page, base_url: str) -> list[str]:
    """Recorded requests whose origin differs from ``base_url``'s (``data:``/``blob:`` ignored)."""
    origin = _origin(base_url)
    return [
        url
        for url in recorded_requests(page)
        if urlsplit(url).scheme not in {"data", "blob"} and _origin(url) != origin
    ]


def wait_until_still(target: Page | Frame) -> None:
    """Wait until the page has not scrolled for three animation frames (smooth scrolls animate;
    what follows the viewport moves a frame after it)."""
    target.evaluate(
        """() => new Promise(done => {
            let last = -1, frames = 0;
            const tick = () => {
                const y = document.scrollingElement.scrollTop;
                frames = y === last ? frames + 1 : 0;
                last = y;
                if (frames >= 3) done(); else requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        })"""
    )


def jump_to_the_end(target: Page | Frame) -> None:
    """Scroll to the bottom at once, whatever the stylesheet's scroll-behavior (as a script or a
    scrollbar drag does)."""
    target.evaluate(
        "() => window.scrollTo({top: document.scrollingElement.scrollHeight, behavior: 'instant'})"
    )


def has_horizontal_scroll(page: Page) -> bool:
    """True when the document is wider than the viewport (content can be scrolled sideways)."""
    return bool(
        page.evaluate(
            "() => { const e = document.scrollingElement || document.documentElement;"
            " return e.scrollWidth > e.clientWidth; }"
        )
    )


def axe_violations(
    page: Page | Frame, *, context: str | None = None, options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run axe-core on the current document of a page or frame (or the elements the ``context``
    selector matches there) and return violations.

    axe is injected by evaluating ``axe.min.js`` through the DevTools protocol rather than with a
    ``<script>`` tag, so it also works on pages whose Content-Security-Policy forbids inline
    scripts (which an added script tag would violate).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        source = (node_modules() / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
        page.evaluate(source + "\n;undefined")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            pytest.fail("axe-core did not load into the page", pytrace=False)
    run_options: dict[str, Any] = {"resultTypes": ["violations"], **(options or {})}
    result = page.evaluate(
        "async ([ctx, opts]) => (await axe.run(ctx === null ? document : ctx, opts)).violations",
        [context, run_options],
    )
    return cast(list[dict[str, Any]], result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Readable multi-line summary of axe violations for assertion messages."""
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- {v.get('id')} [{v.get('impact')}]: {v.get('help')} <{v.get('helpUrl')}>")
        for node in v.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            html = " ".join(str(node.get("html", "")).split())
            if len(html) > 160:
                html = html[:157] + "..."
            lines.append(f"    at {target}: {html}")
            summary = " ".join(str(node.get("failureSummary", "")).split())
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTTP server


_MIME_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return _MIME_TYPES.get(Path(path).suffix.lower()) or super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_dir(directory: Path | str) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1:<ephemeral>; yields the base URL (no slash)."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise NotADirectoryError(root)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {root}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def http_server() -> Iterator[Callable[[Path | str], str]]:
    """Factory: ``http_server(directory) -> base_url``; every server stops at teardown."""
    stack: list[Any] = []

    def start(directory: Path | str) -> str:
        cm = serve_dir(directory)
        url = cm.__enter__()
        stack.append(cm)
        return url

    try:
        yield start
    finally:
        while stack:
            stack.pop().__exit__(None, None, None)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def playwright_sync() -> Iterator[Playwright]:
    """The running sync Playwright driver (session)."""
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_sync: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium (session); fails clearly when it is missing or won't start."""
    executable = chromium_path()
    try:
        instance = playwright_sync.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
    except PlaywrightError as exc:
        pytest.fail(f"could not launch Chromium at {executable}: {exc}", pytrace=False)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="session")
def page_pool(browser: Browser) -> Iterator[PagePool]:
    """The worker's warm pages (see ``support.pages``)."""
    pool = PagePool(browser)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def new_page(browser: Browser, page_pool: PagePool) -> Iterator[Callable[..., Page]]:
    """Factory ``new_page(width=1280, height=800, fresh=False, **context_options) -> Page``."""
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 800, fresh: bool = False, **options: Any) -> Page:
        if fresh or not options.keys() <= EMULATED.keys():
            page = open_page(browser, width, height, **options)
            contexts.append(page.context)
            return page
        return page_pool.borrow(width, height, options)

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
        page_pool.give_back()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A recorded 1280x800 page, clean as a new one, lent for the test."""
    return new_page()
