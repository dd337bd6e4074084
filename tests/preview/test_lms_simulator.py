"""The preview's LMS simulator against scorm-again: the same SCO, the same learner, the same
calls; and what it flags that real LMSs reject."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

from conftest import REFERENCE_COURSE
from coursec.quiz import QuizView
from support.lms import LmsServer, LmsSession
from support.quiz import answer, reference_quiz, shown, wait_for_quiz

MODULE = "instrumental-convergence"
EDITIONS = {"1.2": "scorm12", "2004": "scorm2004"}
FINISH = {"1.2": "LMSFinish", "2004": "Terminate"}
INIT = {"1.2": "LMSInitialize", "2004": "Initialize"}
SESSION_TIME = {"cmi.core.session_time", "cmi.session_time"}
CLOCK = {"time", "timestamp", "latency"}  # of an interaction


def learner_run(frame: Frame, quiz: QuizView | None = None) -> None:
    """Read the module to its end, as the runtime tests do; with `quiz`, pass it first."""
    if quiz is not None:
        wait_for_quiz(frame)
        for view in shown(frame, quiz):
            answer(frame, view, right=True)
        frame.click(f"#{quiz.dom_id} button.cs-quiz__check")
        frame.wait_for_selector(f"#{quiz.dom_id} .cs-quiz__result .cs-quiz__score")
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
            if args[0] == "cmi.suspend_data":  # time on the page, the shuffled choices' order
                value = "~".join(value.split("~")[:3])
            if args[0].rsplit(".", 1)[-1] in CLOCK:
                value = "<clock>"
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
    learner_run(frame, reference_quiz())
    page.click("#lms-exit")
    page.wait_for_function("m => window.__calls.some(c => c.method === m)", arg=FINISH[edition])
    calls: list[dict[str, Any]] = page.evaluate("() => window.__calls")
    assert page.evaluate("() => window.__flags") == []  # coursec's runtime does nothing amiss
    assert page.locator("#lms-flags").inner_text() == "nothing so far"
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
        learner_run(session.launch(), reference_quiz())
        session.unload()
        reference = session.calls()
    ours, theirs = recorded(simulated), recorded(reference)
    differ = {
        k: (ours["last values"].get(k), theirs["last values"].get(k))
        for k in ours["last values"].keys() | theirs["last values"].keys()
        if ours["last values"].get(k) != theirs["last values"].get(k)
    }
    assert ours == theirs, differ
    kept = ours["last values"]
    score = "cmi.core.score.raw" if edition == "1.2" else "cmi.score.raw"
    assert kept[score][1:] == ("true", "0") and "cmi.interactions.0.id" in kept, kept


def test_the_simulator_flags_what_lms_reject_and_resumes(
    start_preview: Callable[[Path], Any], page: Page, tmp_path: Path
) -> None:
    preview = start_preview(REFERENCE_COURSE)
    page.goto(f"{preview.url}{MODULE}.html?lms=scorm12")
    page.wait_for_function("() => window.__calls.some(c => c.method === 'LMSInitialize')")
    results = page.evaluate(
        """() => [
            API.LMSInitialize(""), API.LMSGetLastError(""),
            API.LMSSetValue("cmi.core.lesson_location", "x".repeat(300)), API.LMSGetLastError(""),
            API.LMSSetValue("cmi.core.lesson_status", "passed"),
        ]"""
    )
    assert results == ["false", "101", "false", "405", "true"]
    flags = page.evaluate("() => window.__flags")
    assert "LMSInitialize called a second time" in flags
    assert any("300 characters, more than SCORM 1.2 allows (255)" in f for f in flags)
    assert 'cmi.core.lesson_status set to "passed" before a score was set' in flags
    panel = page.locator("#lms-flags")  # drawn at the next animation frame
    expect(panel).to_contain_text("a second time")
    expect(panel).to_contain_text("before a score")

    # a learner reads to the end and leaves; relaunching resumes with what the LMS stored
    page.click("#lms-reset")
    page.wait_for_function("() => window.__calls.some(c => c.method === 'LMSInitialize')")
    learner_run(sco(page))
    page.click("#lms-exit")
    page.wait_for_function("() => window.__calls.some(c => c.method === 'LMSFinish')")
    after_finish = page.evaluate("() => API.LMSGetValue('cmi.core.lesson_status')")
    assert after_finish == ""
    assert "LMSGetValue called after LMSFinish" in page.evaluate("() => window.__flags")
    stored = page.evaluate("() => window.__lms.session.data['cmi.suspend_data']")
    assert stored
    page.click("#lms-relaunch")
    page.wait_for_function(
        "() => window.__calls.filter(c => c.method === 'LMSInitialize').length >= 2"
    )
    page.wait_for_function(
        "() => window.__calls.some(c => c.args[0] === 'cmi.suspend_data'"
        " && c.method === 'LMSGetValue' && c.result !== '')"
    )
    entry = [
        c["result"]
        for c in page.evaluate("() => window.__calls")
        if c["method"] == "LMSGetValue" and c["args"][0] == "cmi.core.entry"
    ]
    assert entry[-1] == "resume"
    assert page.locator("#lms-cmi dd[data-field=status]").inner_text() == "completed"
    meter = page.evaluate("() => document.getElementById('lms-suspend').value")
    assert meter == len(page.evaluate("() => window.__lms.session.data['cmi.suspend_data']"))
    assert "of 4096 characters" in page.locator("#lms-suspend-text").inner_text()

    early = page.evaluate("() => { window.__lms.launch(); return API.LMSCommit(''); }")
    assert early == "false"
    assert "LMSCommit called before LMSInitialize" in page.evaluate("() => window.__flags")


def sco(page: Page) -> Frame:
    handle = page.query_selector("#sco")
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame
