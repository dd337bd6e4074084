"""The SCO runtime (templates/static/coursec-scorm.js) against scorm-again in headless Chromium.

Fixture packages under ``fixtures/`` follow the exporter's page contract; ``make_package`` copies
one next to the runtime script and ``support.lms`` plays the LMS.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Frame, Page
from playwright.sync_api import Error as PlaywrightError

from coursec.exporters.scorm.state import (
    MAX_SECONDS,
    SUSPEND_LIMITS,
    encode_state,
    state_key,
    worst_case_suspend_length,
)
from coursec.i18n import Interface
from coursec.site import SCORM_MESSAGES
from support.lms import LmsServer, LmsSession, next_launch_cmi

in_browser = pytest.mark.browser
EDITIONS = pytest.mark.parametrize("edition", ["1.2", "2004"])
PACKAGE = {"1.2": "scorm12", "2004": "scorm2004"}
# package name -> (fixture folder, edition written into its pages)
MULTI_SCO = {"scorm12": ("multi", "1.2"), "scorm2004": ("multi", "2004")}
MODULE = "instrumental-convergence"
LAUNCH = f"{MODULE}/index.html"
SECTIONS = [
    f"{MODULE}-intro",
    f"{MODULE}-goals",
    f"{MODULE}-self-preservation",
    f"{MODULE}-resources",
    f"{MODULE}-summary",
]
OBJECTIVES = ["agai-302.explain-ic", "agai-302.identify-subgoals"]
TIME_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
TIME_2004 = re.compile(r"^PT(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$")
CONFIG_RE = re.compile(
    r'(<script type="application/json" id="coursec-sco">)(.*?)(</script>)', re.DOTALL
)


# --------------------------------------------------------------------------- fixtures

REPO = Path(__file__).resolve().parents[2]
RUNTIME_JS = REPO / "templates" / "static" / "coursec-scorm.js"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class RecordedPage:
    """A page plus everything it (and its frames and popups) printed or threw."""

    page: Page
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        errors = [text for kind, text in self.console if kind in ("error", "assert")]
        return errors + self.page_errors


@pytest.fixture
def rt_page(new_page: Callable[..., Page]) -> Iterator[RecordedPage]:
    page = new_page(width=1000, height=700)
    recorded = RecordedPage(page)

    def on_console(message: ConsoleMessage) -> None:
        recorded.console.append((message.type, message.text))

    def on_error(error: PlaywrightError) -> None:
        recorded.page_errors.append(str(error))

    def watch(target: Page) -> None:
        target.on("console", on_console)
        target.on("pageerror", on_error)
        target.on("popup", watch)

    watch(page)
    try:
        yield recorded
    finally:  # the page goes back to the pool: take our listeners off it
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
        page.remove_listener("popup", watch)


MakePackage = Callable[[str], Path]
RUNTIME_TAG = '<script src="../static/coursec-scorm.js"></script>'
RUNTIME_TEXT = (  # the runtime's messages, in English, as a SCORM page gives them (coursec.site)
    '<script type="application/json" id="coursec-text">'
    + Interface("en").runtime_json(SCORM_MESSAGES)
    + "</script>\n"
)


@pytest.fixture
def make_package(tmp_path: Path) -> MakePackage:
    """Copy ``fixtures/<name>`` to a temp dir laid out like an extracted SCO package.

    The runtime goes to ``static/coursec-scorm.js`` (the pages load ``../static/...``).
    """

    def make(name: str) -> Path:
        root = tmp_path / name
        source, edition = MULTI_SCO.get(name, (name, None))
        shutil.copytree(FIXTURES / source, root)
        if edition is not None:  # one set of multi-SCO pages, written for SCORM 1.2
            for page_file in root.glob("*/index.html"):
                html = page_file.read_text(encoding="utf-8")
                assert '"edition": "1.2"' in html, page_file
                page_file.write_text(
                    html.replace('"edition": "1.2"', f'"edition": "{edition}"'), encoding="utf-8"
                )
        for page_file in root.glob("*/index.html"):  # what coursec's own pages carry
            html = page_file.read_text(encoding="utf-8")
            if 'id="coursec-text"' not in html:
                page_file.write_text(
                    html.replace(RUNTIME_TAG, RUNTIME_TEXT + RUNTIME_TAG, 1), encoding="utf-8"
                )
        (root / "static").mkdir(exist_ok=True)
        shutil.copy2(RUNTIME_JS, root / "static" / "coursec-scorm.js")
        return root

    return make


@pytest.fixture
def lms_server() -> Iterator[Callable[[Path], LmsServer]]:
    servers: list[LmsServer] = []

    def start(root: Path) -> LmsServer:
        server = LmsServer(root).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# --------------------------------------------------------------------------- helpers


def read_config(page_file: Path) -> dict[str, Any]:
    match = CONFIG_RE.search(page_file.read_text(encoding="utf-8"))
    assert match, f"no coursec-sco config in {page_file}"
    config: dict[str, Any] = json.loads(match.group(2))
    return config


def rewrite_config(page_file: Path, **changes: Any) -> dict[str, Any]:
    """Change keys of a page's ``coursec-sco`` JSON in place (a rebuilt SCO); return it."""
    html = page_file.read_text(encoding="utf-8")
    match = CONFIG_RE.search(html)
    assert match, f"no coursec-sco config in {page_file}"
    config: dict[str, Any] = json.loads(match.group(2))
    config.update(changes)
    block = match.group(1) + json.dumps(config, indent=2) + match.group(3)
    page_file.write_text(html[: match.start()] + block + html[match.end() :], encoding="utf-8")
    return config


