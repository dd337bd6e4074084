"""`coursec check`: every broken input gives exit 1 and a diagnostic at the real mistake."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from conftest import COURSE_YML, MODULE_MD, REFERENCE_COURSE, MakeCourse
from coursec.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def check(root: Path, *extra: str) -> Result:
    result = run("check", str(root), *extra)
    assert "Traceback" not in result.output
    return result


def diagnostics(root: Path, *extra: str) -> list[dict[str, object]]:
    result = check(root, "--format", "json", *extra)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def only(found: list[dict[str, object]], code: str) -> dict[str, object]:
    matches = [d for d in found if d["code"] == code]
    assert len(matches) == 1, found
    return matches[0]


def where(diag: dict[str, object]) -> tuple[str, int, int]:
    span = diag["span"]
    assert isinstance(span, dict)
    return (Path(span["path"]).name, span["line"], span["col"])


def test_reference_course_is_clean() -> None:
    result = check(REFERENCE_COURSE, "--strict")
    assert result.exit_code == 0, result.output


def test_clean_course_exits_zero(make_course: MakeCourse) -> None:
    assert check(make_course()).exit_code == 0


def test_malformed_yaml_points_at_the_line(make_course: MakeCourse) -> None:
    root = make_course(course=COURSE_YML.replace("title: Demo course", "title: [Demo course"))
    result = check(root)
    assert result.exit_code == 1
    assert (
        "course.yml:3:8: error[CS103]: this list opened with [ is never closed on its line"
        in result.output
    )


def test_missing_required_field(make_course: MakeCourse) -> None:
    root = make_course(course=COURSE_YML.replace("subject: Testing\n", ""))
    found = diagnostics(root)
    diag = only(found, "CS201")
    assert diag["message"] == 'field "subject" is required'
    assert where(diag)[0] == "course.yml"


def test_wrong_type_is_located_and_hinted(make_course: MakeCourse) -> None:
    module = MODULE_MD.replace("summary: The first module.", "summary: 42")
    root = make_course(modules={"modules/one.md": module})
    diag = only(diagnostics(root), "CS207")
    assert where(diag) == ("one.md", 4, 10)
    assert "YAML reads 42 as the number 42, not as the text 42" in str(diag["message"])
    assert diag["hint"] == 'to keep it as text, put it in quotes: summary: "42"'


def test_unknown_key_suggests_the_right_one(make_course: MakeCourse) -> None:
    module = MODULE_MD.replace("objectives:", "objectivs:")
    root = make_course(modules={"modules/one.md": module})
    found = diagnostics(root)
    diag = only(found, "CS202")
    assert where(diag) == ("one.md", 5, 1)
    assert diag["hint"] == 'did you mean "objectives"?'


def test_all_errors_reported_in_one_run_sorted(make_course: MakeCourse) -> None:
    module = MODULE_MD.replace("summary: The first module.", "summary: [1]").replace(
        "title: Module one", "titel: Module one"
    )
    course = COURSE_YML.replace('version: "1.0"', "version: [1]")
    found = diagnostics(make_course(course=course, modules={"modules/one.md": module}))
    positions = [(d["span"]["path"], d["span"]["line"]) for d in found]  # type: ignore[index]
    assert len(found) == 3  # "titel": one unknown-field error with its did-you-mean, not two
    assert positions == sorted(positions)


def test_duplicate_module_and_objective_ids(make_course: MakeCourse) -> None:
    course = COURSE_YML.replace("  - modules/one.md\n", "  - modules/one.md\n  - modules/two.md\n")
    root = make_course(
        course=course, modules={"modules/one.md": MODULE_MD, "modules/two.md": MODULE_MD}
    )
    found = [d for d in diagnostics(root) if d["code"] == "CS301"]
    messages = sorted(str(d["message"]) for d in found)
    assert messages == [
        'module id "one" is used twice (first defined at one.md line 2)',
        'objective id "explain-widgets" is used twice (first defined at one.md line 6)',
    ]
    assert {where(d) for d in found} == {("two.md", 2, 5), ("two.md", 6, 9)}


def test_module_listed_but_missing(make_course: MakeCourse) -> None:
    course = COURSE_YML.replace("modules/one.md", "modules/on.md")
    diag = only(diagnostics(make_course(course=course)), "CS302")
    assert where(diag) == ("course.yml", 11, 5)
    assert "modules/one.md" in str(diag["hint"])


def test_markdown_without_front_matter(make_course: MakeCourse) -> None:
    root = make_course(modules={"modules/one.md": "# Just markdown\n"})
    diag = only(diagnostics(root), "CS104")
    assert where(diag) == ("one.md", 1, 1)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_module_file(make_course: MakeCourse, content: str) -> None:
    diag = only(diagnostics(make_course(modules={"modules/one.md": content})), "CS105")
    assert where(diag)[0] == "one.md"


def test_empty_course_file(make_course: MakeCourse) -> None:
    diag = only(diagnostics(make_course(course="")), "CS105")
    assert where(diag)[0] == "course.yml"


def test_missing_image(make_course: MakeCourse) -> None:
    module = MODULE_MD + "\n![A chart](../assets/chart.png)\n"
    diag = only(diagnostics(make_course(modules={"modules/one.md": module})), "CS303")
    assert where(diag) == ("one.md", 13, 12)  # the URL itself


@pytest.mark.parametrize("ref", ["../../etc/passwd", "/etc/passwd", "../../../../../etc/hosts"])
def test_image_escaping_the_course(make_course: MakeCourse, ref: str) -> None:
    module = MODULE_MD + f"\n![secret]({ref})\n"
    diag = only(diagnostics(make_course(modules={"modules/one.md": module})), "CS304")
    assert where(diag) == ("one.md", 13, 11)  # the URL itself


def test_hero_symlink_pointing_outside(make_course: MakeCourse, tmp_path: Path) -> None:
    outside = tmp_path / "outside.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    module = MODULE_MD.replace(
        "objectives:", "hero:\n  src: ../assets/hero.svg\n  alt: A hero\nobjectives:"
    )
    root = make_course(modules={"modules/one.md": module})
    (root / "assets").mkdir()
    (root / "assets" / "hero.svg").symlink_to(outside)
    diag = only(diagnostics(root), "CS304")
    assert where(diag) == ("one.md", 6, 8)


def test_non_utf8_file(make_course: MakeCourse) -> None:
    root = make_course(files={"modules/one.md": MODULE_MD.encode().replace(b"first", b"f\xe9rst")})
    diag = only(diagnostics(root), "CS102")
    assert where(diag) == ("one.md", 4, 15)


def test_bom_and_crlf_are_accepted(make_course: MakeCourse) -> None:
    data = b"\xef\xbb\xbf" + MODULE_MD.replace("\n", "\r\n").encode()
    course = b"\xef\xbb\xbf" + COURSE_YML.replace("\n", "\r\n").encode()
    root = make_course(course=None, files={"modules/one.md": data, "course.yml": course})
    result = check(root)
    assert result.exit_code == 0, result.output


def test_template_syntax_in_content_is_literal(make_course: MakeCourse, tmp_path: Path) -> None:
    from coursec.build import build
    from coursec.options import BuildOptions

    module = MODULE_MD.replace("The first module.", "'Sum: {{ 7*7 }}'") + "\n{{ 7*7 }} {% raw %}\n"
    root = make_course(modules={"modules/one.md": module})
    result = build(root, BuildOptions(formats=("html",), out_dir=tmp_path / "out"))
    assert result.ok, result.diagnostics
    page = (tmp_path / "out" / "html" / "one.html").read_text()
    assert "Sum: {{ 7*7 }}" in page
    assert "{{ 7*7 }} {% raw %}" in page
    assert "49" not in page


def test_warnings_and_strict(make_course: MakeCourse) -> None:
    module = MODULE_MD.replace("Explain widgets and gadgets.", "Evaluate quantum teleportation.")
    root = make_course(modules={"modules/one.md": module})
    relaxed = check(root)
    assert relaxed.exit_code == 0
    assert "warning[CS401]" in relaxed.output
    strict = check(root, "--strict")
    assert strict.exit_code == 1
    assert "error[CS401]" in strict.output


def test_usage_error_exits_two(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2


@pytest.mark.parametrize("which", ["course", "module"])
def test_schema_is_draft_2020_12_and_validates_the_reference(which: str) -> None:
    result = run("schema", which)
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    if which == "course":
        docs = [yaml.safe_load((REFERENCE_COURSE / "course.yml").read_text())]
    else:
        docs = [
            yaml.safe_load(p.read_text().split("---\n")[1])
            for p in sorted((REFERENCE_COURSE / "modules").glob("*.md"))
        ]
    for doc in docs:
        assert list(validator.iter_errors(doc)) == []
    assert not validator.is_valid({**docs[0], "unknown_field": 1})


def test_range_and_length_errors_read_plainly(make_course: MakeCourse) -> None:
    module = MODULE_MD.replace(
        "objectives:", "duration_minutes: 0\nquiz: {passing_score: 140, questions: []}\nobjectives:"
    )
    found = diagnostics(make_course(modules={"modules/one.md": module}))
    messages = {str(d["message"]) for d in found}
    assert "quiz.questions: needs at least 1 item, got an empty list" in messages
    assert any(m.startswith("quiz.passing_score: the number 140 is out of range") for m in messages)
    assert any(m.startswith("duration_minutes: the number 0 is out of range") for m in messages)


def test_misspelt_required_field_is_one_error(make_course: MakeCourse) -> None:
    found = diagnostics(make_course(course=COURSE_YML.replace("description:", "descripton:")))
    errors = [d for d in found if d["severity"] == "error"]
    assert [d["code"] for d in errors] == ["CS202"]
    assert errors[0]["hint"] == 'did you mean "description"?'


def test_unclosed_callout_duplicate_heading_and_dead_anchors(make_course: MakeCourse) -> None:
    body = (
        "\n::: example\nGoal: thing.\n\n## Widgets and gadgets\n\nAgain.\n\n"
        "See [a](#nowhere), [b](#widgets-and-gadgets) and [c](one.md#widgts-and-gadgets).\n"
    )
    found = diagnostics(make_course(modules={"modules/one.md": MODULE_MD + body}))
    by_code: dict[str, list[dict[str, object]]] = {}
    for d in found:
        by_code.setdefault(str(d["code"]), []).append(d)
    [unclosed] = by_code["CS407"]
    assert where(unclosed) == ("one.md", 13, 1)
    # the unclosed callout swallowed the second heading, so only the anchor checks remain
    dead = sorted(str(d["message"]) for d in by_code["CS309"])
    assert dead == [
        'link "#nowhere" points at a heading that does not exist',
        'link "one.md#widgts-and-gadgets" points at a heading that does not exist',
    ]
    assert {d["hint"] for d in by_code["CS309"]} >= {'did you mean "#widgets-and-gadgets"?'}


def test_repeated_heading_is_located(make_course: MakeCourse) -> None:
    body = "\n## Widgets and gadgets\n\nAgain.\n"
    diag = only(diagnostics(make_course(modules={"modules/one.md": MODULE_MD + body})), "CS408")
    assert where(diag) == ("one.md", 13, 1)
    assert "one-widgets-and-gadgets-2" in str(diag["hint"])


def test_missing_file_with_other_letter_case_is_hinted(make_course: MakeCourse) -> None:
    module = MODULE_MD + "\n![A chart](../assets/Chart.PNG)\n"
    root = make_course(modules={"modules/one.md": module}, files={"assets/chart.png": b"\x89PNG"})
    diag = only(diagnostics(root), "CS303")
    assert str(diag["hint"]).startswith('did you mean "chart.png"?')
