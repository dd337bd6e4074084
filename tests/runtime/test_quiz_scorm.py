"""Knowledge checks inside an LMS: every course's real packages in scorm-again.

Score before status, passed/failed, one interaction per question and attempt in each edition's
own formats (its description the prompt as plain text), objective statuses, the `quiz`
completion rule, and attempts and answers kept in suspend_data across launches within the
computed worst case.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Frame, Page

from conftest import COURSE_YML, COURSES, MakeCourse
from coursec.build import build
from coursec.exporters.scorm import Packaging
from coursec.exporters.scorm.state import SUSPEND_LIMITS
from coursec.loading import load_course
from coursec.model import Course
from coursec.options import BuildOptions
from coursec.quiz import QuestionView, QuizView
from coursec.schema import QuestionType
from support import settings
from support.covering import each_course
from support.lms import LmsServer, LmsSession
from support.quiz import answer, quiz_state, quiz_views, score_text, shown, wait_for_quiz
from support.quiz_markdown import MARKDOWN_QUIZ_MODULE
from support.scorm_package import check_package, sco_config, suspend_budget

Edition = Literal["1.2", "2004"]
EDITIONS = pytest.mark.parametrize("edition", ["1.2", "2004"])
FORMAT = {"1.2": "scorm12", "2004": "scorm2004"}

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

Packages = Callable[..., Path]


def _extract(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


def _build(course_dir: Path, out: Path, fmt: str, packaging: Packaging) -> Path:
    result = build(
        course_dir, BuildOptions(formats=(fmt,), out_dir=out, settings=settings.scorm(packaging))
    )
    assert result.ok, result.diagnostics
    archives = list(out.glob(f"*-{fmt}.zip"))
    assert len(archives) == 1, archives
    return archives[0]


def _with_quiz_rule(course_dir: Path, into: Path) -> Path:
    """A copy of the course with `completion: quiz`."""
    root = into / course_dir.name
    shutil.copytree(course_dir, root)
    course_yml = root / "course.yml"
    text = course_yml.read_text(encoding="utf-8")
    assert "completion: viewed-all" in text
    course_yml.write_text(
        text.replace("completion: viewed-all", "completion: quiz"), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    """`packages(course_dir, edition, packaging, rule)` -> the extracted package folder, built
    once for this file."""
    made: dict[tuple[Path, str, str, str], Path] = {}

    def get(
        course_dir: Path, edition: str, packaging: str = "multi-sco", rule: str = "viewed-all"
    ) -> Path:
        key = (course_dir, edition, packaging, rule)
        if key not in made:
            fmt = FORMAT[edition]
            root = tmp_path_factory.mktemp(f"{course_dir.name}-{fmt}-{packaging}-{rule}")
            source = course_dir if rule == "viewed-all" else _with_quiz_rule(course_dir, root)
            archive = _build(source, root / "dist", fmt, Packaging(packaging))
            assert check_package(archive, edition) == []
            made[key] = _extract(archive, root / "pkg")
        return made[key]

    return get


@pytest.fixture
def course(course_dir: Path) -> Course:
    loaded = load_course(course_dir).course
    assert loaded is not None
    return loaded


@pytest.fixture
def quizzes(course: Course) -> list[QuizView]:
    return quiz_views(course)


@pytest.fixture
def quiz(quizzes: list[QuizView]) -> QuizView:
    """The course's first knowledge check with limited attempts and no draw."""
    return next(q for q in quizzes if q.quiz.attempts and q.count == len(q.questions))


