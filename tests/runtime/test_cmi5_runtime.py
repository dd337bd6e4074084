"""cmi5 AUs in Chromium, launched by a small cmi5 LMS (support.cmi5_lms), with a learner.

Every statement is validated with ralph's xAPI statement model (`ralph-malph`, a test-only
dependency) and against the cmi5 rules: initialized first and terminated last in each session,
the cmi5 context (registration, session id, publisher id in grouping, categories), completed and
passed once per registration, failed at most once per session and never after passed, moveOn
satisfied, masteryScore carried, answered statements with interaction definitions, Browse mode
without verdicts, a fetch URL that hands out its token once, and a relaunch that resumes.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from ralph.models.xapi.base.statements import BaseXapiStatement

from conftest import REFERENCE_COURSE
from coursec.build import build
from coursec.i18n import Interface
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.quiz import QuizView
from coursec.site import CMI5_MESSAGES
from support.browser import (
    axe_violations,
    format_violations,
    jump_to_the_end,
    wait_until_still,
)
from support.builds import Builds
from support.cmi5_lms import ACTOR, AssignableUnit, Cmi5Lms, Launch
from support.languages import course_in
from support.quiz import (
    answer,
    quiz_state,
    quiz_views,
    reference_quiz,
    shown,
    wait_for_quiz,
)

ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
VERDICTS = {"completed", "passed", "failed"}
COMPONENTS = {"choice": ("choices",), "sequencing": ("choices",), "matching": ("source", "target")}
RETURN = "/returned"
STATE_ID = "https://w3id.org/coursec/cmi5/state"  # the AU's own State document


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


@pytest.fixture
def lms(course_dir: Path, built: Builds) -> Iterator[Cmi5Lms]:
    with Cmi5Lms(built.cmi5(course_dir)) as server:
        yield server


def verb(statement: dict[str, Any]) -> str:
    return str(statement["verb"]["id"]).removeprefix(ADL)


def open_au(page: Page, launch: Launch) -> None:
    page.goto(launch.url)
    page.wait_for_function("() => window.coursecScorm && window.coursecScorm.state().connected")


def read_to_the_end(page: Page) -> None:
    jump_to_the_end(page)
    page.wait_for_function(
        "() => window.coursecScorm.state().viewed.length ==="
        " window.coursecScorm.state().sections.length"
    )


def take_attempt(page: Page, quiz: QuizView, right: int | None = None) -> list[str]:
    """Answer the shown questions (only the first `right` right when given) and check: their
    ids, in order."""
    asked = shown(page, quiz)
    for number, view in enumerate(asked):
        answer(page, view, right=right is None or number < right)
    page.click(f"#{quiz.dom_id} button.cs-quiz__check")
    page.wait_for_selector(f"#{quiz.dom_id} .cs-quiz__result .cs-quiz__score")
    return [v.id for v in asked]


def settle(page: Page) -> None:
    """Wait until every request the AU queued has been answered."""
    page.evaluate("() => window.coursecCmi5.settled()")


def exit_au(page: Page, lms: Cmi5Lms) -> None:
    """Press Exit where the learner is. Not `page.click`: it scrolls the page header into view
    first, which moves the bookmark to the top of the page, before or after the AU saves it
    on the way out (whichever comes first on a busy machine)."""
    page.locator("[data-coursec-exit]").dispatch_event("click")
    page.wait_for_url(f"{lms.base_url}{RETURN}")


def session_of(statements: list[dict[str, Any]], launch: Launch) -> list[dict[str, Any]]:
    return [s for s in statements if s["context"]["extensions"][SESSION] == launch.session_id]


def check_statements(statements: list[dict[str, Any]], launch: Launch, au: AssignableUnit) -> None:
    """What every statement of one session must be: valid xAPI, in the cmi5 context."""
    assert statements, "no statement was sent"
    for statement in statements:
        BaseXapiStatement.model_validate(statement)  # ralph: a valid xAPI statement
        context = statement["context"]
        assert statement["actor"] == ACTOR
        assert context["registration"] == launch.registration
        assert context["extensions"][SESSION] == launch.session_id
        grouping = [a["id"] for a in context["contextActivities"]["grouping"]]
        assert grouping == [au.id]  # the publisher id, from the context template
        categories = [a["id"] for a in context["contextActivities"].get("category", [])]
        name = verb(statement)
        if name == "answered":  # cmi5 allowed: about a question of the AU
            assert CMI5 not in categories
            assert statement["object"]["id"].startswith(launch.activity_id + "/interactions/")
            parents = [a["id"] for a in context["contextActivities"]["parent"]]
            assert parents == [launch.activity_id]
            definition = statement["object"]["definition"]
            assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
            assert definition["interactionType"] in {
                "choice",
                "true-false",
                "fill-in",
                "long-fill-in",
                "matching",
                "sequencing",
            }
            assert definition["correctResponsesPattern"]
            # the components the learner chose from, which the correct pattern names
            kind = definition["interactionType"]
            parts = COMPONENTS.get(kind, ())
            known: set[str] = set()
            for part in parts:
                assert definition[part], definition
                for item in definition[part]:
                    assert all(text.strip() for text in item["description"].values())
                    known.add(item["id"])
            if parts:
                used = set(re.split(r"\[[,.]\]", definition["correctResponsesPattern"][0]))
                assert used <= known, (used, known)
            assert isinstance(statement["result"]["success"], bool)
            continue
        assert statement["object"] == {"objectType": "Activity", "id": launch.activity_id}
        assert CMI5 in categories
        assert (MOVEON in categories) == (name in VERDICTS)
        if name in VERDICTS | {"terminated"}:
            assert statement["result"]["duration"].startswith("PT")
        if name in {"passed", "failed"}:
            assert context["extensions"][MASTERY] == au.mastery_score
            result = statement["result"]
            assert result["success"] is (name == "passed")
            assert au.mastery_score is not None
            assert (result["score"]["scaled"] >= au.mastery_score) is (name == "passed")
        if name == "completed":
            assert statement["result"]["completion"] is True
    names = [verb(s) for s in statements]
    assert names[0] == "initialized" and names.count("initialized") == 1
    assert names[-1] == "terminated" and names.count("terminated") == 1


def check_registration(statements: list[dict[str, Any]], au: AssignableUnit) -> None:
    """The rules over all sessions of one registration, and moveOn satisfied."""
    names = [verb(s) for s in statements]
    assert names.count("completed") <= 1
    assert names.count("passed") <= 1
    if "passed" in names:
        assert "failed" not in names[names.index("passed") :]
    satisfied = {
        "Completed": {"completed"},
        "Passed": {"passed"},
        "CompletedAndPassed": {"completed", "passed"},
    }[au.move_on]
    assert satisfied <= set(names), (au.move_on, names)


def test_learner_fails_passes_and_resumes_in_every_au(
    new_page: Callable[..., Page], lms: Cmi5Lms, course: Course
) -> None:
    """Each AU: a first session that reads it all, fails the check, then passes it and exits to
    the returnURL; a second that resumes where the learner left off and sends no verdict."""
    quizzes = {q.id: q for q in quiz_views(course)}  # a check has its module's id
    modules = course.published_modules
    units = lms.units()
    assert [u.url for u in units] == [m.page for m in modules]
    page = new_page(fresh=True)  # the clock is the whole context's, and stays installed
    page.clock.install()
    for module, au in zip(modules, units, strict=True):
        registration = str(uuid.uuid4())
        quiz = quizzes[module.id]
        first = lms.launch(
            au,
            registration,
            return_url=f"{lms.base_url}{RETURN}",
            preferences={"languagePreference": "en-GB", "audioPreference": "off"},
        )
        open_au(page, first)
        cmi5 = page.evaluate("() => window.coursecCmi5.state()")
        assert cmi5["ok"], cmi5
        assert cmi5["moveOn"] == au.move_on and cmi5["masteryScore"] == au.mastery_score
        assert cmi5["preferences"]["audioPreference"] == "off"
        wait_for_quiz(page)
        assert quiz_state(page)["store"] == "lms"
        read_to_the_end(page)
        if course.completion_rule(module).value == "time":
            page.clock.run_for(course.spec.completion_seconds * 1000 + 2000)
        asked = take_attempt(page, quiz, right=0)
        page.click(f"#{quiz.dom_id} button.cs-quiz__retry")
        page.wait_for_function("() => !window.coursecQuiz.quizzes()[0].submitted")
        asked += take_attempt(page, quiz)
        wait_until_still(page)  # the bookmark follows the viewport a frame after it moved
        settle(page)
        bookmark = page.evaluate("() => window.coursecScorm.state().location")
        exit_au(page, lms)

        statements = session_of(lms.statements, first)
        check_statements(statements, first, au)
        names = [verb(s) for s in statements]
        assert names.index("failed") < names.index("passed")
        answered = [s for s in statements if verb(s) == "answered"]
        ids = [s["object"]["id"].rsplit("/", 1)[1] for s in answered]
        assert ids == asked  # one per question asked, each attempt in turn
        assert [s["result"]["success"] for s in answered] == [False] * (len(asked) // 2) + [
            True
        ] * (len(asked) // 2)
        passed = next(s for s in statements if verb(s) == "passed")
        assert passed["result"]["score"]["scaled"] == 1
        document = lms.state_document(first.activity_id, registration, STATE_ID)
        assert document is not None and document["location"] == bookmark

        second = lms.launch(au, registration, return_url=f"{lms.base_url}{RETURN}")
        open_au(page, second)
        page.locator("#coursec-status .cs-resume").wait_for()  # "resume where you left off"
        state = page.evaluate("() => window.coursecScorm.state()")
        assert state["entry"] == "resume" and state["restored"] and state["completed"]
        wait_for_quiz(page)
        assert quiz_state(page)["submitted"] and quiz_state(page)["result"]["passed"]
        page.goto("about:blank")  # the learner closes the page: terminated on the way out
        again = wait_for_terminated(lms, second)
        check_statements(again, second, au)
        assert not VERDICTS & {verb(s) for s in again}
        check_registration(session_of(lms.statements, first) + again, au)
    assert lms.refused == []


def wait_for_terminated(lms: Cmi5Lms, launch: Launch, tries: int = 100) -> list[dict[str, Any]]:
    import time

    for _ in range(tries):
        statements = session_of(lms.statements, launch)
        if statements and verb(statements[-1]) == "terminated":
            return statements
        time.sleep(0.05)
    return session_of(lms.statements, launch)


def test_token_is_fetched_once_per_session(page: Page, built: Builds) -> None:
    """The fetch URL answers once; a reload of the page does not ask again (the token is in
    sessionStorage), and a second POST, the AU's or anyone's, is refused."""
    with Cmi5Lms(built.cmi5(REFERENCE_COURSE)) as lms:
        [au] = lms.units()
        launch = lms.launch(au, str(uuid.uuid4()))
        open_au(page, launch)
        settle(page)
        again = page.evaluate(
            """url => fetch(url, {method: "POST"}).then(r => r.json().then(
                body => ({status: r.status, body: body})))""",
            launch.fetch_url,
        )
        assert again["status"] == 400 and again["body"]["error-code"] == "1"
        page.reload()
        page.wait_for_function("() => window.coursecCmi5 && window.coursecCmi5.state().failure")
        assert [status for _, status in lms.fetch_answers] == [200, 400]  # no second fetch
        page.wait_for_function(
            "() => document.querySelector('#coursec-status').textContent.includes('open it again')"
        )
        names = [verb(s) for s in session_of(lms.statements, launch)]
        assert names == ["initialized", "terminated"]  # the reload ended the session
        assert lms.refused == []


def test_browse_mode_sends_no_verdict_and_keeps_no_state(page: Page, built: Builds) -> None:
    quiz = reference_quiz()
    with Cmi5Lms(built.cmi5(REFERENCE_COURSE)) as lms:
        [au] = lms.units()
        registration = str(uuid.uuid4())
        launch = lms.launch(au, registration, mode="Browse", return_url=f"{lms.base_url}{RETURN}")
        open_au(page, launch)
        page.locator(".cs-header [data-coursec-exit]").wait_for()
        violations = axe_violations(page)
        assert violations == [], format_violations(violations)
        read_to_the_end(page)
        wait_for_quiz(page)
        take_attempt(page, quiz)
        exit_au(page, lms)
        statements = session_of(lms.statements, launch)
        check_statements(statements, launch, au)
        assert [verb(s) for s in statements] == ["initialized", "terminated"]
        assert lms.state_document(launch.activity_id, registration, STATE_ID) is None
        assert lms.refused == []


def test_the_lms_mastery_score_decides_and_failed_never_follows_passed(
    page: Page, built: Builds
) -> None:
    """An LMS may set its own masteryScore (here 0.1, below the page's pass mark): the AU judges
    by it, so one right answer of eight passes; a later attempt below it sends no failed."""
    quiz = reference_quiz()
    with Cmi5Lms(built.cmi5(REFERENCE_COURSE)) as lms:
        [au] = lms.units()
        assert au.mastery_score is not None and au.mastery_score > 0.125
        au = replace(au, mastery_score=0.1)
        launch = lms.launch(au, str(uuid.uuid4()), return_url=f"{lms.base_url}{RETURN}")
        open_au(page, launch)
        wait_for_quiz(page)
        asked = take_attempt(page, quiz, right=1)
        assert len(asked) == 8
        page.click(f"#{quiz.dom_id} button.cs-quiz__retry")  # the page's own mark: not passed
        page.wait_for_function("() => !window.coursecQuiz.quizzes()[0].submitted")
        take_attempt(page, quiz, right=0)
        exit_au(page, lms)
        statements = session_of(lms.statements, launch)
        check_statements(statements, launch, au)
        judged = [verb(s) for s in statements if verb(s) in {"passed", "failed"}]
        assert judged == ["passed"]
        passed = next(s for s in statements if verb(s) == "passed")
        assert passed["result"]["score"] == {"scaled": 0.125, "raw": 1, "min": 0, "max": 8}
        assert lms.refused == []


def test_exit_waits_for_a_slow_lrs_so_terminated_is_the_last_statement_stored(
    page: Page, built: Builds
) -> None:
    """cmi5: terminated is the last statement of a session. When the learner presses Exit
    while the answers of an attempt are still being stored, the AU sends terminated after
    them, not beside them, and leaves the page once both are stored."""
    quiz = reference_quiz()
    with Cmi5Lms(built.cmi5(REFERENCE_COURSE)) as lms:
        [au] = lms.units()
        launch = lms.launch(au, str(uuid.uuid4()), return_url=f"{lms.base_url}{RETURN}")
        open_au(page, launch)
        wait_for_quiz(page)
        lms.store.slow = {"answered": 1.0}
        take_attempt(page, quiz)
        exit_au(page, lms)
        statements = session_of(lms.statements, launch)
        check_statements(statements, launch, au)
        assert "answered" in [verb(s) for s in statements]
        assert lms.refused == []


def test_a_first_launch_logs_no_error_in_the_console(page: Page, built: Builds) -> None:
    """On a first launch the AU's own State document and the learner preferences do not
    exist yet, and an LRS answers a GET of a missing document with 404, which Chromium logs
    as a console error. The AU asks for the list of documents first (xAPI: a GET without
    stateId or profileId) and fetches only those that are there."""
    from support.browser import page_errors

    with Cmi5Lms(built.cmi5(REFERENCE_COURSE)) as lms:
        [au] = lms.units()
        launch = lms.launch(au, str(uuid.uuid4()), return_url=f"{lms.base_url}{RETURN}")
        open_au(page, launch)
        settle(page)
        assert page.evaluate("() => window.coursecCmi5.state()")["ok"]
        assert page_errors(page) == []
        exit_au(page, lms)
        assert lms.refused == []


def test_an_au_in_french_speaks_french(page: Page, tmp_path: Path) -> None:
    """The runtime's own words come from the page in the course's language: the Exit button,
    and the notice a reload of a closed session gets."""
    course_dir = course_in(tmp_path, "fr", ["alpha"])
    result = build(course_dir, BuildOptions(formats=("cmi5",), out_dir=tmp_path / "dist"))
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(tmp_path / "dist" / "multilingual-cmi5.zip") as zf:
        zf.extractall(tmp_path / "package")
    french = Interface("fr")
    with Cmi5Lms(tmp_path / "package") as lms:
        [au] = lms.units()
        launch = lms.launch(au, str(uuid.uuid4()), return_url=f"{lms.base_url}{RETURN}")
        open_au(page, launch)
        exit_button = page.locator(".cs-header [data-coursec-exit]")
        exit_button.wait_for()
        assert exit_button.inner_text() == french.gettext("Exit") == "Quitter"
        settle(page)
        page.reload()
        page.wait_for_function("() => window.coursecCmi5 && window.coursecCmi5.state().failure")
        reused = french.gettext(CMI5_MESSAGES["cmi5Reused"])
        page.wait_for_function(
            "text => document.querySelector('#coursec-status').textContent.includes(text)",
            arg=reused,
        )
        assert reused.startswith("Cette page a déjà été ouverte")
