"""Knowledge checks as pages show them: a view model for the theme and the data the quiz runtime
(``templates/static/coursec-quiz.js``) scores with.

Everything a page needs to render and score a module's `quiz:` is computed here once, so the HTML
site, the SCORM pages and the SCORM exporter's budget agree on ids, orders and sizes:

* **Display orders** that must not change between attempts are fixed at build time: the right-hand
  items of a matching question are listed alphabetically, the items of an ordering question in a
  scrambled order seeded by the question id (never the correct order). Choices and questions that
  the author asks to shuffle are shuffled by the runtime, per attempt.
* **Ids** inside a question are short and valid in both SCORM editions' response formats: choices
  keep their own ids (SCORM 2004) and get one character by position for SCORM 1.2, whose
  ``choice`` responses allow single characters only; matching sources are ``1``-``9``, ``a``...,
  targets ``a``-``z``, ``0``-``9`` in display order; ordering items ``a``-``z``, ``0``-``9`` in
  display order.
* **Correct-response patterns** of each edition (``cmi.interactions.n.correct_responses``).
* **Texts** in two forms (``coursec.inline``): prompts, choices, items and feedback as sanitized
  HTML for the page, and as plain text where no markup can go: ``<option>``s, the sort order of
  matches, and the ``cmi.interactions.n.description`` the runtime reports.

The learner's own answers are turned into responses by the runtime, with the same ids.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from coursec.anchors import page_anchors
from coursec.inline import InlineMarkdown
from coursec.model import Module
from coursec.schema import Question, QuestionType, Quiz

if TYPE_CHECKING:
    from coursec.model import Course, Module

__all__ = [
    "LONG_FILL_IN",
    "SHORT_TEXT_MIN_LENGTH",
    "QuestionView",
    "QuizView",
    "normalize_text",
    "quiz_dom_id",
    "quiz_view",
    "short_text_max_length",
]

POSITION_IDS = "abcdefghijklmnopqrstuvwxyz0123456789"
"""One-character ids by position (SCORM 1.2 ``choice``, ``matching`` and ``sequencing`` ids)."""
SOURCE_IDS = "123456789abcdefghijklmnopqrstuvwxyz0"
"""Ids of a matching question's left-hand items, by position."""
SHORT_TEXT_MIN_LENGTH = 64
"""A short-text answer may always be at least this many characters long."""
LONG_FILL_IN = 250
"""Longest SCORM 2004 ``fill-in`` string; longer short-text answers are ``long-fill-in``."""
MAX_TEXT = {"1.2": 255, "2004": 250, "2004-long": 4000}
"""Longest response/pattern string each interaction type allows."""

INSTRUCTIONS = {
    QuestionType.SINGLE: "Choose one answer.",
    QuestionType.MULTIPLE: "Choose every answer that applies.",
    QuestionType.TRUE_FALSE: "Choose true or false.",
    QuestionType.MATCHING: "Choose the match for each item.",
    QuestionType.ORDERING: "Choose the item that comes at each step.",
    QuestionType.SHORT_TEXT: "Answer in a word or a short phrase.",
}
SCORM_TYPES = {
    QuestionType.SINGLE: "choice",
    QuestionType.MULTIPLE: "choice",
    QuestionType.TRUE_FALSE: "true-false",
    QuestionType.MATCHING: "matching",
    QuestionType.ORDERING: "sequencing",
    QuestionType.SHORT_TEXT: "fill-in",
}


def position_id(index: int, alphabet: str = POSITION_IDS) -> str:
    """The id of the item at ``index``: one character while the alphabet lasts."""
    return alphabet[index] if index < len(alphabet) else f"x{index}"


def normalize_text(text: str) -> str:
    """How short-text answers are compared: case and spacing are ignored (as the runtime does)."""
    return "".join(text.split()).lower()


def short_text_max_length(question: Question) -> int:
    """The ``maxlength`` of a short-text answer: room for twice the longest accepted answer."""
    longest = max((len(a) for a in question.accept), default=0)
    return min(MAX_TEXT["2004-long"], max(SHORT_TEXT_MIN_LENGTH, 2 * longest))


def quiz_dom_id(module_id: str) -> str:
    """Element id of a module's knowledge check (``__`` never occurs in section ids)."""
    return f"{module_id}__quiz"


