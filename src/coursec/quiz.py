"""Knowledge checks as pages show them: the view of a module's `quiz:` for the theme, and the
data the quiz runtime (``templates/static/coursec-quiz.js``) scores with.

Each question is shown by its kind (`coursec.questions`); this module adds what belongs to the
check as a whole: its element id, the rules line learners read, the data of every question in
one JSON, and the parts of the resume state that are the check's (its key parts and longest
segment, which the SCORM exporter budgets). The HTML site, the SCORM pages and the SCORM
exporter all take the check from `quiz_view`, so they agree on ids, orders and sizes.

Shuffled questions and choices are arranged by the runtime, per attempt; display orders that
must not change between attempts are fixed by the kinds, at build time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coursec.anchors import page_anchors
from coursec.i18n import ENGLISH, N_, Interface, N_plural, module_interface
from coursec.inline import InlineMarkdown
from coursec.questions import QuestionView, question_view
from coursec.questions.view import base36_width
from coursec.schema import Quiz

if TYPE_CHECKING:
    from coursec.model import Course, Module

__all__ = ["QuestionView", "QuizView", "quiz_dom_id", "quiz_view"]

QUIZ_MESSAGES: dict[str, str | tuple[str, str]] = {
    "correct": N_("Correct."),
    "incorrect": N_("Incorrect."),
    "noAnswer": N_("No answer was given."),
    "answerFirst": N_("Answer at least one question before checking: nothing was counted yet."),
    "question": N_("Question %(n)s of %(count)s"),
    "points": N_(" (%(points)s points)"),
    "score": N_("You scored %(raw)s of %(max)s (%(pct)s%%)."),
    "passed": N_("Passed — the pass mark is %(mark)s%%."),
    "failed": N_("Not passed — the pass mark is %(mark)s%%."),
    "left": N_plural("You have %(num)s attempt left.", "You have %(num)s attempts left."),
    "usedAll": N_plural("You have used your only attempt.", "You have used all %(num)s attempts."),
    "retry": N_("Choose “Try again” for a new attempt."),
    "attempt": N_("Attempt %(n)s: the questions are ready to answer."),
    "attemptOf": N_("Attempt %(n)s of %(max)s: the questions are ready to answer."),
    "outcome": N_("Question %(n)s"),
}
"""What the quiz runtime (static/coursec-quiz.js) says, in the quiz data as `text`: a plural
message is (singular, plural)."""

MAX_ATTEMPT_DIGITS = 4
"""Base-36 digits of the attempt number in the resume state (unlimited attempts are capped)."""


def quiz_dom_id(module_id: str) -> str:
    """Element id of a module's knowledge check (``__`` never occurs in section ids)."""
    return f"{module_id}__quiz"


@dataclass(frozen=True, slots=True)
class QuizView:
    quiz: Quiz
    module_id: str
    course_id: str
    questions: list[QuestionView] = field(default_factory=list)
    interface: Interface = ENGLISH  # the module's language

    @property
    def lang(self) -> str:
        return self.interface.tag

    @property
    def id(self) -> str:
        return self.module_id

    @property
    def dom_id(self) -> str:
        return quiz_dom_id(self.module_id)

    @property
    def title(self) -> str:
        return self.quiz.title or self.interface.gettext("Knowledge check")

    @property
    def count(self) -> int:
        """Questions in one attempt."""
        return self.quiz.draw or len(self.quiz.questions)

    @property
    def rules(self) -> str:
        """One line for learners: how many questions, the pass mark and the attempts."""
        words, pool, attempts = self.interface, len(self.quiz.questions), self.quiz.attempts
        if self.count < pool:
            first = words.ngettext(
                "%(num)s question, drawn from %(pool)s for each attempt",
                "%(num)s questions, drawn from %(pool)s for each attempt",
                self.count,
                pool=words.number(pool),
            )
        else:
            first = words.ngettext("%(num)s question", "%(num)s questions", self.count)
        parts = [first, words.gettext("pass mark %(mark)s%%", mark=self.quiz.passing_score)]
        parts.append(
            words.ngettext("%(num)s attempt", "%(num)s attempts", attempts)
            if attempts
            else words.gettext("unlimited attempts")
        )
        return " · ".join(parts)

    def data(self) -> dict[str, Any]:
        q = self.quiz
        return {
            "version": 1,
            "courseId": self.course_id,
            "id": self.module_id,
            "seed": f"{self.course_id}.{self.module_id}",
            "title": self.title,
            "text": self.interface.runtime_text(QUIZ_MESSAGES),
            "passingScore": q.passing_score,
            "attempts": q.attempts,
            "shuffleQuestions": q.shuffle_questions,
            "shuffleChoices": q.shuffle_choices,
            "draw": self.count,
            "questions": [v.data(self.course_id) for v in self.questions],
        }

    @property
    def data_json(self) -> str:
        """The data as JSON that is safe inside ``<script>``: ``<`` is written ``\\u003c``."""
        text = json.dumps(self.data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.replace("<", "\\u003c")

    def state_key_parts(self) -> list[str]:
        """What the saved answers depend on: each question's id, type and size."""
        return [f"quiz:{self.module_id}:{v.id}:{v.type}:{v.size}" for v in self.questions]

    def worst_case_state_length(self) -> int:
        """Longest resume-state segment the runtime writes for this quiz.

        ``<attempt><o|s>:<answer>;<answer>;...``: the attempt number in base 36 (at most
        ``MAX_ATTEMPT_DIGITS`` digits when attempts are unlimited), a state letter, a colon, and
        one answer per question of the pool, separated by semicolons.
        """
        attempts = self.quiz.attempts
        header = (base36_width(attempts) if attempts else MAX_ATTEMPT_DIGITS) + 2
        answers = sum(v.saved_answer_width() for v in self.questions)
        return header + answers + len(self.questions) - 1


def quiz_view(course: Course, module: Module) -> QuizView | None:
    """The view of a module's knowledge check, or None when it has none. Its texts follow the
    course's `allow_raw_html`, as the body does."""
    quiz = module.spec.quiz
    if quiz is None:
        return None
    dom_id = quiz_dom_id(module.id)
    anchors = page_anchors(module.spec, module.sections)
    inline = InlineMarkdown(course.spec.allow_raw_html, anchors)
    words = module_interface(course, module)
    questions = [
        question_view(q, dom_id, i + 1, inline, words) for i, q in enumerate(quiz.questions)
    ]
    return QuizView(quiz, module.id, course.id, questions, words)
