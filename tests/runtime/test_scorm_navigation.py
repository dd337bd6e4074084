"""Moving between SCOs: the LMS moves the learner on, never a link inside a SCO.

Every SCO of each course's multi-SCO packages runs in scorm-again. Under SCORM 2004 a sequencing
LMS (scorm-again's sequencing engine, fed the package's activity tree) answers
``adl.nav.request_valid.*`` and gets navigation requests (``adl.nav.request``, then
``Terminate``); an LMS that answers "unknown" or "false", and every SCORM 1.2 LMS, gets words
that point at its own navigation. In every case the API sees exactly one Initialize and nothing
after Terminate, and the SCO's frame never loads another SCO's page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page

from coursec.exporters.scorm import Packaging
from coursec.exporters.scorm.identifiers import item_identifier
from support.browser import axe_violations, format_violations
from support.builds import Builds, Edition
from support.lms import LmsServer, LmsSession, Sequencing
from support.outputs import sco_pages
from support.scorm_package import sco_config

pytestmark = pytest.mark.browser
MULTI = Packaging.MULTI_SCO


def launch(page: Page, server: LmsServer, edition: Edition, sco: str, **kwargs: Any) -> Frame:
    session = LmsSession(page, server.base_url, edition, sco, **kwargs)
    page.session = session  # type: ignore[attr-defined]
    return session.launch()


def session_of(page: Page) -> LmsSession:
    session: LmsSession = page.session  # type: ignore[attr-defined]
    return session


def steps(frame: Frame) -> dict[str, dict[str, Any]]:
    """Each pager step of the page: its request, whether its button or its words show."""
    result: dict[str, dict[str, Any]] = frame.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-coursec-nav]')].map(
            s => [s.dataset.coursecNav, {
                button: !s.querySelector('[data-coursec-go]').hidden,
                words: !s.querySelector('[data-coursec-words]').hidden,
                text: s.querySelector('[data-coursec-words]').innerText,
            }]))"""
    )
    return result


def mentions(frame: Frame) -> list[dict[str, Any]]:
    """The page's mentions of other modules: the module, and whether each is a button."""
    result: list[dict[str, Any]] = frame.evaluate(
        """() => [...document.querySelectorAll('[data-coursec-choice]')].map(m => ({
            module: m.dataset.coursecChoice,
            button: !!m.querySelector('button'),
        }))"""
    )
    return result


def other_sco_links(frame: Frame, scos: list[str], here: str) -> list[str]:
    """Links of the live page that lead to another SCO's page."""
    hrefs: list[str] = frame.evaluate("() => [...document.links].map(a => a.href)")
    return [h for h in hrefs if any(h.split("#")[0].endswith("/" + s) for s in scos if s != here)]


def navigation_violations(frame: Frame) -> list[dict[str, Any]]:
    """axe-core on the pager and the mentions of other modules, as the learner now sees them."""
    if not frame.evaluate("() => !!document.querySelector('.cs-pager, [data-coursec-choice]')"):
        return []
    return axe_violations(frame, context=".cs-pager, [data-coursec-choice]")


def neighbours(scos: list[str], sco: str) -> dict[str, bool]:
    index = scos.index(sco)
    return {"previous": index > 0, "continue": index + 1 < len(scos)}


def nav_requests(session: LmsSession) -> list[str]:
    return [
        str(c["args"][1])
        for c in session.calls()
        if c["method"] == "SetValue" and c["args"][0] == "adl.nav.request"
    ]


# --------------------------------------------------------------------------- a sequencing LMS


def test_every_sco_offers_the_moves_a_sequencing_lms_allows(
    course_dir: Path, built: Builds, page: Page
) -> None:
    root = built.package(course_dir, "2004", MULTI)
    scos = sco_pages(root)
    with LmsServer(root) as server:
        for sco in scos:
            frame = launch(page, server, "2004", sco, sequencing=Sequencing.of(root, sco))
            frame.wait_for_function("() => window.coursecScorm.state().connected")
            expected = {
                k: {"button": True, "words": False} for k, v in neighbours(scos, sco).items() if v
            }
            shown = {
                k: {"button": v["button"], "words": v["words"]} for k, v in steps(frame).items()
            }
            assert shown == expected, sco
            assert all(m["button"] for m in mentions(frame)), sco
            violations = navigation_violations(frame)
            assert violations == [], format_violations(violations)
            assert {m["module"] for m in mentions(frame)} <= set(
                sco_config(root, sco)["activities"]
            )
            assert other_sco_links(frame, scos, sco) == []
            session = session_of(page)
            session.unload()
            assert session.lifecycle_problems() == [], session.dump()
            assert session.errors() == [], session.dump()