def state(frame: Frame) -> dict[str, Any]:
    result: dict[str, Any] = frame.evaluate("() => window.coursecScorm.state()")
    return result


def scroll_to(frame: Frame, section_id: str) -> None:
    frame.evaluate("id => document.getElementById(id).scrollIntoView({block: 'start'})", section_id)
    frame.wait_for_function(
        "id => window.coursecScorm.state().viewed.includes(id)", arg=section_id, timeout=5000
    )
    frame.wait_for_function(
        "id => window.coursecScorm.state().current === id", arg=section_id, timeout=5000
    )


def scroll_through(frame: Frame, section_ids: list[str]) -> None:
    for section_id in section_ids:
        scroll_to(frame, section_id)


def status_of(edition: str, cmi: dict[str, Any]) -> str:
    return str(cmi["core"]["lesson_status"] if edition == "1.2" else cmi["completion_status"])


def location_of(edition: str, cmi: dict[str, Any]) -> str:
    return str(cmi["core"]["lesson_location"] if edition == "1.2" else cmi["location"])


def objectives_of(cmi: dict[str, Any]) -> list[dict[str, Any]]:
    objectives = cmi.get("objectives", {})
    return [objectives[k] for k in sorted(objectives, key=int)]


def methods(session: LmsSession) -> list[str]:
    return [c["method"] for c in session.calls()]


def assert_clean(session: LmsSession, page: RecordedPage, *, finished: bool = False) -> None:
    """Initialize first and once, at most one finish, no API errors, nothing on the console."""
    names = methods(session)
    assert names, "the SCO made no API calls"
    assert names[0] == session.init_method
    assert names.count(session.init_method) == 1
    assert names.count(session.finish_method) == (1 if finished else 0), session.dump()
    assert session.errors() == [], session.dump()
    assert page.problems() == []


