"""Objective coverage: which sections address, and which questions assess, each objective."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coursec.markdown import Section
from coursec.schema import ModuleSpec, Objective, Question

if TYPE_CHECKING:
    from coursec.model import Course

_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by for from how in into is it its of on or that the their this to "
        "what when where which why with terms",
    )
)


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {
        _stem(w) for w in re.findall(r"[A-Za-z][A-Za-z-]+", text) if w.lower() not in _STOPWORDS
    }


def addressing_sections(
    objective: Objective, sections: tuple[Section, ...], module_id: str
) -> list[Section]:
    """The sections that address an objective: those it names, else those sharing its key words.

    The objective's first word is its verb ("Explain", "Define"), so it does not count.
    """
    if objective.sections:
        wanted = {f"{module_id}-{slug}" for slug in objective.sections}
        return [s for s in sections if s.id in wanted]
    key = _words(" ".join(objective.text.split()[1:]))
    if not key:
        return []
    needed = max(1, round(len(key) * 0.6))
    return [s for s in sections if len(key & _words(s.text)) >= needed]


def assessing_questions(objective: Objective, spec: ModuleSpec) -> list[Question]:
    return [q for q in (spec.quiz.questions if spec.quiz else []) if objective.id in q.objectives]


@dataclass(frozen=True, slots=True)
class CoverageRow:
    module: str
    objective: str
    text: str
    sections: tuple[str, ...]  # section titles
    questions: tuple[str, ...]  # question ids

    @property
    def covered(self) -> bool:
        return bool(self.sections) and bool(self.questions)

    def to_json(self) -> dict[str, object]:
        return {
            "module": self.module,
            "objective": self.objective,
            "text": self.text,
            "sections": list(self.sections),
            "questions": list(self.questions),
            "covered": self.covered,
        }


def coverage(course: Course) -> list[CoverageRow]:
    rows = []
    for module in course.published_modules:
        for objective in module.objectives:
            sections = addressing_sections(objective, module.sections, module.id)
            questions = assessing_questions(objective, module.spec)
            rows.append(
                CoverageRow(
                    module.id,
                    objective.id,
                    objective.text,
                    tuple(s.title for s in sections),
                    tuple(q.id for q in questions),
                )
            )
    return rows


def coverage_table(rows: list[CoverageRow]) -> str:
    """A plain-text matrix: one line per objective, its sections and questions (or MISSING)."""
    headers = ("module", "objective", "sections", "questions")
    cells = [
        (
            r.module,
            r.objective,
            "; ".join(r.sections) or "MISSING",
            ", ".join(r.questions) or "MISSING",
        )
        for r in rows
    ]
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*c) for c in cells]
    out = [row.rstrip() for row in out]
    covered = sum(r.covered for r in rows)
    out.append(f"{covered} of {len(rows)} objectives addressed and assessed")
    return "\n".join(out)
