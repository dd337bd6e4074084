"""Pydantic models of the course source: course.yml (CourseSpec), module front matter (ModuleSpec).

Models are position-free; `loader.py` maps validation errors back to file:line:col.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from coursec.codes import Code
from coursec.field_error import FieldError
from coursec.questions import QuestionType
from coursec.questions import check as check_question

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, max_length=64),
    Field(
        description="Lower-case letters, digits and hyphens; stable: used in URLs and SCORM ids."
    ),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(Spec):
    name: Text
    email: str | None = None
    role: str | None = None


class CompletionRule(StrEnum):
    VIEWED_ALL = "viewed-all"
    TIME = "time"
    QUIZ = "quiz"


class CourseSpec(Spec):
    """`course.yml`."""

    id: Slug
    code: Text = Field(description='Catalogue code, e.g. "AGAI 302".')
    title: Text
    subject: Text
    language: str = Field("en", description="BCP 47 language tag, e.g. en or en-GB.")
    description: Text
    authors: list[Author] = Field(min_length=1)
    version: Text
    keywords: list[Text] = []
    duration_minutes: int | None = Field(None, ge=1)
    modules: list[str] = Field(
        min_length=1, description="Module files in course order, relative to course.yml."
    )
    allow_raw_html: bool = Field(
        False, description="Let Markdown carry raw HTML (sanitized); off by default."
    )
    allow_scripted_downloads: bool = Field(
        False,
        description="Let modules link to files a browser runs as a page or script (.html, .js"
        ", ...); they run in the LMS with the learner's session. Off by default.",
    )
    completion: CompletionRule = Field(
        CompletionRule.VIEWED_ALL,
        description="When a module counts as complete: viewed-all, time or quiz (a module's "
        "own `completion` overrides it). LMS packages report it.",
    )
    completion_seconds: int = Field(
        60, ge=1, le=86400, description="Seconds on a module for the `time` completion rule."
    )
    interface: dict[str, str | list[Text]] = Field(
        {},
        description="The course's own wording of coursec's interface text, in the course's "
        'language, by English message: {"Key terms": "Glossary"}. A message with a count takes '
        "one text, or a list of its plural forms.",
    )

    @field_validator("language")
    @classmethod
    def _language_is_bcp47(cls, language: str) -> str:
        """A field validator, so that it is reported together with the other fields' errors."""
        return _check_tag(language)


def _check_tag(tag: str) -> str:
    if not LANGUAGE_TAG.match(tag):
        raise FieldError(
            f'language "{tag}" is not a BCP 47 tag such as "en"',
            hint='e.g. en, en-GB, fr, pt-BR: a language code, then "-" and a region',
        )
    return tag


