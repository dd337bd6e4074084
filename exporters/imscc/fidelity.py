"""What of a knowledge check a cartridge can carry, and a warning for each thing it cannot.

The Common Cartridge 1.1 profile of QTI 1.2 (ccv1p1_qtiasiv1p2p1_v1p0.xsd and its Schematron)
has single choice with 3 or more choices, multiple response, true/false and fill-in; attempts
1 to 5 or unlimited (`cc_maxattempts`); a weight of 1 to 99 per question (`cc_weighting`); no
pass mark, no drawing of questions from a pool. A question it cannot ask is left out with
CS530; a setting it cannot carry is left to the LMS's default with CS531. Never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursec.codes import Code
from coursec.diagnostics import DiagnosticSink
from coursec.model import Course, Module
from coursec.questions.qti import QtiQuestion
from coursec.quiz import QuestionView, QuizView, quiz_view

MAX_ATTEMPTS = 5  # cc_maxattempts: 1..5 or "unlimited"
MAX_WEIGHT = 99  # cc_weighting: 1..99
MIN_SINGLE_CHOICES = 3  # cc.multiple_choice: "at least three response labels" (rule 4d)


@dataclass(frozen=True, slots=True)
class CartridgeQuestion:
    view: QuestionView
    qti: QtiQuestion
    weight: int | None  # None: the LMS's default (1)


@dataclass(frozen=True, slots=True)
class CartridgeQuiz:
    """A knowledge check as its cartridge quiz asks it."""

    module: Module
    view: QuizView
    questions: tuple[CartridgeQuestion, ...]
    max_attempts: str | None  # None: the LMS's default

    @property
    def title(self) -> str:
        """The quiz's name in the LMS: the check's title and the module's, in its language."""
        # Translators: a quiz's name in the LMS: the knowledge check's title, the module's title
        return self.view.interface.gettext(
            "%(quiz)s: %(module)s", quiz=self.view.title, module=self.module.title
        )


def cartridge_quiz(course: Course, module: Module, report: DiagnosticSink) -> CartridgeQuiz | None:
    """The module's knowledge check as a cartridge quiz (None without a check, or when no
    question of it can be asked), reporting each loss."""
    view = quiz_view(course, module)
    if view is None:
        return None
    where = module.sourcemap
    questions: list[CartridgeQuestion] = []
    for index, question in enumerate(view.questions):
        qti = question.qti()
        gap = question.qti_gap if qti is None else _profile_gap(qti)
        if qti is None or gap is not None:
            hint = (
                "ask it as single-choice, multiple-response, true-false or short-text to keep "
                "it in the cartridge; the SCORM, cmi5 and HTML outputs keep every kind"
                if qti is None
                else "give it another choice, or ask it as true-false"
            )
            report.warning(
                Code.CS530,
                f'question "{question.id}" ({question.type}) is left out of the cartridge\'s '
                f'"{module.id}" quiz: {gap}',
                where.value(("quiz", "questions", index, "type")),
                hint,
            )
            continue
        weight: int | None = question.points
        if question.points > MAX_WEIGHT:
            weight = None
            report.warning(
                Code.CS531,
                f'question "{question.id}" is worth {question.points} points; a cartridge '
                f"question weighs 1 to {MAX_WEIGHT}, so the LMS gives it its default weight (1)",
                where.value(("quiz", "questions", index, "points")),
                f"give it {MAX_WEIGHT} points or fewer",
            )
        questions.append(CartridgeQuestion(question, qti, weight))
    if not questions:
        return None
    quiz = view.quiz
    if quiz.draw is not None and quiz.draw < len(view.questions):
        report.warning(
            Code.CS531,
            f'the "{module.id}" knowledge check draws {quiz.draw} of {len(view.questions)} '
            "questions for each attempt; a cartridge quiz cannot, so it asks all of them",
            where.value(("quiz", "draw")),
            "leave out `draw`, or build SCORM or cmi5, which draw",
        )
    attempts: str | None = str(quiz.attempts) if quiz.attempts else "unlimited"
    if quiz.attempts > MAX_ATTEMPTS:
        attempts = None
        report.warning(
            Code.CS531,
            f'the "{module.id}" knowledge check allows {quiz.attempts} attempts; a cartridge '
            f"quiz allows 1 to {MAX_ATTEMPTS} or unlimited, so the LMS's default applies",
            where.value(("quiz", "attempts")),
            f"allow 1 to {MAX_ATTEMPTS} attempts, or 0 (unlimited)",
        )
    return CartridgeQuiz(module, view, tuple(questions), attempts)


def _profile_gap(qti: QtiQuestion) -> str | None:
    """Why the CC profile refuses a question QTI 1.2 itself could ask, or None."""
    if qti.type == "single-choice" and len(qti.choices) < MIN_SINGLE_CHOICES:
        return (
            f"Common Cartridge 1.1's single-choice question needs {MIN_SINGLE_CHOICES} or more "
            f"choices; it has {len(qti.choices)}"
        )
    return None