def session_for(
    page: RecordedPage, server: LmsServer, edition: str, launch: str = LAUNCH, **kwargs: Any
) -> LmsSession:
    assert edition in ("1.2", "2004")
    return LmsSession(page.page, server.base_url, edition, launch, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- build-time side


def test_fixture_state_keys_match_python() -> None:
    pages = sorted(FIXTURES.glob("*/*/index.html"))
    assert len(pages) == 3
    for page_file in pages:
        config = read_config(page_file)
        assert config["stateKey"] == state_key(config["sections"]), page_file
        assert re.fullmatch(r"[0-9a-f]{8}", config["stateKey"])


def test_state_key_changes_with_sections() -> None:
    assert state_key(["a", "b"]) != state_key(["b", "a"])
    assert state_key(["a", "b"]) != state_key(["ab"])
    assert state_key([]) == state_key(iter([]))
    assert len(state_key(SECTIONS)) == 8


def test_worst_case_suspend_length() -> None:
    assert SUSPEND_LIMITS == {"1.2": 4096, "2004": 64000}
    for n in (0, 1, 4, 5, 8, 9, 100, 1000):
        longest = encode_state("ffffffff", [True] * n, MAX_SECONDS)
        assert worst_case_suspend_length(n) == len(longest)
    assert worst_case_suspend_length(5) == 22
    with pytest.raises(ValueError):
        worst_case_suspend_length(-1)
    # 1.2's 4096 chars leave room for about 16000 sections
    assert worst_case_suspend_length(16_000) <= SUSPEND_LIMITS["1.2"]


def test_python_encoder_shape() -> None:
    assert encode_state("3f9a0c1e", [True] * 5, 12) == "1~3f9a0c1e~f1~12"
    sparse = [False, True, False, False, False, True]
    assert encode_state("3f9a0c1e", sparse, 0) == "1~3f9a0c1e~22~0"
    assert encode_state("3f9a0c1e", [], MAX_SECONDS + 5) == f"1~3f9a0c1e~~{MAX_SECONDS}"
    with pytest.raises(ValueError):
        encode_state("3F9A0C1E", [], 0)


# --------------------------------------------------------------------------- pure JS functions


@in_browser
def test_session_time_formatters(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm12"))
    frame = rt_page.page
    frame.goto(f"{server.base_url}/{LAUNCH}")  # no LMS: the formatters work all the same
    cases_12 = {
        0: "00:00:00",
        5: "00:00:00.01",
        7_500: "00:00:07.5",
        59_990: "00:00:59.99",
        59_999: "00:01:00",
        727_500: "00:12:07.5",
        3_903_250: "01:05:03.25",
        360_003_250: "100:00:03.25",
        36_000_000_000: "9999:59:59.99",
        -5: "00:00:00",
    }
    cases_2004 = {
        0: "PT0S",
        5: "PT0.01S",
        7_500: "PT7.5S",
        59_990: "PT59.99S",
        59_999: "PT1M",
        60_000: "PT1M",
        3_600_000: "PT1H",
        3_903_250: "PT1H5M3.25S",
        360_000_000: "PT100H",
        360_003_250: "PT100H3.25S",
        -5: "PT0S",
    }
    got_12 = frame.evaluate(
        "cases => cases.map(ms => window.coursecScorm.formatSessionTime12(ms))",
        list(cases_12),
    )
    got_2004 = frame.evaluate(
        "cases => cases.map(ms => window.coursecScorm.formatSessionTime2004(ms))",
        list(cases_2004),
    )
    assert dict(zip(cases_12, got_12, strict=True)) == cases_12
    assert dict(zip(cases_2004, got_2004, strict=True)) == cases_2004
    assert frame.evaluate("window.coursecScorm.formatSessionTime12(NaN)") == "00:00:00"
    assert frame.evaluate("window.coursecScorm.formatSessionTime2004(undefined)") == "PT0S"
    # a sweep of awkward values: every result matches the data-model format
    sweep = frame.evaluate(
        """() => {
            const out = [];
            for (let ms = 0; ms < 400000000; ms = ms * 3 + 7) {
                out.push([window.coursecScorm.formatSessionTime12(ms),
                          window.coursecScorm.formatSessionTime2004(ms)]);
            }
            return out;
        }"""
    )
    for t12, t2004 in sweep:
        assert TIME_12.match(t12), t12
        assert t2004 == "PT0S" or TIME_2004.match(t2004), t2004
    assert rt_page.problems() == []


@in_browser
def test_state_encoding_matches_python(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm12"))
    rt_page.page.goto(f"{server.base_url}/{LAUNCH}")
    js = rt_page.page.evaluate
    for n in (0, 1, 3, 4, 5, 9, 37):
        viewed = [i % 3 != 1 for i in range(n)]
        expected = encode_state("0123abcd", viewed, 4711)
        encoded = js(
            "([v]) => window.coursecScorm.encodeState({key: '0123abcd', viewed: v, seconds: 4711})",
            [viewed],
        )
        assert encoded == expected
        decoded = js("([s, n]) => window.coursecScorm.decodeState(s, n)", [encoded, n])
        assert decoded == {
            "version": 1,
            "key": "0123abcd",
            "viewed": viewed,
            "seconds": 4711,
            "extra": [],
        }
        assert len(encoded) <= worst_case_suspend_length(n)
    capped = js("() => window.coursecScorm.encodeState({key: 'ffffffff', seconds: 1e12})")
    assert capped == f"1~ffffffff~~{MAX_SECONDS}"
    # later fields survive a decode
    assert js("() => window.coursecScorm.decodeState('1~0123abcd~3~5~q:ab', 2).extra") == ["q:ab"]
    for bad, n in [
        ("", 2),
        ("garbage", 2),
        ("2~0123abcd~3~5", 2),  # another version
        ("1~0123abcd~3", 2),  # too few fields
        ("1~0123ABCD~3~5", 2),  # key not lower-case hex
        ("1~0123abc~3~5", 2),  # short key
        ("1~0123abcd~03~5", 2),  # wrong width for 2 sections
        ("1~0123abcd~7~5", 2),  # a bit beyond the last section
        ("1~0123abcd~3~-5", 2),
        ("1~0123abcd~3~123456789", 2),  # more than 8 digits of seconds
    ]:
        assert js("([s, n]) => window.coursecScorm.decodeState(s, n)", [bad, n]) is None, bad
    measures = js(
        "() => [1/3, 2/3, 0.5, 1, 0, 1e-9, 0.99999, 2].map(window.coursecScorm.formatMeasure)"
    )
    assert measures == ["0.3333", "0.6667", "0.5", "1", "0", "0", "1", "1"]


# --------------------------------------------------------------------------- first launch


@in_browser
@EDITIONS
def test_first_launch(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition)
    frame = session.launch()
    frame.wait_for_function("() => window.coursecScorm.state().viewed.length >= 1")
    cmi = session.cmi()
    assert status_of(edition, cmi) == "incomplete"
    if edition == "2004":
        assert cmi["success_status"] == "unknown"
    objectives = objectives_of(cmi)
    assert [o["id"] for o in objectives] == OBJECTIVES
    for objective in objectives:
        if edition == "1.2":
            assert objective["status"] == "incomplete"
        else:
            assert objective["completion_status"] == "incomplete"
            assert objective["success_status"] == "unknown"
    calls = session.calls()
    setter = "SetValue" if edition == "2004" else "LMSSetValue"
    # each objective's id is written before anything else about it
    for n in range(len(OBJECTIVES)):
        prefix = f"cmi.objectives.{n}."
        writes = [c["args"][0] for c in calls if c["method"] == setter]
        writes = [w for w in writes if w.startswith(prefix)]
        assert writes[0] == prefix + "id"
    # status and objectives are committed straight away
    commit = "Commit" if edition == "2004" else "LMSCommit"
    assert commit in methods(session)
    assert methods(session).index(commit) > max(
        i for i, c in enumerate(calls) if c["method"] == setter and "objectives" in c["args"][0]
    )
    assert location_of(edition, cmi) == SECTIONS[0]  # the bookmark starts at the top
    st = state(frame)
    assert st["connected"] and st["edition"] == edition and st["entry"] == "ab-initio"
    assert frame.evaluate("() => window.coursecScorm.api !== null")
    assert frame.evaluate("() => window.coursecScorm.edition") == edition
    assert frame.locator("#coursec-status").inner_text().strip() == ""
    assert_clean(session, rt_page)


@in_browser
@EDITIONS
def test_viewing_every_section_completes(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition)
    frame = session.launch()
    scroll_through(frame, SECTIONS[:-1])
    assert status_of(edition, session.cmi()) == "incomplete"
    scroll_to(frame, SECTIONS[-1])
    frame.wait_for_function("() => window.coursecScorm.state().completed")
    cmi = session.cmi()
    assert status_of(edition, cmi) == "completed"
    if edition == "2004":
        assert cmi["progress_measure"] == "1"
        assert cmi["success_status"] == "unknown"
    for objective in objectives_of(cmi):
        key = "status" if edition == "1.2" else "completion_status"
        assert objective[key] == "completed"
    assert location_of(edition, cmi) == SECTIONS[-1]
    suspend = cmi["suspend_data"]
    key = state_key(SECTIONS)
    assert suspend.startswith(f"1~{key}~f1~")
    assert len(suspend) <= worst_case_suspend_length(len(SECTIONS)) <= SUSPEND_LIMITS[edition]
    # completion is committed at once
    commit = "Commit" if edition == "2004" else "LMSCommit"
    names = methods(session)
    last_status_write = max(
        i
        for i, c in enumerate(session.calls())
        if c["method"].endswith("SetValue") and c["args"][1] == "completed"
    )
    assert commit in names[last_status_write:]

    final = session.unload()
    assert_clean(session, rt_page, finished=True)
    assert status_of(edition, final) == "completed"
    seconds = int(final["suspend_data"].split("~")[3])
    assert final["suspend_data"] == encode_state(key, [True] * len(SECTIONS), seconds)
    if edition == "1.2":
        assert final["core"]["exit"] == "suspend"
        assert TIME_12.match(final["core"]["session_time"])
    else:
        assert final["exit"] == "suspend"
        assert TIME_2004.match(final["session_time"]) or final["session_time"] == "PT0S"
    # no Commit right before Terminate/LMSFinish: the finish sequence only sets values
    names = methods(session)
    finish_at = names.index(session.finish_method)
    assert names[finish_at - 1] != commit
    session_time_at = max(
        i
        for i, c in enumerate(session.calls())
        if c["method"].endswith("SetValue") and c["args"][0].endswith("session_time")
    )
    assert commit not in names[session_time_at:finish_at]


@in_browser
@EDITIONS
def test_bookmark_is_written_and_committed(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition)
    frame = session.launch()
    scroll_to(frame, SECTIONS[2])
    element = "cmi.core.lesson_location" if edition == "1.2" else "cmi.location"
    commit = "Commit" if edition == "2004" else "LMSCommit"
    rt_page.page.wait_for_function(
        """([el, commit]) => {
            const calls = window.__calls;
            const at = calls.map(c => c.args[0]).lastIndexOf(el);
            return at >= 0 && calls.slice(at).some(c => c.method === commit);
        }""",
        arg=[element, commit],
        timeout=5000,
    )
    assert session.set_values()[element] == SECTIONS[2]
    assert_clean(session, rt_page)


@in_browser
def test_overlong_section_id_is_bookmarked_by_index(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    root = make_package("scorm12")
    page_file = root / LAUNCH
    long_id = "x" * 300  # over 1.2's 255-char lesson_location
    page_file.write_text(
        page_file.read_text(encoding="utf-8").replace(SECTIONS[2], long_id), encoding="utf-8"
    )
    sections = [*SECTIONS[:2], long_id, *SECTIONS[3:]]
    rewrite_config(page_file, stateKey=state_key(sections))
    server = lms_server(root)
    session = session_for(rt_page, server, "1.2")
    frame = session.launch()
    scroll_to(frame, long_id)
    assert session.set_values()["cmi.core.lesson_location"] == "#2"
    relaunch = session_for(rt_page, server, "1.2", cmi=next_launch_cmi("1.2", session.unload()))
    frame = relaunch.launch()
    frame.get_by_role("button", name="Resume", exact=True).click()
    frame.wait_for_function("id => window.coursecScorm.state().current === id", arg=long_id)
    assert_clean(relaunch, rt_page)


@in_browser
@EDITIONS
def test_objectives_append_after_existing_ones(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    seed: dict[str, Any] = {"objectives": {"0": {"id": "other.objective"}}}
    if edition == "1.2":
        seed["core"] = {"entry": "ab-initio"}
    else:
        seed["entry"] = "ab-initio"
    session = session_for(rt_page, server, edition, cmi=seed)
    session.launch()
    ids = [o["id"] for o in objectives_of(session.cmi())]
    assert ids == ["other.objective", *OBJECTIVES]
    assert_clean(session, rt_page)


# --------------------------------------------------------------------------- relaunch


def _first_session(
    page: RecordedPage, server: LmsServer, edition: str, upto: int = 3
) -> dict[str, Any]:
    session = session_for(page, server, edition)
    frame = session.launch()
    scroll_through(frame, SECTIONS[: upto + 1])
    session.unload()
    assert_clean(session, page, finished=True)
    return session.next_launch_cmi()


@in_browser
@EDITIONS
def test_relaunch_offers_resume(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    seed = _first_session(rt_page, server, edition)
    assert (seed["core"]["entry"] if edition == "1.2" else seed["entry"]) == "resume"
    session = session_for(rt_page, server, edition, cmi=seed)
    frame = session.launch()
    st = state(frame)
    assert st["entry"] == "resume"
    assert st["restored"] and st["dropped"] == ""
    assert st["viewed"][:4] == SECTIONS[:4]
    assert st["seconds"] >= 0
    prompt = frame.locator("#coursec-status .cs-resume")
    prompt.wait_for()
    resume = prompt.get_by_role("button", name="Resume", exact=True)
    restart = prompt.get_by_role("button", name="Start from the beginning")
    assert resume.is_visible() and restart.is_visible()
    assert "Resource acquisition" in prompt.inner_text()
    assert frame.evaluate("() => window.scrollY") == 0
    # keyboard: focus the button and press Enter
    resume.focus()
    rt_page.page.keyboard.press("Enter")
    frame.wait_for_function("() => !document.querySelector('#coursec-status .cs-resume')")
    top = frame.evaluate(
        "id => document.getElementById(id).getBoundingClientRect().top", SECTIONS[3]
    )
    assert abs(top) < 2
    focused = frame.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.closest('section').id]"
    )
    assert focused == ["H2", SECTIONS[3]]
    frame.wait_for_function("id => window.coursecScorm.state().current === id", arg=SECTIONS[3])
    scroll_to(frame, SECTIONS[4])
    frame.wait_for_function("() => window.coursecScorm.state().completed")
    final = session.unload()
    assert status_of(edition, final) == "completed"
    assert_clean(session, rt_page, finished=True)


@in_browser
@EDITIONS
def test_start_from_the_beginning(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    seed = _first_session(rt_page, server, edition, upto=2)
    session = session_for(rt_page, server, edition, cmi=seed)
    frame = session.launch()
    frame.get_by_role("button", name="Start from the beginning").click()
    frame.wait_for_function("() => !document.querySelector('#coursec-status .cs-resume')")
    assert frame.evaluate("() => window.scrollY") == 0
    assert frame.evaluate("() => document.activeElement.tagName") == "H1"
    # the viewed sections are kept; the stored bookmark is untouched until the learner moves
    assert state(frame)["viewed"][:3] == SECTIONS[:3]
    location = "cmi.core.lesson_location" if edition == "1.2" else "cmi.location"
    assert location not in session.set_values()
    assert_clean(session, rt_page)


@in_browser
@EDITIONS
def test_completed_learner_gets_bookmark_back(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    seed = _first_session(rt_page, server, edition, upto=4)
    assert status_of(edition, seed) == "completed"
    session = session_for(rt_page, server, edition, cmi=seed)
    frame = session.launch()
    frame.locator("#coursec-status .cs-resume").wait_for()
    assert state(frame)["completed"]
    final = session.unload()
    assert status_of(edition, final) == "completed"
    assert_clean(session, rt_page, finished=True)


@in_browser
@EDITIONS
def test_stale_state_is_dropped(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    root = make_package(PACKAGE[edition])
    server = lms_server(root)
    seed = _first_session(rt_page, server, edition)
    # the course is rebuilt with a changed section list: new stateKey
    new_key = state_key([*SECTIONS, "added-section"])
    rewrite_config(root / LAUNCH, stateKey=new_key)
    session = session_for(rt_page, server, edition, cmi=seed)
    frame = session.launch()
    frame.wait_for_function("() => window.coursecScorm.state().suspendData !== null")
    st = state(frame)
    assert st["dropped"] == "stale" and not st["restored"]
    assert SECTIONS[3] not in st["viewed"]
    assert st["suspendData"].startswith(f"1~{new_key}~")
    assert status_of(edition, session.cmi()) == "incomplete"
    assert_clean(session, rt_page)


@in_browser
@EDITIONS
@pytest.mark.parametrize(
    "suspend_data",
    ["garbage", "2~{key}~f~10", "1~{key}~ff~10", "1~{key}~1f", "{{json: true}}"],
)
def test_unreadable_state_is_dropped(
    edition: str,
    suspend_data: str,
    rt_page: RecordedPage,
    make_package: MakePackage,
    lms_server: Any,
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    value = suspend_data.format(key=state_key(SECTIONS))
    seed: dict[str, Any] = {"suspend_data": value}
    if edition == "1.2":
        seed["core"] = {
            "entry": "resume",
            "lesson_status": "incomplete",
            "lesson_location": SECTIONS[2],
        }
    else:
        seed.update(entry="resume", completion_status="incomplete", location=SECTIONS[2])
    session = session_for(rt_page, server, edition, cmi=seed)
    frame = session.launch()
    frame.wait_for_function("() => window.coursecScorm.state().suspendData !== null")
    st = state(frame)
    assert st["dropped"] == "unreadable" and not st["restored"]
    assert st["seconds"] < 5
    # the bookmark does not live in suspend_data: still offered
    frame.locator("#coursec-status .cs-resume").wait_for()
    assert_clean(session, rt_page)


@in_browser
@EDITIONS
def test_time_rule_accumulates_across_sessions(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    root = make_package(PACKAGE[edition])
    rewrite_config(root / LAUNCH, completion={"rule": "time", "seconds": 3})
    server = lms_server(root)
    first = session_for(rt_page, server, edition)
    frame = first.launch()
    frame.wait_for_timeout(2200)
    assert not state(frame)["completed"]
    final = first.unload()
    saved = int(final["suspend_data"].split("~")[3])
    assert saved >= 2
    if edition == "2004":
        assert 0.5 <= float(final["progress_measure"]) < 1
    second = session_for(rt_page, server, edition, cmi=first.next_launch_cmi())
    frame = second.launch()
    assert state(frame)["seconds"] >= saved
    frame.wait_for_function("() => window.coursecScorm.state().completed", timeout=5000)
    cmi = second.cmi()
    assert status_of(edition, cmi) == "completed"
    if edition == "2004":
        assert cmi["progress_measure"] == "1"
    assert_clean(second, rt_page)


# --------------------------------------------------------------------------- lifecycle


@in_browser
@EDITIONS
def test_terminate_once_when_frame_removed(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition)
    session.launch()
    session.unload("remove")
    rt_page.page.wait_for_timeout(300)
    assert_clean(session, rt_page, finished=True)


@in_browser
def test_explicit_finish_then_pagehide_finishes_once(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm2004"))
    session = session_for(rt_page, server, "2004")
    frame = session.launch()
    assert frame.evaluate("() => window.coursecScorm.finish()") is True
    assert frame.evaluate("() => window.coursecScorm.finish()") is True
    session.unload()
    rt_page.page.wait_for_timeout(300)
    assert_clean(session, rt_page, finished=True)


@in_browser
@EDITIONS
def test_hidden_page_commits(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition)
    frame = session.launch()
    commit = "Commit" if edition == "2004" else "LMSCommit"
    before = methods(session).count(commit)
    frame.evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {value: 'hidden',
                                                                configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    assert methods(session).count(commit) == before + 1
    assert_clean(session, rt_page)


@in_browser
@EDITIONS
def test_popup_launch_finds_api_through_opener(
    edition: str, rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition, popup=True)
    frame = session.launch()
    assert state(frame)["connected"]
    session.unload()
    assert_clean(session, rt_page, finished=True)


# --------------------------------------------------------------------------- no LMS


@in_browser
def test_without_lms_page_works_and_says_so(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm2004"))
    page = rt_page.page
    page.goto(f"{server.base_url}/{LAUNCH}")
    status = page.locator("#coursec-status")
    assert "Progress is not being saved" in status.inner_text()
    assert page.evaluate("() => window.coursecScorm.api") is None
    assert page.locator(".cs-resume").count() == 0
    scroll_through(page.main_frame, SECTIONS)
    page.wait_for_function("() => window.coursecScorm.state().completed")
    # the pager names the next module and leaves the move to the LMS: there is none to ask
    step = page.locator("[data-coursec-nav=continue]")
    assert step.locator("[data-coursec-words]").is_visible()
    assert step.locator("[data-coursec-go]").is_hidden()
    assert page.evaluate("() => document.links.length") == 0
    assert "Progress is not being saved" in status.inner_text()
    assert rt_page.problems() == []


@in_browser
def test_cross_origin_parent_is_not_an_error(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm12"))
    page = rt_page.page
    page.set_content(f'<iframe id="sco" src="{server.base_url}/{LAUNCH}"></iframe>')
    handle = page.wait_for_selector("#sco")
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    frame.wait_for_function("() => window.coursecScorm && !window.coursecScorm.state().connected")
    assert "Progress is not being saved" in frame.locator("#coursec-status").inner_text()
    assert rt_page.problems() == []


# --------------------------------------------------------------------------- navigation links


def words_shown(frame: Frame, request: str) -> bool:
    """Whether the pager step shows its words (the LMS's navigation moves on), not its button."""
    step = frame.locator(f"[data-coursec-nav={request}]")
    return (
        step.locator("[data-coursec-words]").is_visible()
        and step.locator("[data-coursec-go]").is_hidden()
    )


@in_browser
def test_2004_continue_asks_the_lms_when_valid(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    server = lms_server(make_package("scorm2004"))
    session = session_for(rt_page, server, "2004", nav_valid={"continue": "true"})
    frame = session.launch()
    assert not words_shown(frame, "continue")
    frame.click("[data-coursec-nav=continue] [data-coursec-go]")
    session.wait_for_call("Terminate")
    calls = session.calls()
    names = [c["method"] for c in calls]
    request = [c for c in calls if c["method"] == "SetValue" and c["args"][0] == "adl.nav.request"]
    assert [c["args"][1] for c in request] == ["continue"]
    assert calls.index(request[0]) < names.index("Terminate")
    assert names[-1] == "Terminate"  # nothing after it
    assert any(e["event"] == "SequenceNext" for e in session.events())
    assert frame.url.endswith(LAUNCH)  # the LMS, not the page, moves on
    session.unload()
    rt_page.page.wait_for_timeout(300)
    assert_clean(session, rt_page, finished=True)


@in_browser
@pytest.mark.parametrize(
    ("edition", "nav_valid"),
    [("2004", {}), ("2004", {"continue": "false"}), ("1.2", {})],
    ids=["2004-unknown", "2004-false", "1.2"],
)
def test_pager_points_to_lms_navigation_without_requests(
    edition: str,
    nav_valid: dict[str, str],
    rt_page: RecordedPage,
    make_package: MakePackage,
    lms_server: Any,
) -> None:
    server = lms_server(make_package(PACKAGE[edition]))
    session = session_for(rt_page, server, edition, nav_valid=nav_valid)
    frame = session.launch()
    frame.wait_for_function("() => window.coursecScorm.state().current !== null")
    assert words_shown(frame, "continue")
    words = frame.locator("[data-coursec-nav=continue] [data-coursec-words]")
    assert "using your learning platform's navigation" in words.inner_text()
    words.click()
    rt_page.page.wait_for_timeout(200)
    assert frame.url.endswith(LAUNCH)  # the frame never goes to another SCO's page
    assert "adl.nav.request" not in session.set_values()
    session.unload()
    assert_clean(session, rt_page, finished=True)


# --------------------------------------------------------------------------- single SCO


@in_browser
def test_single_sco_course(
    rt_page: RecordedPage, make_package: MakePackage, lms_server: Any
) -> None:
    root = make_package("single")
    config = read_config(root / "course" / "index.html")
    assert config["sco"] == "course" and config["multiSco"] is False
    server = lms_server(root)
    session = session_for(rt_page, server, "1.2", "course/index.html")
    frame = session.launch()
    assert frame.locator("article[data-coursec-module]").count() == 2
    assert [o["id"] for o in objectives_of(session.cmi())] == config["objectives"]
    scroll_through(frame, config["sections"][:-1])
    # a link to another module is a link to its place on the page
    frame.click("a[href='#orthogonality-intro']")
    frame.wait_for_function("() => location.hash === '#orthogonality-intro'")
    scroll_to(frame, config["sections"][-1])
    frame.wait_for_function("() => window.coursecScorm.state().completed")
    final = session.unload()
    assert final["core"]["lesson_status"] == "completed"
    assert all(o["status"] == "completed" for o in objectives_of(final))
    assert len(final["suspend_data"]) <= worst_case_suspend_length(len(config["sections"]))
    assert_clean(session, rt_page, finished=True)


def test_next_launch_cmi() -> None:
    final = {"core": {"exit": "suspend", "session_time": "00:00:01", "entry": "ab-initio"}}
    assert next_launch_cmi("1.2", final) == {"core": {"entry": "resume"}}
    assert next_launch_cmi("2004", {"exit": "normal", "session_time": "PT1S"}) == {"entry": ""}
    assert next_launch_cmi("2004", {"exit": "", "suspend_data": "x"})["entry"] == "ab-initio"
    assert next_launch_cmi("2004", {"exit": "time-out", "suspend_data": "x"})["entry"] == "resume"