class ModuleStatus(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    COMING_SOON = "coming-soon"


class HeroImage(Spec):
    src: Text = Field(description="Image path relative to the module file, inside the course.")
    alt: Text = Field(description="Text alternative read by screen readers (required).")
    caption: str | None = None


class KeyTerm(Spec):
    """One key term, keeping the relation the author wrote.

    `term` + `leads_to` reads "term → target"; `term` + `means` reads "term = target";
    `statement` is a plain claim with no relation.
    """

    term: Text | None = None
    leads_to: Text | None = None
    means: Text | None = None
    statement: Text | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> KeyTerm:
        if self.statement is not None:
            if self.term or self.leads_to or self.means:
                raise ValueError("a key term is either a `statement` or a `term` with a relation")
        elif self.term is None:
            raise ValueError("a key term needs `term` (with `means` or `leads_to`) or `statement`")
        elif (self.leads_to is None) == (self.means is None):
            raise ValueError(f'key term "{self.term}" needs exactly one of `means` or `leads_to`')
        return self

    @property
    def relation(self) -> Literal["leads_to", "means", "statement"]:
        if self.statement is not None:
            return "statement"
        return "leads_to" if self.leads_to is not None else "means"

    @property
    def label(self) -> str:
        return self.statement or self.term or ""

    @property
    def target(self) -> str:
        return self.leads_to or self.means or ""

    @property
    def symbol(self) -> str:
        return {"leads_to": "→", "means": "=", "statement": ""}[self.relation]

    @property
    def text(self) -> str:
        """The term as the author wrote it, e.g. "corrigibility = remains correctable"."""
        return (
            self.label
            if self.relation == "statement"
            else f"{self.term} {self.symbol} {self.target}"
        )


class Objective(Spec):
    id: Slug
    text: Text
    sections: list[Slug] = Field(
        [],
        description="Headings (as slugs) that address this objective; else found from the text.",
    )


INLINE = "Inline Markdown: `code`, *emphasis*, **strong**, ~~strikethrough~~, links."


class Choice(Spec):
    id: Slug | None = Field(None, description="Stable id; defaults to a, b, c... by position.")
    text: Text = Field(description=INLINE)
    correct: bool = False
    feedback: str | None = Field(
        None, description=f"Shown when the learner picks this choice. {INLINE}"
    )


class Pair(Spec):
    left: Text = Field(description=INLINE)
    right: Text = Field(description=INLINE)


class Feedback(Spec):
    correct: str | None = Field(None, description=f"Shown when the answer is right. {INLINE}")
    incorrect: str | None = Field(None, description=f"Shown when the answer is wrong. {INLINE}")


class Question(Spec):
    """One knowledge-check question; which fields it needs depends on `type`."""

    id: Slug
    type: QuestionType  # its kind (`coursec.questions`) says which answer field it takes
    prompt: Text = Field(description=INLINE)
    objectives: list[Slug] = Field(
        min_length=1, description="Objective ids this question assesses."
    )
    choices: list[Choice] = Field([], description="single-choice and multiple-response.")
    answer: bool | None = Field(None, description="true-false: the correct answer.")
    pairs: list[Pair] = Field(
        [], description=f"matching: each left item with its right match. {INLINE}"
    )
    items: list[Text] = Field(
        [], description=f"ordering: the items in their correct order. {INLINE}"
    )
    accept: list[Text] = Field(
        [], description="short-text: accepted answers (case and spacing are ignored)."
    )
    feedback: Feedback = Feedback()
    points: int = Field(1, ge=1, le=100)

    @model_validator(mode="after")
    def _fields_fit_the_type(self) -> Question:
        check_question(self)  # the rule of the question's kind
        return self


class Quiz(Spec):
    """A module's knowledge check."""

    title: str | None = Field(
        None, description='The heading; "Knowledge check" in the module\'s language if not given.'
    )
    passing_score: int = Field(80, ge=0, le=100, description="Percent needed to pass.")
    attempts: int = Field(0, ge=0, le=99, description="Attempts allowed; 0 means unlimited.")
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    draw: int | None = Field(
        None, ge=1, description="Draw this many questions from the pool for each attempt."
    )
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _draw_fits(self) -> Quiz:
        first: dict[str, int] = {}
        for index, question in enumerate(self.questions):
            if question.id in first:
                raise FieldError(
                    f'question id "{question.id}" is used twice in this knowledge check',
                    "questions",
                    index,
                    "id",
                    code=Code.CS301,
                    first=("questions", first[question.id], "id"),
                    hint="give each question its own id (it names the question's answers in SCORM)",
                )
            first[question.id] = index
        if self.draw is not None and self.draw > len(self.questions):
            count = len(self.questions)
            raise FieldError(
                f"draw is {self.draw}, but the knowledge check has only {count} "
                f"question{'s' if count != 1 else ''}",
                "draw",
                hint=f"draw at most {count}, or add questions",
            )
        return self


class ModuleSpec(Spec):
    """A module file's YAML front matter."""

    id: Slug
    title: Text
    summary: Text
    status: ModuleStatus = ModuleStatus.PUBLISHED
    hero: HeroImage | None = None
    duration_minutes: int | None = Field(None, ge=1)
    key_terms: list[KeyTerm] = []
    objectives: list[Objective] = []
    completion: CompletionRule | None = Field(
        None, description="Overrides the course's SCORM completion rule for this module."
    )
    quiz: Quiz | None = Field(None, description="The module's knowledge check.")
    language: str | None = Field(
        None,
        description="BCP 47 tag of the module's language when it is not the course's, e.g. fr.",
    )

    @field_validator("language")
    @classmethod
    def _language_is_bcp47(cls, language: str | None) -> str | None:
        return None if language is None else _check_tag(language)
