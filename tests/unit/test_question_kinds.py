"""The question kinds (`coursec.questions`): each kind's rule, labels, SCORM encoding, saved
answer width, runtime data and print layout, and that the registry, the runtime's KINDS and
the template partials name the same kinds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import COURSE_YML, REPO, MakeCourse
from coursec.inline import InlineMarkdown
from coursec.loading import load_course
from coursec.questions import ANSWER_FIELDS, KINDS, QuestionType, question_view
from coursec.questions.choices import ChoiceQuestion
from coursec.questions.labels import label
from coursec.questions.matching import Matching
from coursec.questions.multiple_response import MultipleResponse
from coursec.questions.ordering import Ordering
from coursec.questions.short_text import ShortText
from coursec.questions.single_choice import SingleChoice
from coursec.questions.true_false import TrueFalse
from coursec.questions.view import QuestionView
from coursec.quiz_text import question_texts
from coursec.schema import Question

TEMPLATES = REPO / "templates"
RUNTIME = TEMPLATES / "static" / "coursec-quiz.js"


def make(**fields: Any) -> Question:
    return Question.model_validate({"id": "q", "prompt": "P?", "objectives": ["o"], **fields})


def view(**fields: Any) -> Any:
    """The view of a question of the fields' kind (Any: each kind has its own parts)."""
    return question_view(make(**fields), "m__quiz", 1, InlineMarkdown())


def choices(count: int, correct: tuple[int, ...] = (0,)) -> list[dict[str, Any]]:
    return [{"text": f"Choice {i}", "correct": i in correct} for i in range(count)]


def rule_error(**fields: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        make(**fields)
    return str(caught.value.errors()[0]["msg"]).removeprefix("Value error, ")


# --------------------------------------------------------------------------- the registry


def test_every_type_has_one_kind_and_every_kind_one_answer_field() -> None:
    assert set(KINDS) == set(QuestionType)
    assert all(issubclass(kind, QuestionView) for kind in KINDS.values())
    assert ANSWER_FIELDS == ("choices", "answer", "pairs", "items", "accept")
    assert {name: kind.fields for name, kind in KINDS.items()} == {
        QuestionType.SINGLE: ("choices",),
        QuestionType.MULTIPLE: ("choices",),
        QuestionType.TRUE_FALSE: ("answer",),
        QuestionType.MATCHING: ("pairs",),
        QuestionType.ORDERING: ("items",),
        QuestionType.SHORT_TEXT: ("accept",),
    }


def test_registry_runtime_and_partials_list_the_same_kinds() -> None:
    """A kind is its module, its partial for pages, its partial for paper and its runtime
    object: none of them may be missing, and none may be left over."""
    registered = sorted(t.value for t in KINDS)
    runtime = sorted(re.findall(r'^  KINDS\["([a-z-]+)"\] = \{', RUNTIME.read_text(), re.M))
    assert runtime == registered
    for folder in ("questions", "print/questions"):
        assert sorted(p.stem.removesuffix(".html") for p in (TEMPLATES / folder).glob("*.j2")) == (
            registered
        ), folder


def test_runtime_names_no_type_outside_its_kinds() -> None:
    """The runtime's generic code asks KINDS; no type name is tested anywhere else."""
    text = RUNTIME.read_text()
    generic = re.sub(r'\n  KINDS\["[a-z-]+"\] = \{\n.*?\n  \};\n', "\n", text, flags=re.S)
    assert 'KINDS["' not in generic  # every kind's object was taken out
    for kind in KINDS:
        assert f'"{kind.value}"' not in generic, kind


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"type": "single-choice", "choices": choices(2, (0, 1))},
            "a single-choice question has exactly one correct choice; this is another",
        ),
        (
            {"type": "single-choice", "choices": choices(1)},
            "a single-choice question needs 2 or more choices",
        ),
        (
            {"type": "multiple-response", "choices": choices(3, ())},
            "a multiple-response question needs 1 or more choices with `correct: true`",
        ),
        (
            {
                "type": "multiple-response",
                "choices": [{"id": "x", "text": "A", "correct": True}, {"id": "x", "text": "B"}],
            },
            'choice id "x" is used twice in this question',
        ),
        (
            {"type": "true-false"},
            "a true-false question needs `answer: true` or `answer: false`",
        ),
        (
            {"type": "matching", "pairs": [{"left": "a", "right": "b"}]},
            "a matching question needs 2 or more pairs",
        ),
        ({"type": "ordering", "items": ["a"]}, "an ordering question needs 2 or more items"),
        ({"type": "short-text"}, "a short-text question needs at least one accepted answer"),
        (
            {"type": "true-false", "answer": True, "items": ["a", "b"]},
            'a true-false question takes no "items"',
        ),
        (
            {"type": "short-text", "accept": ["x"], "choices": choices(2)},
            'a short-text question takes no "choices"',
        ),
    ],
)
def test_each_kind_says_what_it_needs(fields: dict[str, Any], message: str) -> None:
    assert rule_error(**fields) == message