@pytest.fixture
def lms() -> Iterator[dict[Path, LmsServer]]:
    servers: dict[Path, LmsServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


def server_for(servers: dict[Path, LmsServer], pkg: Path) -> LmsServer:
    if pkg not in servers:
        servers[pkg] = LmsServer(pkg).start()
    return servers[pkg]


# --------------------------------------------------------------------------- helpers


def launch_quiz(session: LmsSession, count: int = 1) -> Frame:
    """Launch the SCO and wait until its `count` knowledge checks are on the page."""
    frame = session.launch()
    wait_for_quiz(frame)
    frame.wait_for_function("n => window.coursecQuiz.quizzes().length === n", arg=count)
    return frame


def result_text(frame: Frame, quiz: QuizView) -> str:
    return " ".join(frame.inner_text(f"#{quiz.dom_id} .cs-quiz__result").split())


def take_attempt(
    frame: Frame, quiz: QuizView, index: int = 0, right: int | None = None
) -> list[QuestionView]:
    """Answer the shown questions (only the first `right` right when given) and check; the
    questions asked, in order."""
    asked = shown(frame, quiz, index)
    for number, view in enumerate(asked):
        answer(frame, view, right=right is None or number < right)
    frame.click(f"#{quiz.dom_id} button.cs-quiz__check")
    frame.wait_for_selector(f"#{quiz.dom_id} .cs-quiz__result .cs-quiz__score")
    return asked


def retry(frame: Frame, quiz: QuizView, index: int = 0) -> None:
    frame.click(f"#{quiz.dom_id} button.cs-quiz__retry")
    frame.wait_for_function("i => !window.coursecQuiz.quizzes()[i].submitted", arg=index)


def percent12(raw: int, top: int) -> str:
    """raw/top as the runtime writes a SCORM 1.2 score: a percentage, 2 decimals, rounded down."""
    return format(Decimal(raw * 10000 // top) / Decimal(100), "f")


def measure(raw: int, top: int) -> str:
    """raw/top as the runtime writes a SCORM 2004 scaled score: 4 decimals, rounded down."""
    return f"{raw * 10000 // top / 10000:.4f}".rstrip("0").rstrip(".") or "0"


def points(views: list[QuestionView]) -> int:
    return sum(v.points for v in views)


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


def expected_objectives(
    quiz: QuizView, asked: list[QuestionView], right: list[QuestionView], course_id: str
) -> dict[str, bool]:
    """Each objective the asked questions assess: passed or not, as the runtime judges it."""
    raw: dict[str, int] = {}
    top: dict[str, int] = {}
    for view in asked:
        for objective in view.question.objectives:
            key = f"{course_id}.{objective}"
            top[key] = top.get(key, 0) + view.points
            raw[key] = raw.get(key, 0) + (view.points if view in right else 0)
    return {k: raw[k] * 100 >= quiz.quiz.passing_score * top[k] for k in top}


def description(view: QuestionView) -> str:
    """The interaction description the runtime sets (SCORM 2004: at most 250 characters)."""
    return " ".join(view.description.split()).lstrip("{ ")[:250]


# --------------------------------------------------------------------------- tests


def test_manifest_carries_the_pass_mark(
    packages: Packages, course_dir: Path, quizzes: list[QuizView]
) -> None:
    """Each SCO with one knowledge check carries its pass mark (multi-SCO: one per module)."""
    marks = sorted(q.quiz.passing_score for q in quizzes)
    manifest12 = (packages(course_dir, "1.2") / "imsmanifest.xml").read_text(encoding="utf-8")
    found12 = re.findall(r"<adlcp:masteryscore>(\d+)</adlcp:masteryscore>", manifest12)
    assert sorted(int(m) for m in found12) == marks
    manifest04 = (packages(course_dir, "2004") / "imsmanifest.xml").read_text(encoding="utf-8")
    assert manifest04.count('satisfiedByMeasure="true"') == len(quizzes)
    found04 = re.findall(
        r"<imsss:minNormalizedMeasure>([0-9.]+)</imsss:minNormalizedMeasure>", manifest04
    )
    assert sorted(found04) == sorted(format(Decimal(m) / Decimal(100), "f") for m in marks)


@EDITIONS
@pytest.mark.parametrize("packaging", ["multi-sco", "single-sco"])
def test_fail_then_pass_ends_passed(
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course: Course,
    course_dir: Path,
    quizzes: list[QuizView],
    quiz: QuizView,
    edition: Edition,
    packaging: str,
) -> None:
    pkg = packages(course_dir, edition, packaging)
    on_sco = [quiz] if packaging == "multi-sco" else quizzes
    launch = f"{quiz.id}.html" if packaging == "multi-sco" else "course.html"
    config = sco_config(pkg, launch)
    assert [q["id"] for q in config["quiz"]] == [q.id for q in on_sco]
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, launch)
    frame = launch_quiz(session, len(on_sco))
    index = {q.id: i for i, q in enumerate(on_sco)}
    assert {quiz_state(frame, i)["store"] for i in index.values()} == {"lms"}

    # a first attempt at each check, with only the first question right: not passed
    rounds: list[list[tuple[QuizView, list[QuestionView]]]] = [[], []]
    for check in on_sco:
        asked = take_attempt(frame, check, index[check.id], right=1)
        assert score_text(check, asked, asked[:1]) in result_text(frame, check)
        assert "Not passed" in result_text(frame, check)
        rounds[0].append((check, asked))
    after_fail = session.set_values()
    raw = sum(asked[0].points for _, asked in rounds[0])
    top = sum(points(asked) for _, asked in rounds[0])
    if edition == "1.2":
        assert after_fail["cmi.core.lesson_status"] == "failed"
        assert after_fail["cmi.core.score.raw"] == percent12(raw, top)
    else:
        assert after_fail["cmi.success_status"] == "failed"
        assert after_fail["cmi.score.scaled"] == measure(raw, top)

    for check in on_sco:
        retry(frame, check, index[check.id])
        asked = take_attempt(frame, check, index[check.id])
        assert score_text(check, asked, asked) in result_text(frame, check)
        rounds[1].append((check, asked))
    sets = sets_in_order(session)
    cmi = session.unload()

    completion, success = cmi_status(edition, cmi)
    assert success == "passed"
    top = sum(points(asked) for _, asked in rounds[1])
    if edition == "1.2":
        score = cmi["core"]["score"]
        assert (score["raw"], score["min"], score["max"]) == ("100", "0", "100")
        score_at = index_of(sets, "cmi.core.score.raw", "100")
        assert score_at < index_of(sets, "cmi.core.lesson_status", "passed")
    else:
        score = cmi["score"]
        assert (score["raw"], score["min"], score["max"], score["scaled"]) == (
            str(top),
            "0",
            str(top),
            "1",
        )
        # viewed-all: the check follows the last section, so reaching it reached every section
        assert completion == "completed"
        score_at = index_of(sets, "cmi.score.scaled", "1")
        assert score_at < index_of(sets, "cmi.success_status", "passed")

    # one interaction per question and attempt, in valid formats
    records = recorded_interactions(session)
    first = [v for _, asked in rounds[0] for v in asked]
    second = [v for _, asked in rounds[1] for v in asked]
    assert [r["id"] for r in records] == [v.id for v in first + second]
    problems = {r["id"]: check_interaction(edition, r) for r in records}
    assert {k: v for k, v in problems.items() if v} == {}
    wrong = "wrong" if edition == "1.2" else "incorrect"
    right = {asked[0].id for _, asked in rounds[0]}
    assert [r["result"] for r in records[: len(first)]] == [
        "correct" if v.id in right else wrong for v in first
    ]
    assert {r["result"] for r in records[len(first) :]} == {"correct"}
    response = "student_response" if edition == "1.2" else "learner_response"
    for record, view in zip(records[len(first) :], second, strict=True):
        assert record["objectives.0.id"] == f"{course.id}.{view.question.objectives[0]}"
        assert record["weighting"] == str(view.points)
        assert record["type"] == view.scorm_types[edition]
        assert record["correct_responses.0.pattern"] == view.correct_patterns(edition)[0]
        if view.question.type is QuestionType.TRUE_FALSE:
            value = bool(view.question.answer)
            assert (
                record[response]
                == (
                    {True: "t", False: "f"}
                    if edition == "1.2"
                    else {
                        True: "true",
                        False: "false",
                    }
                )[value]
            )
        if view.question.type is QuestionType.SHORT_TEXT:
            assert record[response].strip().lower() == view.question.accept[0].lower()
        if edition == "2004":
            assert record["description"] == description(view)  # the prompt, as plain text
            assert "`" not in record["description"]
        else:
            assert "description" not in record
    assert len(interactions(cmi)) == len(first) + len(second)

    # each objective: passed, from the questions that assess it
    objectives = {o["id"]: o for o in cmi["objectives"].values()}
    assert set(objectives) == set(config["objectives"])
    assessed = {f"{course.id}.{o}" for v in second for o in v.question.objectives}
    for objective_id in assessed:
        objective = objectives[objective_id]
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
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course: Course,
    course_dir: Path,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = packages(course_dir, edition)
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, f"{quiz.id}.html")
    frame = launch_quiz(session)
    asked = shown(frame, quiz)
    # the questions of the objective that the fewest assess (the last such one) are wrong
    assessing = Counter(o for v in asked for o in v.question.objectives)
    target = min(reversed(assessing), key=assessing.__getitem__)
    wrong = [v for v in asked if target in v.question.objectives]
    right = [v for v in asked if v not in wrong]
    for view in asked:
        answer(frame, view, right=view in right)
    frame.click("button.cs-quiz__check")
    frame.wait_for_selector(".cs-quiz__result .cs-quiz__score")
    cmi = session.unload()
    passed = points(right) * 100 >= quiz.quiz.passing_score * points(asked)
    assert cmi_status(edition, cmi)[1] == ("passed" if passed else "failed")
    status = "status" if edition == "1.2" else "success_status"
    got = {o["id"]: o[status] for o in cmi["objectives"].values()}
    expected = expected_objectives(quiz, asked, right, course.id)
    assert expected[f"{course.id}.{target}"] is False
    assert {k: got[k] for k in expected} == {
        k: "passed" if ok else "failed" for k, ok in expected.items()
    }
    assert session.errors() == []


@EDITIONS
def test_relaunch_restores_attempts_and_answers(
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course_dir: Path,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = packages(course_dir, edition)
    launch = f"{quiz.id}.html"
    config = sco_config(pkg, launch)
    base = server_for(lms, pkg).base_url
    first = LmsSession(page, base, edition, launch)
    frame = launch_quiz(first)
    take_attempt(frame, quiz, right=1)
    retry(frame, quiz)
    asked = shown(frame, quiz)
    half = (len(asked) + 1) // 2 + 1
    now = [v for i, v in enumerate(asked) if i < half or v.question.type is QuestionType.SHORT_TEXT]
    later = [v for v in asked if v not in now]
    assert later, "the check is too short to stop half-way"
    for view in now:  # half-way through attempt 2
        answer(frame, view, right=True)
    before = quiz_state(frame)
    assert (before["attempt"], before["submitted"], len(before["answers"])) == (2, False, len(now))
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
    text_q = next(v for v in now if v.question.type is QuestionType.SHORT_TEXT)
    restored = frame.input_value(f"#{text_q.dom_id}__text").strip().lower()
    assert restored == text_q.question.accept[0].lower()
    for view in later:
        answer(frame, view, right=True)
    frame.click("button.cs-quiz__check")
    frame.wait_for_selector(".cs-quiz__result .cs-quiz__score")
    assert score_text(quiz, asked, asked) in result_text(frame, quiz)
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
    assert score_text(quiz, asked, asked) in result_text(frame, quiz)
    assert frame.locator("button.cs-quiz__retry").is_hidden()
    final = third.unload()
    assert len(interactions(final)) == 2 * len(asked)
    assert not [e for e, _ in sets_in_order(third) if e.startswith("cmi.interactions.")]
    assert third.errors() == []


@each_course(COURSES, "edition", ["1.2", "2004"])
def test_attempts_run_out_across_launches(
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course_dir: Path,
    quiz: QuizView,
    edition: Edition,
) -> None:
    """Each course in one edition, the editions taking turns: the attempts a learner used live in
    suspend_data, kept alike in both; how each edition reports a failed or passed check, and the
    `quiz` rule's completion, are checked in both by the tests above and below."""
    pkg = packages(course_dir, edition, rule="quiz")
    launch = f"{quiz.id}.html"
    config = sco_config(pkg, launch)
    assert config["completion"]["rule"] == "quiz"
    base = server_for(lms, pkg).base_url
    limit = quiz.quiz.attempts
    seed: dict[str, Any] | None = None
    for attempt in range(1, limit + 1):
        session = LmsSession(page, base, edition, launch, cmi=seed)
        frame = launch_quiz(session)
        state = quiz_state(frame)
        if attempt > 1:
            assert (state["attempt"], state["submitted"]) == (attempt - 1, True)
            retry(frame, quiz)
        take_attempt(frame, quiz, right=1)
        cmi = session.unload()
        completion, success = cmi_status(edition, cmi)
        assert success == "failed"
        if edition == "2004":
            # the `quiz` rule: complete once no attempt is left
            assert completion == ("completed" if attempt == limit else "incomplete")
        assert len(cmi["suspend_data"]) <= suspend_budget(config)
        assert session.errors() == []
        seed = session.next_launch_cmi()
    session = LmsSession(page, base, edition, launch, cmi=seed)
    frame = launch_quiz(session)
    assert f"You have used all {limit} attempts." in result_text(frame, quiz)
    assert frame.locator("button.cs-quiz__retry").is_hidden()
    session.unload()


@EDITIONS
def test_quiz_rule_completes_when_passed(
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course_dir: Path,
    quiz: QuizView,
    edition: Edition,
) -> None:
    pkg = packages(course_dir, edition, rule="quiz")
    session = LmsSession(page, server_for(lms, pkg).base_url, edition, f"{quiz.id}.html")
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
    packages: Packages,
    lms: dict[Path, LmsServer],
    page: Page,
    course_dir: Path,
    quiz: QuizView,
    edition: Edition,
) -> None:
    """Every answer at its longest: a full text answer of characters that are all escaped."""
    pkg = packages(course_dir, edition)
    launch = f"{quiz.id}.html"
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


@EDITIONS
def test_markdown_texts_are_plain_in_interactions_and_formatted_on_the_page(
    make_course: MakeCourse, tmp_path: Path, page: Page, edition: Edition
) -> None:
    root = make_course(
        modules={"modules/one.md": MARKDOWN_QUIZ_MODULE},
        files={"assets/handout.pdf": b"%PDF-1.4\n"},
    )
    archive = _build(root, tmp_path / "dist", FORMAT[edition], Packaging.MULTI_SCO)
    assert check_package(archive, edition) == []
    pkg = _extract(archive, tmp_path / "pkg")
    course = load_course(root).course
    assert course is not None
    (quiz,) = quiz_views(course)
    with LmsServer(pkg) as server:
        session = LmsSession(page, server.base_url, edition, "one.html")
        frame = launch_quiz(session)
        asked = take_attempt(frame, quiz, right=0)
        feedback = frame.locator("#one__quiz__md-short-text__feedback")
        assert feedback.locator("code").inner_text() == "CASCADE"
        records = recorded_interactions(session)
        assert [r["id"] for r in records] == [v.id for v in asked]
        problems = {r["id"]: check_interaction(edition, r) for r in records}
        assert {k: v for k, v in problems.items() if v} == {}
        if edition == "2004":
            assert {r["id"]: r["description"] for r in records} == {
                "md-single": "Which type is exact? See Widgets and the docs.",
                "md-multiple": "Which are keys of order_line?",
                "md-true-false": "NULL = NULL is true.",
                "md-matching": "Match each JOIN with what it keeps.",
                "md-ordering": "Put the clauses of a SELECT in the order they are written.",
                "md-short-text": "Which keyword completes ON DELETE ____?",
            }
        else:
            assert not any("description" in r for r in records)
        session.unload()
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
            formats=(FORMAT[edition],),
            out_dir=tmp_path / "dist",
            settings=settings.scorm(Packaging.SINGLE_SCO),
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
