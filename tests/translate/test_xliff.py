"""The XLIFF 2.0 round trip: extract, translate, merge (coursec.translate)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from coursec.loading import load_course
from coursec.translate.extract import extract
from coursec.translate.files import write_extraction
from coursec.translate.merge import merge
from coursec.translate.xliff_reader import read_xliff
from coursec.translate.xliff_writer import write_xliff

ROOT = Path(__file__).resolve().parents[2]
AGAI = ROOT / "courses" / "agai-302"
SQL = ROOT / "courses" / "sql-201"
NS = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
NMTOKEN = re.compile(r"^[\w.:-]+$")


def _identity(xliff: str, prefix: str = "") -> str:
    """Every unit translated as itself (`prefix` before its words), state translated."""

    def translate(m: re.Match[str]) -> str:
        return (
            f'<segment state="translated">{m.group(1)}<source>{m.group(2)}</source>'
            f"{m.group(1)}<target>{prefix}{m.group(2)}</target>"
        )

    return re.sub(
        r'<segment state="initial">(\s*)<source>(.*?)</source>', translate, xliff, flags=re.S
    )


def _xliff(course: Path, to: str = "fr") -> str:
    extraction = extract(course)
    assert extraction.course is not None
    spec = extraction.course.spec
    return write_xliff(extraction, spec.id, spec.language, to)


def test_extract_writes_valid_xliff_2_structure() -> None:
    """No registry package ships xliff_core_2.0.xsd: the structure the schema and the spec's
    processing rules ask for is checked here (the XSD validates the same files by hand)."""
    text = _xliff(SQL)
    root = etree.fromstring(text.encode())
    assert root.tag == "{urn:oasis:names:tc:xliff:document:2.0}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "en-GB", "fr")
    files = root.findall("x:file", NS)
    assert [f.get("original") for f in files][:2] == [
        "course.yml",
        "modules/01-tables-keys-types.md",
    ]
    ids = [u.get("id") for u in root.iterfind(".//x:unit", NS)]
    assert len(ids) == len(set(ids)) > 500
    kinds: set[str] = set()
    for unit in root.iterfind(".//x:unit", NS):
        assert NMTOKEN.match(unit.get("id", ""))
        children = [etree.QName(c).localname for c in unit]
        assert children[0] == "notes" and children[-1] == "segment"
        location = unit.find("x:notes/x:note[@category='location']", NS)
        name, line = location.text.rsplit(":", 1)
        lines = (SQL / name).read_text(encoding="utf-8").split("\n")
        written = "\n".join(lines[int(line) - 1 : int(line) + 1])  # a block scalar: the next
        source = unit.find("x:segment/x:source", NS)
        first_words = (source.text or "").strip().split("\n")[0][:12]
        assert first_words[:6] in written or not first_words, (name, line)
        data = {d.get("id") for d in unit.iterfind("x:originalData/x:data", NS)}
        for code in source.iter("{*}ph", "{*}pc"):
            kinds.add(f"{etree.QName(code).localname}:{code.get('subType')}")
            refs = [code.get(a) for a in ("dataRef", "dataRefStart", "dataRefEnd") if code.get(a)]
            assert refs and set(refs) <= data
            assert {code.get("canCopy", "yes"), code.get("canDelete", "yes")} <= {"yes", "no"}
            assert code.get("type") in ("fmt", "link", "image", "other")
        assert unit.find("x:segment", NS).get("state") == "initial"
    assert {"pc:xlf:i", "pc:xlf:b", "pc:coursec:link", "pc:coursec:image", "ph:coursec:code",
            "ph:coursec:footnote"} <= kinds  # fmt: skip


def test_ids_are_stable_when_a_text_is_edited(tmp_path: Path) -> None:
    course = tmp_path / "agai"
    shutil.copytree(AGAI, course)
    before = [u.id for _f, u in extract(course).units()]
    module = course / "modules" / "01-instrumental-convergence.md"
    text = module.read_text(encoding="utf-8")
    edited = text.replace(
        "## Instrumental convergence\n\n", "## Instrumental convergence\n\nNew words here.\n\n", 1
    )
    module.write_text(
        edited.replace("Instrumental convergence is", "Instrumental convergence, roughly, is", 1),
        encoding="utf-8",
    )
    after = [u.id for _f, u in extract(course).units()]
    added = set(after) - set(before)
    assert len(added) == 1 and len(after) == len(before) + 1
    assert next(iter(added)).startswith("instrumental-convergence.b.instrumental-convergence.p")


@pytest.mark.slow
def test_identity_translation_rebuilds_byte_identical_html(
    course_dir: Path, tmp_path: Path
) -> None:
    """Extract, copy every source into its target, merge, build both: the same html/ bytes."""
    extraction = extract(course_dir)
    assert extraction.course is not None
    language = extraction.course.spec.language
    xlf = tmp_path / "same.xlf"
    xlf.write_text(_identity(_xliff(course_dir, language)), encoding="utf-8")
    translated = tmp_path / f"{course_dir.name}-copy"
    result = merge(course_dir, xlf, translated)
    units = sum(1 for _ in extraction.units())
    assert result.ok and result.kept == 0 and result.translated == units > 100, result.diagnostics
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    trees = []
    for course, out in ((course_dir, tmp_path / "a"), (translated, tmp_path / "b")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coursec",
                "build",
                str(course),
                "--format",
                "html",
                "--out",
                str(out),
                "-q",
                "-j",
                "1",
            ],
            check=True,
            env=env,
            cwd=tmp_path,
        )
        html = out / "html"
        trees.append({p.relative_to(html): p.read_bytes() for p in html.rglob("*") if p.is_file()})
    assert trees[0].keys() == trees[1].keys() and len(trees[0]) > 5
    different = [name for name in trees[0] if trees[0][name] != trees[1][name]]
    assert different == []


def test_merge_writes_a_translated_course_that_keeps_its_ids(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(_identity(_xliff(SQL), prefix="Fr «x» | #1: "), encoding="utf-8")
    out = tmp_path / "sql-201-fr"
    result = merge(SQL, xlf, out)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "language: fr\n" in (out / "course.yml").read_text(encoding="utf-8")
    source, translated = load_course(SQL).course, load_course(out).course
    assert source is not None and translated is not None
    assert [m.id for m in translated.modules] == [m.id for m in source.modules]
    for a, b in zip(source.modules, translated.modules, strict=True):
        assert [s.id for s in a.sections] == [s.id for s in b.sections]
        assert b.title.startswith("Fr «x» | #1: ")
        assert [q.id for q in (b.spec.quiz.questions if b.spec.quiz else [])] == [
            q.id for q in (a.spec.quiz.questions if a.spec.quiz else [])
        ]
    body = (out / "modules" / "02-normalisation.md").read_text(encoding="utf-8")
    assert "## Fr «x» | #1: Update anomalies {#update-anomalies}\n" in body
    assert "| Fr «x» \\| #1: order_id |" in body  # a table cell's | escaped
    assert (out / "assets").is_dir() and sorted(
        p.name for p in (out / "assets").iterdir()
    ) == sorted(p.name for p in (SQL / "assets").iterdir())


def _edit_target(xlf: Path, unit: str, old: str, new: str) -> int:
    """Replace `old` by `new` in `unit`'s <target>; the line of the edit."""
    text = xlf.read_text(encoding="utf-8")
    start = text.index(f'<unit id="{unit}"')
    at = text.index("<target>", start)
    end = text.index("</target>", at)
    assert old in text[at:end]
    xlf.write_text(text[:at] + text[at:end].replace(old, new, 1) + text[end:], encoding="utf-8")
    return text.count("\n", 0, text.index(old, at)) + 1


