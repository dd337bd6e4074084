"""Objective coverage: which sections address, and which questions assess, each objective."""

from __future__ import annotations

from dataclasses import dataclass

from coursec.course import Course, addressing_sections, assessing_questions


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