@pytest.mark.parametrize("request_name", ["continue", "previous"])
def test_pager_button_asks_the_lms_then_terminates(
    built: Builds, page: Page, request_name: str, course_dir: Path
) -> None:
    root = built.package(course_dir, "2004", MULTI)
    scos = sco_pages(root)
    movable = [s for s in scos if neighbours(scos, s)[request_name]]
    if not movable:
        assert len(scos) == 1  # a one-module course has nowhere to go
        return
    sco = movable[0]
    with LmsServer(root) as server:
        frame = launch(page, server, "2004", sco, sequencing=Sequencing.of(root, sco))
        button = frame.locator(f"[data-coursec-nav={request_name}] [data-coursec-go]")
        button.click()
        session = session_of(page)
        session.wait_for_call("Terminate")
        assert nav_requests(session) == [request_name]
        names = [c["method"] for c in session.calls()]
        assert names[-1] == "Terminate"
        step = -1 if request_name == "previous" else 1
        expected = Sequencing.of(root, scos[scos.index(sco) + step]).deliver
        assert session.current_activity() == expected  # the LMS moved on
        assert frame.url.endswith("/" + sco)  # the LMS, not the page, moves on
        assert "opening the module" in frame.locator("#coursec-status").inner_text()
        assert button.is_disabled() or button.is_hidden()
        page.wait_for_timeout(200)
        session.unload()  # the LMS takes the SCO away: pagehide finds it finished
        assert session.lifecycle_problems() == [], session.dump()
        assert session.errors() == [], session.dump()


def test_mention_of_another_module_asks_the_lms_for_it(
    course_dir: Path, built: Builds, page: Page
) -> None:
    root = built.package(course_dir, "2004", MULTI)
    scos = sco_pages(root)
    with LmsServer(root) as server:
        found = False
        for sco in scos:
            if "data-coursec-choice" not in (root / sco).read_text(encoding="utf-8"):
                continue
            frame = launch(page, server, "2004", sco, sequencing=Sequencing.of(root, sco))
            mention = frame.locator("[data-coursec-choice] button").first
            module = mention.evaluate("b => b.parentElement.dataset.coursecChoice")
            mention.click()
            session = session_of(page)
            session.wait_for_call("Terminate")
            assert nav_requests(session) == [f"{{target={item_identifier(module)}}}choice"]
            assert [c["method"] for c in session.calls()][-1] == "Terminate"
            assert session.current_activity() == item_identifier(module)
            session.unload()
            assert session.lifecycle_problems() == [], session.dump()
            assert session.errors() == [], session.dump()
            found = True
            break
    # sql-201's modules mention each other; agai-302 has one module and no mentions
    assert found == (len(scos) > 1)


def test_lms_that_changes_its_mind_gets_words(course_dir: Path, built: Builds, page: Page) -> None:
    root = built.package(course_dir, "2004", MULTI)
    scos = sco_pages(root)
    movable = [s for s in scos if neighbours(scos, s)["continue"]]
    if not movable:
        assert len(scos) == 1
        return
    with LmsServer(root) as server:
        frame = launch(page, server, "2004", movable[0], nav_valid={"continue": "true"})
        step = frame.locator("[data-coursec-nav=continue]")
        step.scroll_into_view_if_needed()  # the end of the page: the SCO completes
        frame.wait_for_function("() => window.coursecScorm.state().completed")
        assert steps(frame)["continue"]["button"]
        # the LMS's answer changes (scorm-again keeps it read-only for the SCO, in _continue)
        page.evaluate("() => { window.__api.adl.nav.request_valid._continue = 'false'; }")
        step.locator("[data-coursec-go]").click()
        assert steps(frame)["continue"]["words"]
        assert "did not accept" in frame.locator("#coursec-status").inner_text()
        session = session_of(page)
        assert nav_requests(session) == []
        assert "Terminate" not in [c["method"] for c in session.calls()]
        session.unload()
        assert session.lifecycle_problems() == [], session.dump()


# --------------------------------------------------------------------------- no requests


@pytest.mark.parametrize(
    ("edition", "nav_valid"),
    [("2004", {}), ("2004", {"continue": "false", "previous": "false"}), ("1.2", {})],
    ids=["2004-unknown", "2004-false", "1.2"],
)
def test_without_navigation_requests_every_sco_points_at_the_lms(
    course_dir: Path, built: Builds, page: Page, edition: Edition, nav_valid: dict[str, str]
) -> None:
    root = built.package(course_dir, edition, MULTI)
    scos = sco_pages(root)
    with LmsServer(root) as server:
        for sco in scos:
            frame = launch(page, server, edition, sco, nav_valid=nav_valid)
            frame.wait_for_function("() => window.coursecScorm.state().connected")
            shown = steps(frame)
            assert set(shown) == {k for k, v in neighbours(scos, sco).items() if v}, sco
            for request, step in shown.items():
                assert step == {**step, "button": False, "words": True}, (sco, request)
                assert "using your learning platform's navigation" in step["text"]
            assert not any(m["button"] for m in mentions(frame)), sco
            violations = navigation_violations(frame)
            assert violations == [], format_violations(violations)
            assert other_sco_links(frame, scos, sco) == []
            # a click on the words does nothing
            for request in shown:
                frame.locator(f"[data-coursec-nav={request}] [data-coursec-words]").click()
            assert frame.url.endswith("/" + sco)
            session = session_of(page)
            assert "adl.nav.request" not in session.set_values()
            session.unload()
            assert session.lifecycle_problems() == [], session.dump()
            assert session.errors() == [], session.dump()