def test_a_rule_is_reported_at_the_field_that_breaks_it(make_course: MakeCourse) -> None:
    module = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: o
    text: Explain widgets.
quiz:
  questions:
    - id: fine
      type: true-false
      prompt: Widgets exist.
      objectives: [o]
      answer: true
    - id: short
      type: ordering
      prompt: Order them.
      objectives: [o]
      items: [first]
---
## Widgets
"""
    root = make_course(course=COURSE_YML, modules={"modules/one.md": module})
    found = [(d.code, d.span.line, d.span.col, d.message) for d in load_course(root).diagnostics]
    assert found == [
        ("CS205", 19, 14, 'question "short": an ordering question needs 2 or more items')
    ]


# --------------------------------------------------------------------------- labels


def test_one_label_for_every_output_past_z() -> None:
    assert [label(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "a",
        "b",
        "z",
        "aa",
        "ab",
        "az",
        "ba",
        "zz",
        "aaa",
    ]
    assert len({label(i) for i in range(2000)}) == 2000
    with pytest.raises(ValueError):
        label(-1)


def test_a_choice_without_id_is_named_as_it_is_printed() -> None:
    """The 27th choice is "aa" on paper and in the page, the runtime and SCORM 2004."""
    many = view(type="multiple-response", choices=choices(28, (26, 27)))
    assert [c.id for c in many.choices][25:] == ["z", "aa", "ab"]
    assert [n for n, _ in many.paper().options][25:] == ["z", "aa", "ab"]
    assert many.correct_patterns("2004") == ["aa[,]ab"]
    assert [str(line) for line in many.paper().answer] == ["aa. Choice 26", "ab. Choice 27"]


# --------------------------------------------------------------------------- per kind


def test_single_choice() -> None:
    q = view(type="single-choice", choices=[*choices(2, (1,)), {"text": "C", "feedback": "No."}])
    assert isinstance(q, SingleChoice) and isinstance(q, ChoiceQuestion)
    assert q.instruction == "Choose one answer."
    assert q.scorm_types == {"1.2": "choice", "2004": "choice"}
    assert (q.correct_patterns("1.2"), q.correct_patterns("2004")) == (["b"], ["b"])
    assert q.answer_data() == {
        "choices": [
            {"id": "a", "key12": "a", "correct": False},
            {"id": "b", "key12": "b", "correct": True},
            {"id": "c", "key12": "c", "correct": False},
        ]
    }
    assert q.option_feedback == [("c", "No.")]
    assert q.saved_answer_width() == 1  # index 2 in base 36
    assert view(type="single-choice", choices=choices(37)).saved_answer_width() == 2  # "10"
    paper = q.paper()
    assert [str(line) for line in paper.answer] == ["b. Choice 1"]
    assert [str(note) for note in paper.notes] == ["c: No."]
    assert [loc for loc, _ in question_texts(q.question)] == [
        ("prompt",),
        ("choices", 0, "text"),
        ("choices", 1, "text"),
        ("choices", 2, "text"),
        ("choices", 2, "feedback"),
    ]


def test_multiple_response() -> None:
    q = view(
        type="multiple-response",
        choices=[
            {"id": "yes", "text": "Y", "correct": True},
            {"id": "no", "text": "N"},
            {"id": "too", "text": "T", "correct": True},
        ],
    )
    assert isinstance(q, MultipleResponse)
    assert q.instruction == "Choose every answer that applies."
    assert q.correct_patterns("1.2") == ["a,c"]
    assert q.correct_patterns("2004") == ["yes[,]too"]
    assert q.saved_answer_width() == 1  # three bits: one hex digit
    assert view(type="multiple-response", choices=choices(9)).saved_answer_width() == 3
    assert q.size == 3


def test_true_false() -> None:
    q = view(type="true-false", answer=False)
    assert isinstance(q, TrueFalse)
    assert (q.instruction, q.paper_instruction) == ("Choose true or false.", "True or false?")
    assert q.scorm_types == {"1.2": "true-false", "2004": "true-false"}
    assert (q.correct_patterns("1.2"), q.correct_patterns("2004")) == (["f"], ["false"])
    assert q.answer_data() == {"answer": False}
    assert q.saved_answer_width() == 1
    assert q.size == 64  # the key's size earlier builds wrote
    paper = q.paper()
    assert [(n, str(t)) for n, t in paper.options] == [("a", "True"), ("b", "False")]
    assert [str(line) for line in paper.answer] == ["False"]
    assert list(question_texts(q.question)) == [(("prompt",), "P?")]


def test_matching() -> None:
    pairs = [{"left": "one", "right": "B"}, {"left": "two", "right": "A"}]
    q = view(type="matching", pairs=[*pairs, {"left": "three", "right": "A"}])
    assert isinstance(q, Matching)
    assert [o.text for o in q.lefts] == ["one", "two", "three"]
    assert [(o.id, o.text) for o in q.rights] == [("a", "A"), ("b", "B")]  # each once, sorted
    assert q.matches == {"1": "b", "2": "a", "3": "a"}
    assert q.scorm_types == {"1.2": "matching", "2004": "matching"}
    assert q.correct_patterns("1.2") == ["1.b,2.a,3.a"]
    assert q.correct_patterns("2004") == ["1[.]b[,]2[.]a[,]3[.]a"]
    assert q.answer_data() == {"lefts": ["1", "2", "3"], "rights": ["a", "b"], "matches": q.matches}
    assert q.saved_answer_width() == 3  # one digit per left item
    many = view(type="matching", pairs=[{"left": f"l{i}", "right": f"r{i}"} for i in range(36)])
    assert many.saved_answer_width() == 36 * 2  # 36 rights: "10" is two digits
    paper = q.paper()
    assert [(n, str(t)) for n, t in paper.left] == [("1", "one"), ("2", "two"), ("3", "three")]
    assert [n for n, _ in paper.options] == ["a", "b"]
    assert not paper.answer_ordered


def test_ordering() -> None:
    q = view(type="ordering", items=["first", "second", "third"])
    assert isinstance(q, Ordering)
    assert q.scorm_types == {"1.2": "sequencing", "2004": "sequencing"}
    shown = {o.id: o.text for o in q.steps}
    assert [shown[i] for i in q.order] == ["first", "second", "third"]
    assert [o.text for o in q.steps] != ["first", "second", "third"]
    assert q.correct_patterns("1.2") == [",".join(q.order)]
    assert q.correct_patterns("2004") == ["[,]".join(q.order)]
    assert q.answer_data() == {"options": [o.id for o in q.steps], "order": q.order}
    assert q.saved_answer_width() == 3
    paper = q.paper()
    assert paper.answer_ordered
    assert [str(t) for _, t in paper.options] == ["third", "second", "first"]  # never the answer
    assert [str(line) for line in paper.answer] == ["c. first", "b. second", "a. third"]


def test_short_text() -> None:
    q = view(type="short-text", accept=["corrigible", "Corrigible ", "{odd} [,] one"])
    assert isinstance(q, ShortText)
    assert q.max_length == 64
    assert q.scorm_types == {"1.2": "fill-in", "2004": "fill-in"}
    assert q.correct_patterns("1.2") == ["corrigible", "Corrigible", "{odd} [,] one"]
    assert q.correct_patterns("2004") == ["corrigible", "Corrigible", "odd} , one"]
    assert q.answer_data() == {"accept": list(q.question.accept), "maxLength": 64}
    assert q.saved_answer_width() == 5 * 64  # every unit may be a %XXXX escape
    assert q.size == 64
    long = view(type="short-text", accept=["x" * 200, "y"])
    assert long.max_length == 400 and long.scorm_types["2004"] == "long-fill-in"
    assert long.correct_patterns("2004") == ["x" * 200]  # long-fill-in takes one
    assert [str(line) for line in q.paper().answer] == [
        "Accepted: corrigible; Corrigible; {odd} [,] one"
    ]
    assert list(question_texts(q.question)) == [(("prompt",), "P?")]  # answers are plain text


def test_every_kind_reports_its_common_data() -> None:
    for kind in (SingleChoice, MultipleResponse, TrueFalse, Matching, Ordering, ShortText):
        assert kind.instruction and kind.paper_instruction and kind.scorm_type
    q = view(type="true-false", answer=True, points=3, objectives=["a", "b"])
    assert q.data("course") == {
        "id": "q",
        "type": "true-false",
        "points": 3,
        "description": "P?",
        "objectives": ["course.a", "course.b"],
        "scorm": {
            "type": {"1.2": "true-false", "2004": "true-false"},
            "correct": {"1.2": ["t"], "2004": ["true"]},
        },
        "answer": True,
    }


def test_partials_say_which_module_owns_their_kind() -> None:
    for kind, cls in KINDS.items():
        module = cls.__module__.rpartition(".")[2]
        for folder in ("questions", "print/questions"):
            text = (TEMPLATES / folder / f"{kind.value}.html.j2").read_text()
            assert f"coursec/questions/{module}.py" in text, (folder, kind)


# --------------------------------------------------------------------------- QTI 1.2


def test_each_kind_says_how_qti_asks_it_or_why_it_cannot() -> None:
    """What the Common Cartridge exporter writes as QTI items (coursec.questions.qti)."""
    single = view(type="single-choice", choices=[*choices(2), {"text": "C", "id": "own"}])
    asked = single.qti()
    assert asked.type == "single-choice"
    assert [(c.ident, c.correct) for c in asked.choices] == [
        ("a", True),
        ("b", False),
        ("own", False),
    ]
    multiple = view(type="multiple-response", choices=choices(3, (0, 2))).qti()
    assert multiple.type == "multiple-response"
    assert [c.correct for c in multiple.choices] == [True, False, True]
    true_false = view(type="true-false", answer=False).qti()
    assert [(c.ident, str(c.html), c.correct) for c in true_false.choices] == [
        ("true", "True", False),
        ("false", "False", True),
    ]
    typed = view(type="short-text", accept=["on  delete\tcascade", "on delete cascade", "x"]).qti()
    assert (typed.type, typed.accepted) == ("fill-in", ("on delete cascade", "x"))
    for kind in (
        view(type="matching", pairs=[{"left": "a", "right": "1"}, {"left": "b", "right": "2"}]),
        view(type="ordering", items=["a", "b"]),
    ):
        assert kind.qti() is None
        assert kind.qti_gap
    assert all((k.qti_gap is None) == (k not in (Matching, Ordering)) for k in KINDS.values())
