"""`viewed-all` completion of the courses' real SCOs in scorm-again: timing plays no part.

A section counts as viewed once the viewport has reached it, however the learner got there: a
jump to the end, the End key, an anchor, the mouse wheel at any speed, a smooth scroll, resuming.
Every SCO of every package (both packagings of each course, each in one edition: the two editions'
pages differ only in the SCO's configuration, and every pair of course, packaging and edition is
run) is run by a learner who jumps to the end and comes back; the long single page of the
single-SCO packages is run every way there is to reach its end (in one edition: what is counted as
viewed does not depend on it), and part-way, several times over, with the same result each time
(each course in one edition, the editions taking turns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, Page

from conftest import COURSES
from coursec.exporters.scorm import Packaging
from support.browser import jump_to_the_end, wait_until_still
from support.builds import Builds, Edition
from support.covering import each_course, every_pair
from support.lms import LmsServer, LmsSession
from support.outputs import sco_pages
from support.scorm_package import sco_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EDITIONS: list[Edition] = ["1.2", "2004"]
SINGLE = Packaging.SINGLE_SCO
AT_BOTTOM = (
    "() => { const e = document.scrollingElement;"
    " return e.scrollTop + innerHeight >= e.scrollHeight - 1; }"
)


def state(frame: Frame) -> dict[str, Any]:
    result: dict[str, Any] = frame.evaluate("() => window.coursecScorm.state()")
    return result


def status_of(edition: Edition, cmi: dict[str, Any]) -> str:
    return str(cmi["core"]["lesson_status"] if edition == "1.2" else cmi["completion_status"])


def press_end(page: Page, frame: Frame) -> None:
    frame.focus("main")
    page.keyboard.press("End")


def reached_by_geometry(frame: Frame) -> list[str]:
    """The sections whose top is above the viewport's bottom edge now (the test's own count)."""
    result: list[str] = frame.evaluate(
        """() => window.coursecScorm.state().sections.filter(id => {
            const el = document.getElementById(id);
            return el && el.getBoundingClientRect().top < innerHeight;
        })"""
    )
    return result


def assert_clean(session: LmsSession) -> None:
    assert session.lifecycle_problems() == [], session.dump()
    assert session.errors() == [], session.dump()


# --------------------------------------------------------------------------- every SCO


@every_pair(COURSES, ("packaging", list(Packaging)), ("edition", EDITIONS))
def test_every_sco_completes_when_the_learner_jumps_to_the_end_and_resumes(
    course_dir: Path, built: Builds, page: Page, edition: Edition, packaging: Packaging
) -> None:
    root = built.package(course_dir, edition, packaging)
    with LmsServer(root) as server:
        for sco in sco_pages(root):
            config = sco_config(root, sco)
            sections = config["sections"]
            # a module completed by time or by its knowledge check is not complete when read
            by_viewing = config["completion"]["rule"] == "viewed-all"
            first = LmsSession(page, server.base_url, edition, sco)
            frame = first.launch()
            press_end(page, frame)
            frame.wait_for_function(
                "n => window.coursecScorm.state().viewed.length === n", arg=len(sections)
            )
            # the bookmark is where the learner is when they leave: let the End key's smooth
            # scroll arrive first, or the learner has left part of the way down
            wait_until_still(frame)
            assert state(frame)["viewed"] == sections, sco
            assert state(frame)["completed"] == by_viewing, sco
            cmi = first.unload()
            assert status_of(edition, cmi) == ("completed" if by_viewing else "incomplete"), sco
            assert_clean(first)

            again = LmsSession(page, server.base_url, edition, sco, cmi=first.next_launch_cmi())
            frame = again.launch()
            assert state(frame)["viewed"] == sections
            assert state(frame)["completed"] == by_viewing
            if len(sections) > 1:  # the bookmark is past the first section: resume is offered
                frame.get_by_role("button", name="Resume", exact=True).click()
                frame.wait_for_function(
                    "id => window.coursecScorm.state().current === id", arg=sections[-1]
                )
            cmi = again.unload()
            assert status_of(edition, cmi) == ("completed" if by_viewing else "incomplete"), sco
            assert_clean(again)


# --------------------------------------------------------------------------- the long page


def _wheel(speed: int) -> Any:
    def reach_end(page: Page, frame: Frame) -> None:
        box = page.locator("#sco").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        while not frame.evaluate(AT_BOTTOM):
            page.mouse.wheel(0, speed)
            frame.wait_for_timeout(10)

    return reach_end


def _last_section(page: Page, frame: Frame) -> None:
    frame.evaluate("() => { location.hash = window.coursecScorm.state().sections.at(-1); }")


def _jump(page: Page, frame: Frame) -> None:
    jump_to_the_end(frame)


def _smooth(page: Page, frame: Frame) -> None:
    frame.evaluate(
        "() => window.scrollTo({top: document.scrollingElement.scrollHeight, behavior: 'smooth'})"
    )


WAYS = {
    "jump": _jump,
    "end-key": press_end,
    "anchor-to-last-section": _last_section,
    "smooth-scroll": _smooth,
    "wheel-slow": _wheel(120),
    "wheel-fast": _wheel(2400),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_the_long_page_completes_however_its_end_is_reached(
    course_dir: Path, built: Builds, page: Page, way: str
) -> None:
    """In SCORM 2004: what the viewport reached is counted alike in both editions (the edition
    decides only how completion is reported, which the test above checks for each edition on
    every SCO, the long single page included)."""
    edition: Edition = "2004"
    root = built.package(course_dir, edition, SINGLE)
    [sco] = sco_pages(root)
    sections = sco_config(root, sco)["sections"]
    with LmsServer(root) as server:
        session = LmsSession(page, server.base_url, edition, sco)
        frame = session.launch()
        WAYS[way](page, frame)
        frame.wait_for_function("() => window.coursecScorm.state().completed")
        assert state(frame)["viewed"] == sections
        assert status_of(edition, session.unload()) == "completed"
        assert_clean(session)


@each_course(COURSES, "edition", EDITIONS)
def test_part_way_counts_exactly_what_the_viewport_reached_every_run(
    course_dir: Path, built: Builds, page: Page, edition: Edition
) -> None:
    root = built.package(course_dir, edition, SINGLE)
    [sco] = sco_pages(root)
    sections = sco_config(root, sco)["sections"]
    runs = []
    with LmsServer(root) as server:
        for _ in range(3):
            session = LmsSession(page, server.base_url, edition, sco)
            frame = session.launch()
            frame.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight / 2)")
            wait_until_still(frame)
            reached = reached_by_geometry(frame)
            st = state(frame)
            assert st["viewed"] == reached
            assert 0 < len(reached) < len(sections)
            assert not st["completed"]
            cmi = session.unload()
            assert status_of(edition, cmi) == "incomplete"
            assert_clean(session)
            runs.append((reached, cmi["suspend_data"].split("~")[2]))
    assert runs[0] == runs[1] == runs[2]


@each_course(COURSES, "edition", EDITIONS)
def test_resume_keeps_what_was_reached(
    course_dir: Path, built: Builds, page: Page, edition: Edition
) -> None:
    root = built.package(course_dir, edition, SINGLE)
    [sco] = sco_pages(root)
    sections = sco_config(root, sco)["sections"]
    with LmsServer(root) as server:
        first = LmsSession(page, server.base_url, edition, sco)
        frame = first.launch()
        middle = sections[len(sections) // 2]
        frame.evaluate("id => { location.hash = id; }", middle)
        frame.wait_for_function("id => window.coursecScorm.state().current === id", arg=middle)
        wait_until_still(frame)  # the anchor scrolls smoothly: what it reaches is all it reaches
        reached = state(frame)["viewed"]
        assert middle in reached and sections[-1] not in reached
        first.unload()
        assert_clean(first)

        again = LmsSession(page, server.base_url, edition, sco, cmi=first.next_launch_cmi())
        frame = again.launch()
        assert state(frame)["viewed"] == reached
        frame.get_by_role("button", name="Resume", exact=True).click()
        frame.wait_for_function("id => window.coursecScorm.state().current === id", arg=middle)
        wait_until_still(frame)
        now = set(reached) | set(reached_by_geometry(frame))
        assert state(frame)["viewed"] == [s for s in sections if s in now]
        press_end(page, frame)
        frame.wait_for_function("() => window.coursecScorm.state().completed")
        assert status_of(edition, again.unload()) == "completed"
        assert_clean(again)
