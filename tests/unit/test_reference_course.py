"""The reference course (courses/agai-302) loads cleanly and carries its seed page word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursec.diagnostics import Diagnostic
from coursec.loading import load_course
from coursec.markdown_rules import parse_callout_info
from coursec.model import Course, Module
from coursec.schema import ModuleStatus
from support.seed import (
    UI_LABELS,
    UP_NEXT_TITLE,
    seed_lines,
    seed_sentences,
    split_sentences,
    up_next_summary,
)

REPO = Path(__file__).resolve().parents[2]
COURSE_DIR = REPO / "courses" / "agai-302"

SECTION_TITLES = [
    "Introduction",
    "Instrumental convergence",
    "Near-term version of instrumental behavior",
    "Shutdown and corrigibility",
    "Goal misgeneralization",
    "Distribution shift",
    "Why this matters for advanced agents",
    "Mitigations",
    "Practical takeaway",
]
KEY_TERMS = [
    ("leads_to", "instrumental convergence", "power-seeking incentives"),
    ("means", "corrigibility", "remains correctable"),
    ("means", "goal misgeneralization", "learned proxy fails out of distribution"),
    ("statement", "controlled autonomy reduces risk", ""),
]
OBJECTIVE_IDS = [
    "explain-instrumental-convergence",
    "define-corrigibility",
    "describe-goal-misgeneralization",
    "apply-mitigations",
]


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _diagnostics_text(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.format(REPO) for d in diagnostics)


@pytest.fixture(scope="module")
def course() -> Course:
    result = load_course(COURSE_DIR)
    assert result.course is not None, _diagnostics_text(result.diagnostics)
    return result.course


@pytest.fixture(scope="module")
def module_one(course: Course) -> Module:
    return course.modules[0]


def _module_text(module: Module) -> list[str]:
    """Everything the author wrote in one module that a learner reads."""
    spec = module.spec
    parts = [spec.title, spec.summary]
    if spec.hero is not None:
        parts += [spec.hero.alt, spec.hero.caption or ""]
    parts += [term.text for term in spec.key_terms]
    parts += [objective.text for objective in spec.objectives]
    parts += [section.title for section in module.body.sections]
    parts += [section.text for section in module.body.sections]
    parts += [
        parse_callout_info(token.info)[1]
        for token in module.body.tokens
        if token.type == "container_callout_open"
    ]
    return parts


def _source_text(course: Course) -> str:
    """The course header, module 1 in full and module 2's teaser (title and summary)."""
    parts = [course.spec.code, course.spec.title]
    for module in course.modules:
        parts += _module_text(module)
    return _normalize("\n".join(parts))


def test_reference_course_loads_without_errors_or_warnings() -> None:
    result = load_course(COURSE_DIR)
    assert result.diagnostics == [], _diagnostics_text(result.diagnostics)
    assert result.course is not None


def test_course_header_matches_the_seed(course: Course) -> None:
    assert f"{course.spec.code} · {course.spec.title}" in seed_lines()
    assert course.spec.subject == "AI Safety & Alignment"
    assert course.spec.version == "1.0.0"


def test_module_one_shape(module_one: Module) -> None:
    spec = module_one.spec
    assert spec.id == "instrumental-convergence"
    assert spec.status is ModuleStatus.PUBLISHED
    assert spec.title == "Instrumental Convergence and Goal Misgeneralization"
    assert [s.title for s in module_one.sections] == SECTION_TITLES
    assert [o.id for o in spec.objectives] == OBJECTIVE_IDS
    assert module_one.hero is not None
    assert module_one.hero.source.name == "hero.svg"
    assert spec.hero is not None
    assert spec.hero.alt == seed_lines()[0]
    assert [c.kind for c in module_one.body.callouts] == ["phrase", "example", "example", "flow"]


def test_hero_svg_is_accessible() -> None:
    svg = (COURSE_DIR / "assets" / "hero.svg").read_text(encoding="utf-8")
    assert 'role="img"' in svg
    assert "<title" in svg
    assert 'viewBox="0 0 1200 500"' in svg
    assert len(svg.encode()) < 20_000


@pytest.mark.parametrize("sentence", seed_sentences(include_labels=False))
def test_every_seed_sentence_is_in_the_source(course: Course, sentence: str) -> None:
    assert _normalize(sentence) in _source_text(course)


def test_module_one_alone_carries_its_page(module_one: Module) -> None:
    """Every sentence before "Up next" comes from module 1 itself (or the course header)."""
    text = _normalize("\n".join(_module_text(module_one)))
    lines = seed_lines()
    page = lines[: next(i for i, line in enumerate(lines) if line.startswith("Up next"))]
    missing = [
        sentence
        for line in page[1:]
        if not line.startswith("AGAI 302")
        for sentence in split_sentences(line)
        if sentence not in UI_LABELS and _normalize(sentence) not in text
    ]
    assert missing == []


def test_sentences_cover_the_whole_fixture() -> None:
    """The split loses no words: rejoined, the sentences hold every word of the fixture."""
    words = {w.strip(":") for line in seed_lines() for w in line.split() if w != "·"}
    joined = " ".join(seed_sentences())
    assert all(w in joined for w in words)
    assert set(seed_sentences()) >= UI_LABELS
    assert not UI_LABELS & set(seed_sentences(include_labels=False))


def test_module_two_is_the_up_next_teaser(course: Course) -> None:
    module = course.modules[1]
    assert module.spec.status is ModuleStatus.COMING_SOON
    assert module.spec.title == UP_NEXT_TITLE
    assert module.spec.summary == up_next_summary()
    assert module.sections == ()
    assert course.next_module(course.modules[0]) is module
    assert course.published_modules == (course.modules[0],)


def test_key_term_relations_are_as_in_the_seed(module_one: Module) -> None:
    terms = module_one.spec.key_terms
    assert [(t.relation, t.label, t.target) for t in terms] == KEY_TERMS
    assert [t.symbol for t in terms] == ["→", "=", "=", ""]
    lines = seed_lines()
    for term in terms:
        assert term.text in lines, term.text