def test_codes_that_do_not_match_are_positioned_errors(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(_identity(_xliff(SQL)), encoding="utf-8")
    text = xlf.read_text(encoding="utf-8")
    unit = next(m.group(1) for m in re.finditer(r'<unit id="([^"]+)"', text)
                if 'type="link"' in text[m.end() : text.index("</unit>", m.end())])  # fmt: skip
    target = text[text.index("<target>", text.index(f'<unit id="{unit}"')) :]
    link = re.search(r'<pc id="(\d+)"[^>]*>', target)
    assert link is not None
    line = _edit_target(xlf, unit, link.group(0), '<pc id="99">')
    out = tmp_path / "out"
    result = merge(SQL, xlf, out)
    errors = [d for d in result.diagnostics if d.code == "CS724"]
    assert not result.ok and not out.exists()
    assert errors[0].span is not None and errors[0].span.path == xlf
    assert errors[0].span.line == line and errors[0].span.col > 1
    assert 'no code "99"' in errors[0].message
    assert any("may not be deleted" in e.message for e in errors)


def test_untranslated_units_warn_and_keep_the_source(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(_xliff(AGAI), encoding="utf-8")
    result = merge(AGAI, xlf, tmp_path / "out")
    assert result.ok and result.translated == 0
    assert {d.code for d in result.diagnostics} == {"CS723"}
    for name in ("modules/01-instrumental-convergence.md", "modules/02-alignment-techniques.md"):
        assert (tmp_path / "out" / name).read_bytes() == (AGAI / name).read_bytes()


def test_update_marks_changed_units_and_keeps_the_rest(tmp_path: Path) -> None:
    course = tmp_path / "agai"
    shutil.copytree(AGAI, course)
    old = tmp_path / "old.xlf"
    old.write_text(_identity(_xliff(course), prefix="FR "), encoding="utf-8")
    module = course / "modules" / "01-instrumental-convergence.md"
    text = module.read_text(encoding="utf-8")
    text = text.replace("title: Instrumental Convergence", "title: Instrumental Convergences", 1)
    text = text.replace("Instrumental convergence is", "Instrumental convergence, roughly, is", 1)
    heading = "## Instrumental convergence\n\n"
    text = text.replace(heading, heading + "A new first paragraph.\n\n", 1)
    module.write_text(text, encoding="utf-8")
    report = write_extraction(course, "fr", tmp_path / "new.xlf", old)
    assert report.path is not None
    doc = read_xliff(report.path)
    written = report.path.read_text(encoding="utf-8")
    section = "instrumental-convergence.b.instrumental-convergence"

    def target(unit_id: str) -> str:
        nodes = doc.units[unit_id].target
        return "" if nodes is None else "".join(n for n in nodes if isinstance(n, str))

    title = doc.units["instrumental-convergence.title"]
    assert title.state == "initial" and target(title.id).startswith("FR Instrumental Convergence ")
    assert "source changed: it was «Instrumental Convergence and" in written
    assert doc.units[f"{section}.p1"].target is None  # the new paragraph
    edited = doc.units[f"{section}.p2"]  # the first paragraph, edited
    assert edited.state == "initial" and target(edited.id).startswith(
        "FR Instrumental convergence is"
    )
    moved = doc.units[f"{section}.p3"]  # the second paragraph, renumbered
    assert moved.state == "translated" and target(moved.id).startswith("FR For example")
    assert f"carried over from unit {section}.p2" in written
    assert written.count('subState="coursec:source-changed"') == 2
    kept = [u for u in doc.units.values() if u.state == "translated"]
    assert len(kept) == len(doc.units) - 3


def test_merge_never_replaces_a_folder_coursec_did_not_write(tmp_path: Path) -> None:
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(_identity(_xliff(AGAI)), encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    from coursec.diagnostics import CoursecError

    with pytest.raises(CoursecError) as caught:
        merge(AGAI, xlf, mine)
    assert caught.value.diagnostics[0].code == "CS601"
    assert (mine / "notes.txt").read_text() == "keep me"
    assert merge(AGAI, xlf, tmp_path / "fr").ok
    assert merge(AGAI, xlf, tmp_path / "fr").ok  # its own output: replaced


def test_a_doctype_is_refused(tmp_path: Path) -> None:
    xlf = tmp_path / "bomb.xlf"
    xlf.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<xliff/>\n')
    doc = read_xliff(xlf)
    assert [d.code for d in doc.diagnostics] == ["CS721"]
    assert doc.diagnostics[0].span is not None and doc.diagnostics[0].span.line == 2


def test_a_unit_split_into_segments_by_a_tool_is_read_as_one(tmp_path: Path) -> None:
    xlf = tmp_path / "split.xlf"
    xlf.write_text(
        '<?xml version="1.0"?>\n'
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en"'
        ' trgLang="fr">\n<file id="f"><unit id="u">\n'
        '<segment state="translated"><source>One. </source><target>Un. </target></segment>\n'
        "<ignorable><source> </source></ignorable>\n"
        '<segment state="final"><source>Two <pc id="1">b</pc>.</source>'
        '<target>Deux <mrk id="m" translate="yes"><pc id="1">b</pc></mrk>.</target></segment>\n'
        "</unit></file></xliff>\n",
        encoding="utf-8",
    )
    doc = read_xliff(xlf)
    assert doc.diagnostics == []
    unit = doc.units["u"]
    assert unit.state == "translated"
    assert unit.target is not None and unit.target[0] == "Un.  Deux "
    assert unit.source[0] == "One.  Two "
    code = unit.target[1]
    assert not isinstance(code, str) and (code.id, code.kind, code.line) == ("1", "pc", 6)


@pytest.mark.parametrize("element", ["<b>Bonjour</b>", '<x:b xmlns:x="urn:x">Bonjour</x:b>'])
def test_an_element_that_is_not_inline_xliff_is_refused_not_dropped(
    tmp_path: Path, element: str
) -> None:
    """A translator's (or a tool's) `<b>` in a target would lose its words: XLIFF 2.0 allows
    only its own inline elements there, so it is CS721 at the element."""
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" '
        'trgLang="fr">\n<file id="f">\n<unit id="u1">\n<segment state="translated">\n'
        f"<source>Hello world</source>\n<target>{element} le monde</target>\n"
        "</segment>\n</unit>\n</file>\n</xliff>\n",
        encoding="utf-8",
    )
    doc = read_xliff(xlf)
    assert [d.code for d in doc.diagnostics] == ["CS721"]
    span = doc.diagnostics[0].span
    assert span is not None and (span.line, span.col) == (7, 9)
    assert "<b>" in doc.diagnostics[0].message


def test_an_empty_target_is_not_translated(tmp_path: Path) -> None:
    """`<target></target>` in state "translated" (a tool that left the cell blank) kept the
    source and was counted as translated, without a word; it is untranslated (CS723)."""
    xlf = tmp_path / "fr.xlf"
    xlf.write_text(_identity(_xliff(AGAI)), encoding="utf-8")
    text = xlf.read_text(encoding="utf-8")
    start = text.index('<unit id="instrumental-convergence.title"')
    at, end = text.index("<target>", start), text.index("</target>", start)
    xlf.write_text(text[:at] + "<target>" + text[end:], encoding="utf-8")
    result = merge(AGAI, xlf, tmp_path / "out")
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.code == "CS723"]
    assert "instrumental-convergence.title" in warning.message and "empty" in warning.message
    assert result.kept == 1
