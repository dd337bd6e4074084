"""Knowledge checks inside an LMS: the reference course's real packages in scorm-again.

Score before status, passed/failed, one interaction per question and attempt in each edition's
own formats, objective statuses, the `quiz` completion rule, and attempts and answers kept in
suspend_data across launches within the computed worst case.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Frame, Page

from conftest import COURSE_YML, REFERENCE_COURSE, MakeCourse
from coursec.build import build
from coursec.course import load_course
from coursec.exporters._scorm_state import SUSPEND_LIMITS
from coursec.options import BuildOptions
from coursec.quiz import QuizView, quiz_view
from coursec.schema import Packaging, QuestionType
from support.lms import LmsServer, LmsSession
from support.quiz import answer, live_text, quiz_state, wait_for_quiz
from support.scorm_package import check_package, sco_config, suspend_budget

Edition = Literal["1.2", "2004"]
EDITIONS = pytest.mark.parametrize("edition", ["1.2", "2004"])
FORMAT = {"1.2": "scorm12", "2004": "scorm2004"}
MODULE = "instrumental-convergence"
COURSE = "agai-302"
# Questions answered wrong in a failing first attempt: 5 of 8 (62%) is under the 75% pass mark.
WRONG = ("ic-shortcuts", "key-terms-matching", "checkpoint-flow")

# Each edition's formats (SCORM 1.2 RTE 3.4.2.7; SCORM 2004 RTE 4.1.6), checked more strictly
# than scorm-again does.
ID12 = r"[0-9a-z]"
ID04 = r"[A-Za-z0-9_.:-]+"
RESPONSE_FORMATS: dict[Edition, dict[str, str]] = {
    "1.2": {
        "choice": rf"{ID12}(,{ID12})*",
        "true-false": r"[01tf]",
        "fill-in": r"[^\n]{0,255}",
        "matching": rf"{ID12}\.{ID12}(,{ID12}\.{ID12})*",
        "sequencing": rf"{ID12}(,{ID12})*",
    },
    "2004": {
        "choice": rf"{ID04}(\[,\]{ID04})*",
        "true-false": r"true|false",
        "fill-in": r"(?!\{)(?:(?!\[,\]).){0,250}",
        "long-fill-in": r"(?!\{)[\s\S]{0,4000}",
        "matching": rf"{ID04}\[\.\]{ID04}(\[,\]{ID04}\[\.\]{ID04})*",
        "sequencing": rf"{ID04}(\[,\]{ID04})*",
    },
}
TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")
SPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
TIMESTAMP_2004 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,2}(Z|[+-]\d{2}(:\d{2})?)?)?$"
)
SPAN_2004 = re.compile(r"^P(?=.)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$")


# --------------------------------------------------------------------------- packages


def _extract(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


def _build(course_dir: Path, out: Path, fmt: str, packaging: Packaging) -> Path:
    result = build(course_dir, BuildOptions(formats=(fmt,), out_dir=out, packaging=packaging))
    assert result.ok, result.diagnostics
    archive = out / f"{COURSE}-{fmt}.zip"
    assert archive.is_file()
    return archive


@pytest.fixture(scope="module")
def quiz() -> QuizView:
    course = load_course(REFERENCE_COURSE).course
    assert course is not None
    view = quiz_view(course.id, next(m for m in course.modules if m.id == MODULE))
    assert view is not None
    return view


@pytest.fixture(scope="module")
def quiz_rule_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference course with `scorm.completion: quiz`."""
    root = tmp_path_factory.mktemp("quiz-rule") / COURSE
    shutil.copytree(REFERENCE_COURSE, root)
    course_yml = root / "course.yml"
    text = course_yml.read_text(encoding="utf-8")
    course_yml.write_text(
        text.replace("completion: viewed-all", "completion: quiz"), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def packages(
    tmp_path_factory: pytest.TempPathFactory, quiz_rule_course: Path
) -> dict[tuple[str, str, str], Path]:
    """(edition, packaging, rule) -> extracted package folder."""
    out: dict[tuple[str, str, str], Path] = {}
    for edition, fmt in FORMAT.items():
        for packaging in Packaging:
            for rule, course in (("viewed-all", REFERENCE_COURSE), ("quiz", quiz_rule_course)):
                if rule == "quiz" and packaging is Packaging.SINGLE_SCO:
                    continue
                root = tmp_path_factory.mktemp(f"{fmt}-{packaging.value}-{rule}")
                archive = _build(course, root / "dist", fmt, packaging)
                assert check_package(archive, edition) == []
                out[(edition, packaging.value, rule)] = _extract(archive, root / "pkg")
    return out


def package(
    packages: dict[tuple[str, str, str], Path],
    edition: str,
    packaging: str = "multi-sco",
    rule: str = "viewed-all",
) -> Path:
    return packages[(edition, packaging, rule)]


def launch_of(packaging: str) -> str:
    return f"{MODULE}.html" if packaging == "multi-sco" else "course.html"


@pytest.fixture
def lms(packages: dict[tuple[str, str, str], Path]) -> Iterator[dict[Path, LmsServer]]:
    servers: dict[Path, LmsServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


def server_for(servers: dict[Path, LmsServer], pkg: Path) -> LmsServer:
    if pkg not in servers:
        servers[pkg] = LmsServer(pkg).start()
    return servers[pkg]


# --------------------------------------------------------------------------- helpers


def launch_quiz(session: LmsSession) -> Frame:
    """Launch the SCO and wait until its knowledge check is on the page."""
    frame = session.launch()
    wait_for_quiz(frame)
    return frame


def take_attempt(frame: Frame, quiz: QuizView, wrong: tuple[str, ...] = ()) -> None:
    for view in quiz.questions:
        answer(frame, view, right=view.id not in wrong)
    frame.click("button.cs-quiz__check")
    frame.wait_for_selector(".cs-quiz__result .cs-quiz__score")


def retry(frame: Frame) -> None:
    frame.click("button.cs-quiz__retry")
    frame.wait_for_function("() => !window.coursecQuiz.quizzes()[0].submitted")


def cmi_status(edition: str, cmi: dict[str, Any]) -> tuple[str, str]:
    """(completion, success) as the LMS holds them (1.2: lesson_status twice)."""
    if edition == "1.2":
        status = str(cmi["core"]["lesson_status"])
        return status, status
    return str(cmi["completion_status"]), str(cmi["success_status"])


def interactions(cmi: dict[str, Any]) -> list[dict[str, Any]]:
    found = cmi.get("interactions", {})
    items = found.values() if isinstance(found, dict) else found
    return [i for i in items if isinstance(i, dict) and i.get("id")]


def sets_in_order(session: LmsSession) -> list[tuple[str, str]]:
    setter = "SetValue" if session.edition == "2004" else "LMSSetValue"
    return [
        (str(c["args"][0]), str(c["args"][1]))
        for c in session.calls()
        if c["method"] == setter and c["result"] == "true"
    ]


def index_of(sets: list[tuple[str, str]], element: str, value: str | None = None) -> int:
    for i in range(len(sets) - 1, -1, -1):
        if sets[i][0] == element and (value is None or sets[i][1] == value):
            return i
    raise AssertionError(f"{element}={value} never set")


def check_interaction(edition: Edition, record: dict[str, str]) -> list[str]:
    """Problems with one interaction's recorded values (from the SCO's SetValue calls)."""
    problems = []
    kind = record.get("type", "")
    formats = RESPONSE_FORMATS[edition]
    if kind not in formats:
        return [f"type {kind!r}"]
    response_key = "student_response" if edition == "1.2" else "learner_response"
    values = [record.get(response_key, "")] + [
        v for k, v in record.items() if k.startswith("correct_responses.")
    ]
    for value in values:
        if value and not re.fullmatch(formats[kind], value):
            problems.append(f"{kind} value {value!r}")
        if edition == "1.2" and len(value) > 255:
            problems.append(f"longer than 255: {value!r}")
    wrong = "wrong" if edition == "1.2" else "incorrect"
    if record.get("result") not in ("correct", wrong):
        problems.append(f"result {record.get('result')!r}")
    latency = SPAN_12 if edition == "1.2" else SPAN_2004
    if not latency.match(record.get("latency", "")):
        problems.append(f"latency {record.get('latency')!r}")
    when = record.get("time") if edition == "1.2" else record.get("timestamp")
    if not (TIME_12 if edition == "1.2" else TIMESTAMP_2004).match(when or ""):
        problems.append(f"time {when!r}")
    if not re.fullmatch(r"\d+(\.\d+)?", record.get("weighting", "")):
        problems.append(f"weighting {record.get('weighting')!r}")
    return problems


def recorded_interactions(session: LmsSession) -> list[dict[str, str]]:
    """Each interaction's elements as the SCO set them, in order of index."""
    records: dict[int, dict[str, str]] = {}
    for element, value in sets_in_order(session):
        m = re.fullmatch(r"cmi\.interactions\.(\d+)\.(.+)", element)
        if m:
            records.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return [records[i] for i in sorted(records)]


# --------------------------------------------------------------------------- tests


def test_manifest_carries_the_pass_mark(packages: dict[tuple[str, str, str], Path]) -> None:
    manifest12 = (package(packages, "1.2") / "imsmanifest.xml").read_text(encoding="utf-8")
    assert "<adlcp:masteryscore>75</adlcp:masteryscore>" in manifest12
    manifest04 = (package(packages, "2004") / "imsmanifest.xml").read_text(encoding="utf-8")
    assert 'satisfiedByMeasure="true"' in manifest04
    assert "<imsss:minNormalizedMeasure>0.75</imsss:minNormalizedMeasure>" in manifest04


@EDITIONS
@pytest.mark.parametrize("packaging", ["multi-sco", "single-sco"])
def test_fail_then_pass_ends_passed(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
    packaging: str,
) -> None:
    pkg = package(packages, edition, packaging)
    launch = launch_of(packaging)
    config = sco_config(pkg, launch)
    assert [q["id"] for q in config["quiz"]] == [MODULE]
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, launch)
    frame = launch_quiz(session)
    assert quiz_state(frame)["store"] == "lms"

    take_attempt(frame, quiz, WRONG)
    assert "You scored 5 of 8 (62%). Not passed" in live_text(frame)
    after_fail = session.set_values()
    if edition == "1.2":
        assert after_fail["cmi.core.lesson_status"] == "failed"
        assert after_fail["cmi.core.score.raw"] == "62.5"
    else:
        assert after_fail["cmi.success_status"] == "failed"
        assert after_fail["cmi.score.scaled"] == "0.625"

    retry(frame)
    take_attempt(frame, quiz)
    assert "You scored 8 of 8 (100%). Passed" in live_text(frame)
    sets = sets_in_order(session)
    cmi = session.unload()

    completion, success = cmi_status(edition, cmi)
    assert success == "passed"
    if edition == "1.2":
        score = cmi["core"]["score"]
        assert (score["raw"], score["min"], score["max"]) == ("100", "0", "100")
        score_at = index_of(sets, "cmi.core.score.raw", "100")
        assert score_at < index_of(sets, "cmi.core.lesson_status", "passed")
    else:
        score = cmi["score"]
        assert (score["raw"], score["min"], score["max"], score["scaled"]) == ("8", "0", "8", "1")
        # viewed-all: the check follows the last section, so reaching it reached every section
        assert completion == "completed"
        score_at = index_of(sets, "cmi.score.scaled", "1")
        assert score_at < index_of(sets, "cmi.success_status", "passed")

    # one interaction per question and attempt, in valid formats
    records = recorded_interactions(session)
    assert len(records) == 2 * len(quiz.questions)
    assert [r["id"] for r in records] == [v.id for v in quiz.questions] * 2
    problems = {r["id"]: check_interaction(edition, r) for r in records}
    assert {k: v for k, v in problems.items() if v} == {}
    wrong = "wrong" if edition == "1.2" else "incorrect"
    first, second = records[: len(quiz.questions)], records[len(quiz.questions) :]
    assert [r["result"] for r in first] == [
        wrong if v.id in WRONG else "correct" for v in quiz.questions
    ]
    assert {r["result"] for r in second} == {"correct"}
    for record, view in zip(second, quiz.questions, strict=True):
        assert record["objectives.0.id"] == f"{COURSE}.{view.question.objectives[0]}"
        assert record["weighting"] == "1"
        assert record["correct_responses.0.pattern"] == view.correct_patterns(edition)[0]
    by_id = {r["id"]: r for r in second}
    response = "student_response" if edition == "1.2" else "learner_response"
    assert by_id["corrigibility-in-practice"][response] == ("t" if edition == "1.2" else "true")
    assert by_id["key-terms-matching"]["type"] == "matching"
    assert by_id["checkpoint-flow"]["type"] == "sequencing"
    assert by_id["corrigibility-definition"]["type"] == "fill-in"
    assert by_id["corrigibility-definition"][response].strip().lower() == "corrigible"
    if edition == "2004":
        assert by_id["ic-definition"]["description"] == quiz.questions[0].prompt
    assert len(interactions(cmi)) == 2 * len(quiz.questions)

    # each objective: passed, from the questions that assess it
    objectives = {o["id"]: o for o in cmi["objectives"].values()}
    assert set(objectives) == set(config["objectives"])
    for objective in objectives.values():
        if edition == "1.2":
            assert objective["status"] == "passed"
            assert objective["score"]["raw"] == "100"
        else:
            assert objective["success_status"] == "passed"
            assert objective["score"]["scaled"] == "1"
    assert session.errors() == []
    assert len(cmi["suspend_data"]) <= suspend_budget(config) <= SUSPEND_LIMITS[edition]


@EDITIONS
def test_objectives_follow_their_own_questions(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = package(packages, edition)
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, f"{MODULE}.html")
    frame = launch_quiz(session)
    # both apply-mitigations questions wrong: 6 of 8 passes the check, not that objective
    take_attempt(frame, quiz, ("checkpoint-flow", "mitigations-choice"))
    cmi = session.unload()
    assert cmi_status(edition, cmi)[1] == "passed"
    status = "status" if edition == "1.2" else "success_status"
    got = {o["id"]: o[status] for o in cmi["objectives"].values()}
    assert got == {
        f"{COURSE}.explain-instrumental-convergence": "passed",
        f"{COURSE}.define-corrigibility": "passed",
        f"{COURSE}.describe-goal-misgeneralization": "passed",
        f"{COURSE}.apply-mitigations": "failed",
    }
    assert session.errors() == []


@EDITIONS
def test_relaunch_restores_attempts_and_answers(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = package(packages, edition)
    launch = f"{MODULE}.html"
    config = sco_config(pkg, launch)
    base = server_for(lms, pkg).base_url
    first = LmsSession(page, base, edition, launch)
    frame = launch_quiz(first)
    take_attempt(frame, quiz, WRONG)
    retry(frame)
    for view in quiz.questions[:5]:  # half-way through attempt 2
        answer(frame, view, right=True)
    before = quiz_state(frame)
    assert (before["attempt"], before["submitted"], len(before["answers"])) == (2, False, 5)
    cmi = first.unload()
    assert len(cmi["suspend_data"]) <= suspend_budget(config)
    assert first.errors() == []

    second = LmsSession(page, base, edition, launch, cmi=first.next_launch_cmi())
    frame = launch_quiz(second)
    after = quiz_state(frame)
    assert after["store"] == "lms"
    for key in ("attempt", "submitted", "attemptsUsed", "answers", "order", "choices"):
        assert after[key] == before[key], key
    # the page shows the restored answers
    text_q = next(v for v in quiz.questions if v.question.type is QuestionType.SHORT_TEXT)
    assert frame.input_value(f"#{text_q.dom_id}__text").strip().lower() == "corrigible"
    for view in quiz.questions[5:]:
        answer(frame, view, right=True)
    frame.click("button.cs-quiz__check")
    frame.wait_for_selector(".cs-quiz__result .cs-quiz__score")
    assert "You scored 8 of 8 (100%). Passed" in live_text(frame)
    cmi = second.unload()
    assert cmi_status(edition, cmi)[1] == "passed"
    assert len(cmi["suspend_data"]) <= suspend_budget(config)
    assert second.errors() == []

    # a third launch shows the checked attempt again, without recording it twice
    third = LmsSession(page, base, edition, launch, cmi=second.next_launch_cmi())
    frame = launch_quiz(third)
    state = quiz_state(frame)
    assert (state["attempt"], state["submitted"]) == (2, True)
    assert state["result"]["passed"] is True
    assert "You scored 8 of 8 (100%). Passed" in live_text(frame)
    assert frame.locator("button.cs-quiz__retry").is_hidden()
    final = third.unload()
    assert len(interactions(final)) == 2 * len(quiz.questions)
    assert not [e for e, _ in sets_in_order(third) if e.startswith("cmi.interactions.")]
    assert third.errors() == []


@EDITIONS
def test_attempts_run_out_across_launches(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = package(packages, edition, rule="quiz")
    launch = f"{MODULE}.html"
    config = sco_config(pkg, launch)
    assert config["completion"]["rule"] == "quiz"
    base = server_for(lms, pkg).base_url
    seed: dict[str, Any] | None = None
    for attempt in (1, 2, 3):
        session = LmsSession(page, base, edition, launch, cmi=seed)
        frame = launch_quiz(session)
        state = quiz_state(frame)
        if attempt > 1:
            assert (state["attempt"], state["submitted"]) == (attempt - 1, True)
            retry(frame)
        take_attempt(frame, quiz, WRONG)
        cmi = session.unload()
        completion, success = cmi_status(edition, cmi)
        assert success == "failed"
        if edition == "2004":
            # the `quiz` rule: complete once no attempt is left
            assert completion == ("completed" if attempt == 3 else "incomplete")
        assert len(cmi["suspend_data"]) <= suspend_budget(config)
        assert session.errors() == []
        seed = session.next_launch_cmi()
    session = LmsSession(page, base, edition, launch, cmi=seed)
    frame = launch_quiz(session)
    assert "You have used all 3 attempts." in live_text(frame)
    assert frame.locator("button.cs-quiz__retry").is_hidden()
    session.unload()


@EDITIONS
def test_quiz_rule_completes_when_passed(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = package(packages, edition, rule="quiz")
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, f"{MODULE}.html")
    frame = launch_quiz(session)
    take_attempt(frame, quiz)
    frame.wait_for_function("() => window.coursecScorm.state().completed")
    cmi = session.unload()
    completion, success = cmi_status(edition, cmi)
    assert (completion, success) == (
        ("passed", "passed") if edition == "1.2" else ("completed", "passed")
    )
    if edition == "2004":
        assert float(cmi["progress_measure"]) == 1.0
    assert session.errors() == []


@EDITIONS
def test_suspend_data_stays_within_the_worst_case(
    packages: dict[tuple[str, str, str], Path],
    lms: dict[Path, LmsServer],
    page: Page,
    quiz: QuizView,
    edition: Edition,
) -> None:
    """Every answer at its longest: a full text answer of characters that are all escaped."""
    pkg = package(packages, edition)
    launch = f"{MODULE}.html"
    config = sco_config(pkg, launch)
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, launch)
    frame = launch_quiz(session)
    text_q = next(v for v in quiz.questions if v.question.type is QuestionType.SHORT_TEXT)
    for view in quiz.questions:
        if view is not text_q:
            answer(frame, view, right=False)
    for view in quiz.questions:
        if view.question.type is QuestionType.MULTIPLE:
            for choice in view.choices:
                frame.check(f"#{view.dom_id}__{choice.id}")
    frame.fill(f"#{text_q.dom_id}__text", "é~|;%" * text_q.max_length)
    assert len(frame.input_value(f"#{text_q.dom_id}__text")) == text_q.max_length
    cmi = session.unload()
    saved = cmi["suspend_data"]
    assert "é" not in saved
    assert len(saved) <= suspend_budget(config) <= SUSPEND_LIMITS[edition]
    # the answers field alone is as long as the budget says the text can be
    segment = saved.split("~")[4]
    assert len(segment) > text_q.max_length * 5
    assert session.errors() == []


TWO_QUIZ_MODULE = """\
---
id: {id}
title: Module {id}
summary: A module with a check.
objectives:
  - id: know-{id}
    text: Know {id} well.
quiz:
  passing_score: 100
  questions:
    - id: {id}-q1
      type: true-false
      prompt: "{id}: is this true?"
      objectives: [know-{id}]
      answer: true
    - id: {id}-q2
      type: short-text
      prompt: "{id}: name it."
      objectives: [know-{id}]
      accept: ["{id}"]
---
## About {id}

Text about {id}.
"""


@EDITIONS
def test_single_sco_with_two_checks_passes_when_both_do(
    make_course: MakeCourse, tmp_path: Path, page: Page, edition: Edition
) -> None:
    course_yml = COURSE_YML.replace(
        "  - modules/one.md\n", "  - modules/one.md\n  - modules/two.md\n"
    )
    root = make_course(
        course=course_yml,
        modules={
            "modules/one.md": TWO_QUIZ_MODULE.format(id="one"),
            "modules/two.md": TWO_QUIZ_MODULE.format(id="two"),
        },
    )
    result = build(
        root,
        BuildOptions(
            formats=(FORMAT[edition],), out_dir=tmp_path / "dist", packaging=Packaging.SINGLE_SCO
        ),
    )
    assert result.ok, result.diagnostics
    archive = tmp_path / "dist" / f"demo-{FORMAT[edition]}.zip"
    assert check_package(archive, edition) == []
    pkg = _extract(archive, tmp_path / "pkg")
    manifest = (pkg / "imsmanifest.xml").read_text(encoding="utf-8")
    assert "masteryscore" not in manifest and "minNormalizedMeasure" not in manifest
    config = sco_config(pkg, "course.html")
    assert [q["id"] for q in config["quiz"]] == ["one", "two"]
    with LmsServer(pkg) as server:
        session = LmsSession(page, server.base_url, edition, "course.html")
        frame = session.launch()
        frame.wait_for_function("() => window.coursecQuiz.quizzes().length === 2")
        success = "cmi.core.lesson_status" if edition == "1.2" else "cmi.success_status"

        frame.check("#one__quiz__one-q1__true")
        frame.fill("#one__quiz__one-q2__text", "One")
        frame.click("#one__quiz button.cs-quiz__check")
        frame.wait_for_function("() => window.coursecQuiz.quizzes()[0].submitted")
        assert session.set_values().get(success) in ("incomplete", "unknown")  # two is not done

        frame.check("#two__quiz__two-q1__false")
        frame.click("#two__quiz button.cs-quiz__check")
        frame.wait_for_function("() => window.coursecQuiz.quizzes()[1].submitted")
        assert session.set_values()[success] == "failed"

        frame.click("#two__quiz button.cs-quiz__retry")
        frame.check("#two__quiz__two-q1__true")
        frame.fill("#two__quiz__two-q2__text", "two")
        frame.click("#two__quiz button.cs-quiz__check")
        frame.wait_for_function("() => window.coursecQuiz.quizzes()[1].result.passed")
        cmi = session.unload()
        assert cmi_status(edition, cmi)[1] == "passed"
        if edition == "1.2":
            assert cmi["core"]["score"]["raw"] == "100"
        else:
            assert (cmi["score"]["raw"], cmi["score"]["max"]) == ("4", "4")
        assert len(interactions(cmi)) == 6
        segments = cmi["suspend_data"].split("~")[4].split("|")
        assert [s[:2] for s in segments] == ["1s", "2s"]
        assert len(cmi["suspend_data"]) <= suspend_budget(config)
        assert session.errors() == []
