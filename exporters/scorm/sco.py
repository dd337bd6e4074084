"""What a SCO's page tells the SCORM runtime (its `coursec-sco` JSON), and what the LMS judges
it by: completion rule, objectives, knowledge checks, pass mark; and whether its resume state
fits the edition's `cmi.suspend_data` (CS502 if it may not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.model import Course, Module
from coursec.quiz import QuizView, quiz_view
from coursec.schema import CompletionRule

from .editions import ScormEdition
from .identifiers import objective_global_id
from .state import SUSPEND_LIMITS, state_key, worst_case_suspend_length

if TYPE_CHECKING:
    from coursec.questions.interactions import Edition


def _completion(course: Course, modules: list[Module]) -> dict[str, Any]:
    """The SCO's completion rule: `time` or `quiz` when every module has it, else `viewed-all`.

    `quiz` (complete when each knowledge check is passed, or failed with no attempt left) needs
    a knowledge check on the SCO; a module without one falls back to `viewed-all`.
    """
    rules = {course.completion_rule(m) for m in modules}
    rule = CompletionRule.VIEWED_ALL
    if rules == {CompletionRule.TIME}:
        rule = CompletionRule.TIME
    elif rules == {CompletionRule.QUIZ} and any(m.spec.quiz for m in modules):
        rule = CompletionRule.QUIZ
    seconds = course.spec.completion_seconds * (len(modules) if rule is CompletionRule.TIME else 0)
    return {"rule": rule.value, "seconds": seconds}


def _quizzes(course: Course, modules: list[Module]) -> list[QuizView]:
    return [v for m in modules if (v := quiz_view(course, m)) is not None]


def mastery_score(course: Course, modules: list[Module]) -> int | None:
    """The pass mark the LMS may judge the SCO by: only with exactly one knowledge check.

    (Several checks on one SCO pass only when each passes, which no single threshold on the
    summed score expresses.)
    """
    quizzes = _quizzes(course, modules)
    return quizzes[0].quiz.passing_score if len(quizzes) == 1 else None


def objective_ids(modules: list[Module]) -> tuple[str, ...]:
    return tuple(o.id for m in modules for o in m.objectives)


def sco_settings(
    edition: ScormEdition,
    course: Course,
    sco: str,
    modules: list[Module],
    multi: bool,
    activities: Mapping[str, str],
) -> dict[str, Any]:
    """The runtime settings of the SCO `sco` (a module id, or "course") showing `modules`;
    `activities`: the item identifier of each other module its page mentions."""
    quizzes = _quizzes(course, modules)
    sections = sum(len(m.sections) for m in modules)
    _check_budget(edition, course, modules, sections, quizzes)
    config = runtime_settings(edition.name, course, sco, modules, multi)
    if multi and edition.choice_navigation:
        # the activities a mention of another module may ask the LMS for: those the page
        # mentions only (every module's would make each page grow with the course)
        config["activities"] = dict(activities)
    return config


def runtime_settings(
    edition: Edition, course: Course, sco: str, modules: list[Module], multi: bool
) -> dict[str, Any]:
    """What the runtime (templates/static/coursec-scorm.js) needs to track `modules` under the
    data model of `edition`: also what the cmi5 runtime gives it (coursec.exporters.cmi5)."""
    sections = [s.id for m in modules for s in m.sections]
    quizzes = _quizzes(course, modules)
    key_parts = sections + [part for q in quizzes for part in q.state_key_parts()]
    config: dict[str, Any] = {
        "edition": edition,
        "courseId": course.id,
        "sco": sco,
        "stateKey": state_key(key_parts),
        "sections": sections,
        "objectives": [objective_global_id(course.id, o.id) for m in modules for o in m.objectives],
        "completion": _completion(course, modules),
        "multiSco": multi,
    }
    if quizzes:
        config["quiz"] = [
            {
                "id": q.id,
                "passingScore": q.quiz.passing_score,
                "attempts": q.quiz.attempts,
                "questions": [v.id for v in q.questions],
                "stateLength": q.worst_case_state_length(),
            }
            for q in quizzes
        ]
    return config


def _check_budget(
    edition: ScormEdition,
    course: Course,
    modules: list[Module],
    sections: int,
    quizzes: list[QuizView],
) -> None:
    limit = SUSPEND_LIMITS[edition.name]
    worst = worst_case_suspend_length(sections, [q.worst_case_state_length() for q in quizzes])
    if worst > limit:
        where = Span(modules[0].path if len(modules) == 1 else course.root / "course.yml")
        what = f"{sections} sections"
        if quizzes:
            count = sum(len(q.questions) for q in quizzes)
            what += f" and the answers to {count} questions"
        raise CoursecError(
            [
                Diagnostic(
                    Severity.ERROR,
                    Code.CS502,
                    f"SCORM {edition.name} suspend_data could need {worst} characters "
                    f"for {what}; the limit is {limit}",
                    where,
                    "split the module, use multi-sco packaging, or build SCORM 2004",
                )
            ]
        )
