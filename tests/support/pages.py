"""Recorded pages, and the warm pages that one test worker hands from test to test.

A page that has already laid out a course costs Chromium about two fifths of the CPU a new one
does to open the next course (measured: ten SCO launches, 7.7 CPU-s on one page against 19.9 s
on ten fresh ones, each launch on its own server), so tests borrow pages from a pool instead of
opening a context each. Between tests a page is cleaned as a new one would be: it leaves for
``about:blank``, the storage and cookies of every origin it reached are cleared, its popups
close, and its viewport, emulated media, timeouts and records are set back. Every test server
listens on a port of its own, so no two tests share an origin either.

What a pool cannot take back is a page the test changed for good: a clock, an init script, a
route or a listener of its own (dialogs need none: every page dismisses and records them).
Such a test asks ``new_page(fresh=True)`` for a context of its own, as does one with context
options other than the emulated media.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    Route,
)
from playwright.sync_api import Error as PlaywrightError

DEFAULT_TIMEOUT_MS = 15_000
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})
# context options a borrowed page takes through `emulate_media`, with Playwright's defaults
EMULATED = {"color_scheme": "light", "reduced_motion": "no-preference", "forced_colors": "none"}
IDLE_PAGES = 2  # pages kept warm between tests; more would sit idle


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS


def _block_the_network(context: BrowserContext) -> None:
    def on_route(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", on_route)


def _new_records(page: Page) -> None:
    page.coursec_requests = []  # type: ignore[attr-defined]
    page.coursec_errors = []  # type: ignore[attr-defined]
    page.coursec_dialogs = []  # type: ignore[attr-defined]


def _record(page: Page) -> None:
    """Record into ``page.coursec_requests``/``coursec_errors``/``coursec_dialogs`` what the page
    and its popups request, throw and ask (dialogs are dismissed); the lists are looked up at
    each event, so a new test gets new ones."""
    _new_records(page)
    page.coursec_origins = set()  # type: ignore[attr-defined]  # whose storage the pool clears

    def on_request(request: Request) -> None:
        page.coursec_requests.append(request.url)  # type: ignore[attr-defined]
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "file"):
            page.coursec_origins.add(f"{parts.scheme}://{parts.netloc}")  # type: ignore[attr-defined]

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            page.coursec_errors.append(f"console.error: {message.text}")  # type: ignore[attr-defined]

    def on_page_error(error: PlaywrightError) -> None:
        page.coursec_errors.append(f"uncaught: {error.message}")  # type: ignore[attr-defined]

    def on_dialog(dialog: Dialog) -> None:
        page.coursec_dialogs.append(f"{dialog.type}: {dialog.message}")  # type: ignore[attr-defined]
        dialog.dismiss()

    def watch(target: Page) -> None:
        target.on("request", on_request)
        target.on("dialog", on_dialog)
        target.on("popup", watch)
        target.on("console", on_console)
        target.on("pageerror", on_page_error)

    watch(page)


def open_page(browser: Browser, width: int, height: int, **context_options: Any) -> Page:
    """A recorded page in a context of its own; the caller closes ``page.context``."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    _block_the_network(context)
    page = context.new_page()
    _record(page)
    return page


def _leave(page: Page) -> None:
    """Unload the page's document as a learner leaving would (its pagehide runs), or close the
    page if it will not go. The page leaves by script: ``about:blank`` reached from the browser
    side would count as a public page, and Chromium then refuses it frames from 127.0.0.1."""
    try:
        page.evaluate("() => { window.coursecLeft = true; location.href = 'about:blank'; }")
        page.wait_for_function("() => !window.coursecLeft", timeout=5_000)
    except PlaywrightError:
        page.close()


class PagePool:
    """Warm recorded pages, each in a browser context of its own (two pages of one context are
    not equals: Chromium slows the older one's frames while the newer one is in front), each
    lent to one test at a time."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.idle: list[Page] = []
        self.lent: list[Page] = []

    def borrow(self, width: int, height: int, media: dict[str, Any]) -> Page:
        page = self.idle.pop() if self.idle else open_page(self.browser, width, height)
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(media="null", **{**EMULATED, **media})
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        _new_records(page)
        self.lent.append(page)
        return page

    def give_back(self) -> None:
        """Clean every page lent since the last call and keep up to IDLE_PAGES of them."""
        lent, self.lent = self.lent, []
        for page in lent:
            if page.is_closed() or len(self.idle) >= IDLE_PAGES:
                page.context.close()
                continue
            origins = page.coursec_origins  # type: ignore[attr-defined]
            _leave(page)
            if page.is_closed():  # it would not leave
                page.context.close()
                continue
            for other in page.context.pages:
                if other != page:
                    other.close()  # popups, and pages the test opened itself
            cdp = page.context.new_cdp_session(page)
            for origin in sorted(origins):
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            cdp.detach()
            origins.clear()
            page.context.clear_cookies()
            self.idle.append(page)

    def close(self) -> None:
        for page in self.idle:
            page.context.close()
