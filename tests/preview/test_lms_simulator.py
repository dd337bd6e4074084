"""The preview's LMS simulator against scorm-again: the same SCO, the same learner, the same
calls; and what it flags that real LMSs reject."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page

from conftest import REFERENCE_COURSE
from support.lms import LmsServer, LmsSession

MODULE = "instrumental-convergence"
EDITIONS = {"1.2": "scorm12", "2004": "scorm2004"}
FINISH = {"1.2": "LMSFinish", "2004": "Terminate"}
INIT = {"1.2": "LMSInitialize", "2004": "Initialize"}
SESSION_TIME = {"cmi.core.session_time", "cmi.session_time"}


def learner_run(frame: Frame) -> None:
    """Read the module to its end, as the runtime tests do."""
    frame.wait_for_function("() => window.coursecScorm && window.coursecScorm.state().sections")
    frame.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    frame.wait_for_function(
        "() => { const s = window.coursecScorm.state();"
        " return s.completed && s.current === s.sections.at(-1); }"
    )


def recorded(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """What an LMS keeps of a run, whatever the timing of the scroll events: every call but the
    setters and commits in order with its result and error, the last value set for each element
    (with its result and error), and the error codes seen."""
    flow, last = [], {}
    for call in calls:
        args = tuple(str(a) for a in call["args"])
        if call["method"].endswith("SetValue"):
            value = "<time>" if args[0] in SESSION_TIME else args[1]
            last[args[0]] = (value, str(call["result"]), call["error"])
        elif not call["method"].endswith("Commit"):
            flow.append((call["method"], args, str(call["result"]), call["error"]))
    errors = sorted({str(c["error"]) for c in calls})
    return {"calls": flow, "last values": last, "errors": errors}


def simulator_run(page: Page, url: str, edition: str) -> list[dict[str, Any]]:
    page.goto(f"{url}{MODULE}.html?lms={EDITIONS[edition]}")
    page.wait_for_function("m => window.__calls.some(c => c.method === m)", arg=INIT[edition])
    handle = page.query_selector("#sco")
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    learner_run(frame)
    page.click("#lms-exit")
    page.wait_for_function("m => window.__calls.some(c => c.method === m)", arg=FINISH[edition])
    calls: list[dict[str, Any]] = page.evaluate("() => window.__calls")
    return calls


@pytest.mark.parametrize("edition", ["1.2", "2004"])
def test_the_simulator_records_what_scorm_again_records(
    edition: str,
    start_preview: Callable[[Path], Any],
    new_page: Callable[..., Page],
    tmp_path: Path,
) -> None:
    preview = start_preview(REFERENCE_COURSE)
    package = tmp_path / "package"
    [archive] = preview.live.out_dir.glob(f"*-{EDITIONS[edition]}.zip")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(package)
    simulated = simulator_run(new_page(), preview.url, edition)
    with LmsServer(package) as server:
        session = LmsSession(new_page(), server.base_url, edition, f"{MODULE}.html")  # type: ignore[arg-type]
        learner_run(session.launch())
        session.unload()
        reference = session.calls()
    ours, theirs = recorded(simulated), recorded(reference)
    differ = {
        k: (ours["last values"].get(k), theirs["last values"].get(k))
        for k in ours["last values"].keys() | theirs["last values"].keys()
        if ours["last values"].get(k) != theirs["last values"].get(k)
    }
    assert ours == theirs, differ