def _scrambled(question_id: str, items: list[str]) -> list[str]:
    """A fixed order of ``items`` that is not the given one (when the items allow another)."""
    ranked = sorted(items, key=lambda t: hashlib.sha256(f"{question_id}\n{t}".encode()).hexdigest())
    if ranked == items and len(set(items)) > 1:
        ranked = ranked[1:] + ranked[:1]
    return ranked


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` UTF-16 code units, never splitting a surrogate pair (as the runtime)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    source: str  # as the author wrote it (Markdown)
    text: str  # as plain text, e.g. for an <option>
    html: Markup


@dataclass(frozen=True, slots=True)
class ChoiceView:
    id: str
    key12: str  # the id in SCORM 1.2 responses
    text: str  # plain
    html: Markup
    correct: bool
    feedback: Markup | None


@dataclass(frozen=True, slots=True)
class QuestionView:
    question: Question
    quiz_id: str
    number: int
    inline: InlineMarkdown = field(default_factory=InlineMarkdown)

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def type(self) -> str:
        return self.question.type.value

    @property
    def dom_id(self) -> str:
        return f"{self.quiz_id}__{self.question.id}"

    @property
    def prompt(self) -> Markup:
        return self.inline.html(self.question.prompt)

    @property
    def description(self) -> str:
        """The prompt as plain text: the interaction's description in an LMS."""
        return self.inline.plain(self.question.prompt)

    @property
    def feedback(self) -> list[tuple[str, Markup]]:
        """The question's own feedback: ``("correct", html)`` and ``("incorrect", html)``."""
        given = self.question.feedback
        pairs = (("correct", given.correct), ("incorrect", given.incorrect))
        return [(result, self.inline.html(text)) for result, text in pairs if text]

    @property
    def points(self) -> int:
        return self.question.points

    @property
    def instruction(self) -> str:
        return INSTRUCTIONS[self.question.type]

    @property
    def choices(self) -> list[ChoiceView]:
        q, inline = self.question, self.inline
        return [
            ChoiceView(
                cid,
                position_id(i),
                inline.plain(c.text),
                inline.html(c.text),
                c.correct,
                inline.html(c.feedback) if c.feedback else None,
            )
            for i, (cid, c) in enumerate(zip(q.choice_ids(), q.choices, strict=True))
        ]

    def _option(self, option_id: str, source: str) -> Option:
        return Option(option_id, source, self.inline.plain(source), self.inline.html(source))

    @property
    def lefts(self) -> list[Option]:
        """The items to match, in the author's order."""
        return [
            self._option(position_id(i, SOURCE_IDS), p.left)
            for i, p in enumerate(self.question.pairs)
        ]

    @property
    def rights(self) -> list[Option]:
        """The matches to choose from: each distinct one once, alphabetically as shown."""
        texts = _unique([p.right for p in self.question.pairs])
        texts.sort(key=lambda t: (self.inline.plain(t).casefold(), t))
        return [self._option(position_id(i), t) for i, t in enumerate(texts)]

    @property
    def matches(self) -> dict[str, str]:
        """Left id → the right id that matches it."""
        right_ids = {o.source: o.id for o in self.rights}
        return {
            left.id: right_ids[pair.right]
            for left, pair in zip(self.lefts, self.question.pairs, strict=True)
        }

    @property
    def steps(self) -> list[Option]:
        """An ordering question's items to choose from, each distinct one once, scrambled."""
        texts = _scrambled(self.question.id, _unique(self.question.items))
        return [self._option(position_id(i), t) for i, t in enumerate(texts)]

    @property
    def order(self) -> list[str]:
        """The ids of the items in their correct order."""
        ids = {o.source: o.id for o in self.steps}
        return [ids[item] for item in self.question.items]

    @property
    def max_length(self) -> int:
        return short_text_max_length(self.question)

    @property
    def scorm_types(self) -> dict[str, str]:
        kind = SCORM_TYPES[self.question.type]
        long = self.question.type is QuestionType.SHORT_TEXT and self.max_length > LONG_FILL_IN
        return {"1.2": kind, "2004": "long-fill-in" if long else kind}

    def correct_patterns(self, edition: str) -> list[str]:
        """``correct_responses.n.pattern`` values of one edition (fill-in: one per answer)."""
        q, v12 = self.question, edition == "1.2"
        comma, dot = (",", ".") if v12 else ("[,]", "[.]")
        kind = q.type
        if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            ids = [c.key12 if v12 else c.id for c in self.choices if c.correct]
            return [comma.join(ids)]
        if kind is QuestionType.TRUE_FALSE:
            value = bool(q.answer)
            return [("t" if value else "f") if v12 else ("true" if value else "false")]
        if kind is QuestionType.MATCHING:
            return [comma.join(f"{left}{dot}{right}" for left, right in self.matches.items())]
        if kind is QuestionType.ORDERING:
            return [comma.join(self.order)]
        long = not v12 and self.scorm_types["2004"] == "long-fill-in"
        limit = MAX_TEXT["1.2" if v12 else "2004-long" if long else "2004"]
        patterns = _unique([_truncate(_fill_in_text(a, v12), limit) for a in q.accept])
        return patterns[:1] if long else patterns[:5]  # long-fill-in takes one correct response

    def data(self, course_id: str) -> dict[str, Any]:
        """What the runtime needs to score this question and report it to an LMS."""
        q = self.question
        out: dict[str, Any] = {
            "id": q.id,
            "type": q.type.value,
            "points": q.points,
            "description": self.description,
            "objectives": [f"{course_id}.{o}" for o in q.objectives],
            "scorm": {
                "type": self.scorm_types,
                "correct": {e: self.correct_patterns(e) for e in ("1.2", "2004")},
            },
        }
        if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            out["choices"] = [
                {"id": c.id, "key12": c.key12, "correct": c.correct} for c in self.choices
            ]
        elif q.type is QuestionType.TRUE_FALSE:
            out["answer"] = bool(q.answer)
        elif q.type is QuestionType.MATCHING:
            out["lefts"] = [o.id for o in self.lefts]
            out["rights"] = [o.id for o in self.rights]
            out["matches"] = self.matches
        elif q.type is QuestionType.ORDERING:
            out["options"] = [o.id for o in self.steps]
            out["order"] = self.order
        else:
            out["accept"] = list(q.accept)  # compared as normalize_text() does, in the runtime
            out["maxLength"] = self.max_length
        return out

    def worst_case_answer_length(self) -> int:
        """Longest encoding of this question's saved answer in the runtime's resume state."""
        q = self.question
        if q.type is QuestionType.SINGLE:
            return len(_base36(len(q.choices) - 1))
        if q.type is QuestionType.MULTIPLE:
            return math.ceil(len(q.choices) / 4)
        if q.type is QuestionType.TRUE_FALSE:
            return 1
        if q.type is QuestionType.MATCHING:
            return len(self.lefts) * len(_base36(len(self.rights)))
        if q.type is QuestionType.ORDERING:
            return len(q.items) * len(_base36(len(self.steps)))
        return TEXT_ESCAPE_WIDTH * self.max_length


TEXT_ESCAPE_WIDTH = 5
"""Characters a saved text answer may use per UTF-16 code unit (``%XXXX`` escapes)."""
MAX_ATTEMPT_DIGITS = 4
"""Base-36 digits of the attempt number in the resume state (unlimited attempts are capped)."""


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _fill_in_text(text: str, v12: bool) -> str:
    """A text as a fill-in string: one line; in 2004 no delimiters and no leading ``{``."""
    line = " ".join(text.split())
    if v12:
        return line
    return line.replace("[,]", ",").replace("[.]", ".").lstrip("{ ")


@dataclass(frozen=True, slots=True)
class QuizView:
    quiz: Quiz
    module_id: str
    course_id: str
    questions: list[QuestionView] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.module_id

    @property
    def dom_id(self) -> str:
        return quiz_dom_id(self.module_id)

    @property
    def title(self) -> str:
        return self.quiz.title

    @property
    def count(self) -> int:
        """Questions in one attempt."""
        return self.quiz.draw or len(self.quiz.questions)

    @property
    def rules(self) -> str:
        """One line for learners: how many questions, the pass mark and the attempts."""
        pool = len(self.quiz.questions)
        parts = [f"{self.count} question{'s' if self.count != 1 else ''}"]
        if self.count < pool:
            parts[0] += f", drawn from {pool} for each attempt"
        parts.append(f"pass mark {self.quiz.passing_score}%")
        attempts = self.quiz.attempts
        parts.append(
            f"{attempts} attempt{'s' if attempts != 1 else ''}"
            if attempts
            else "unlimited attempts"
        )
        return " · ".join(parts)

    def data(self) -> dict[str, Any]:
        q = self.quiz
        return {
            "version": 1,
            "courseId": self.course_id,
            "id": self.module_id,
            "seed": f"{self.course_id}.{self.module_id}",
            "title": q.title,
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
        parts = []
        for v in self.questions:
            q = v.question
            size = len(q.choices) or len(q.pairs) or len(q.items) or v.max_length
            parts.append(f"quiz:{self.module_id}:{q.id}:{q.type.value}:{size}")
        return parts

    def worst_case_state_length(self) -> int:
        """Longest resume-state segment the runtime writes for this quiz.

        ``<attempt><o|s>:<answer>;<answer>;...``: the attempt number in base 36 (at most
        ``MAX_ATTEMPT_DIGITS`` digits when attempts are unlimited), a state letter, a colon, and
        one answer per question of the pool, separated by semicolons.
        """
        attempts = self.quiz.attempts
        header = (len(_base36(attempts)) if attempts else MAX_ATTEMPT_DIGITS) + 2
        answers = sum(v.worst_case_answer_length() for v in self.questions)
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
    questions = [QuestionView(q, dom_id, i + 1, inline) for i, q in enumerate(quiz.questions)]
    return QuizView(quiz, module.id, course.id, questions)
