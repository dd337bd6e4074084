"""Self-tests of tests/support/browser.py: the helpers must be able to fail, not just pass."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from support.browser import (
    axe_violations,
    format_violations,
    has_horizontal_scroll,
    node_modules,
    off_origin_requests,
    page_dialogs,
    page_errors,
    recorded_requests,
    serve_dir,
)

HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8">'
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

GOOD = f"""{HEAD}{VIEWPORT}<title>Good page</title>
<link rel="stylesheet" href="style.css"></head>
<body><main><h1>Accessible</h1>
<p>Some text with an <img src="dot.svg" alt="a red dot"> image.</p>
<p><a href="other.html">Another page</a></p></main></body></html>
"""

BAD = f"""{HEAD}{VIEWPORT}<title>Bad page</title></head>
<body><main><h1>Inaccessible</h1><img src="dot.svg"></main></body></html>
"""

WIDE = f"""{HEAD}{VIEWPORT}<title>Wide page</title></head>
<body><main><h1>Wide</h1><div style="width: 1000px">too wide for a phone</div></main>
</body></html>
"""

# A strict CSP (as the generated site is expected to ship) must not stop axe from loading; the
# remote image is an off-origin request that must be recorded and blocked.
CSP = f"""{HEAD}{VIEWPORT}
<meta http-equiv="Content-Security-Policy" content="default-src 'self'">
<title>CSP page</title></head>
<body><main><h1>Strict</h1><img src="https://example.invalid/pixel.png" alt="remote"></main>
</body></html>
"""

SCRIPT_ERROR = f"""{HEAD}<title>Throws</title></head>
<body><main><h1>x</h1></main><script src="boom.js"></script></body></html>
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle cx="4" cy="4" r="4" fill="red"/></svg>'  # noqa: E501


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    for name, text in {
        "good.html": GOOD,
        "bad.html": BAD,
        "wide.html": WIDE,
        "csp.html": CSP,
        "throws.html": SCRIPT_ERROR,
        "other.html": GOOD,
        "style.css": "body { font-family: sans-serif; margin: 1rem; }\n",
        "dot.svg": SVG,
        "boom.js": "throw new Error('boom from boom.js');\n",
    }.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_node_modules_has_axe() -> None:
    assert (node_modules() / "axe-core" / "axe.min.js").is_file()


def test_serve_dir_serves_and_stops(site: Path) -> None:
    with serve_dir(site) as base:
        assert base.startswith("http://127.0.0.1:")
        assert not base.endswith("/")
        with urllib.request.urlopen(f"{base}/good.html", timeout=10) as response:
            assert response.status == 200
            assert b"Accessible" in response.read()
        with urllib.request.urlopen(f"{base}/dot.svg", timeout=10) as response:
            assert response.headers["Content-Type"] == "image/svg+xml"
        with urllib.request.urlopen(f"{base}/boom.js", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{base}/good.html", timeout=2)


def test_axe_passes_good_page(page: Page, http_server: Callable[[Path], str], site: Path) -> None:
    base = http_server(site)
    page.goto(f"{base}/good.html")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    assert format_violations(violations) == "no axe violations"


def test_axe_finds_missing_alt(page: Page, http_server: Callable[[Path], str], site: Path) -> None:
    base = http_server(site)
    page.goto(f"{base}/bad.html")
    violations = axe_violations(page)
    ids = {v["id"] for v in violations}
    assert "image-alt" in ids, format_violations(violations)
    message = format_violations(violations)
    assert "image-alt [critical]" in message
    assert "at img" in message
    # Running twice (axe already injected) gives the same answer.
    assert {v["id"] for v in axe_violations(page)} == ids


def test_axe_works_under_strict_csp(
    page: Page, http_server: Callable[[Path], str], site: Path
) -> None:
    base = http_server(site)
    page.goto(f"{base}/csp.html")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_requests_are_recorded_and_off_origin_blocked(
    page: Page, http_server: Callable[[Path], str], site: Path
) -> None:
    base = http_server(site)
    page.goto(f"{base}/good.html")
    page.wait_for_load_state("load")
    requests = recorded_requests(page)
    assert page.coursec_requests is requests  # type: ignore[attr-defined]
    assert f"{base}/good.html" in requests
    assert f"{base}/style.css" in requests
    assert f"{base}/dot.svg" in requests
    assert off_origin_requests(page, base) == []

    page.goto(f"{base}/csp.html")
    page.wait_for_load_state("load")
    assert "https://example.invalid/pixel.png" in recorded_requests(page)
    assert off_origin_requests(page, base) == ["https://example.invalid/pixel.png"]
    # A different port on the same host is a different origin.
    other = base.rsplit(":", 1)[0] + ":1"
    assert f"{base}/good.html" in off_origin_requests(page, other)


def test_page_errors_are_recorded(
    page: Page, http_server: Callable[[Path], str], site: Path
) -> None:
    base = http_server(site)
    page.goto(f"{base}/good.html")
    assert page_errors(page) == []
    page.goto(f"{base}/throws.html")
    page.wait_for_load_state("load")
    assert any("boom from boom.js" in e for e in page_errors(page)), page_errors(page)


def test_dialogs_are_recorded_and_dismissed(page: Page) -> None:
    page.set_content(
        "<script>alert('hello'); document.title = confirm('sure?') ? 'yes' : 'no';</script>"
    )
    assert page_dialogs(page) == ["alert: hello", "confirm: sure?"]
    assert page.title() == "no"  # dismissed, and the page went on


def test_horizontal_scroll_detection_at_320px(
    new_page: Callable[..., Page], http_server: Callable[[Path], str], site: Path
) -> None:
    base = http_server(site)
    page = new_page(width=320, height=640)
    assert page.viewport_size == {"width": 320, "height": 640}
    page.goto(f"{base}/good.html")
    assert has_horizontal_scroll(page) is False
    page.goto(f"{base}/wide.html")
    assert has_horizontal_scroll(page) is True
    page.set_viewport_size({"width": 1280, "height": 800})
    assert has_horizontal_scroll(page) is False


def test_browser_marker_is_added(request: pytest.FixtureRequest, page: Page) -> None:
    assert request.node.get_closest_marker("browser") is not None
