"""Incremental, parallel, measured builds: the cache, `-j`, fast start, progress and summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import coursec.build
import coursec.executor
import coursec.exporters.html
import coursec.loading
import coursec.render
import coursec.site
import coursec.theme
from conftest import COURSE_YML, MODULE_MD, REFERENCE_COURSE, MakeCourse, write_course
from coursec.build import BuildEvent, BuildResult, build
from coursec.cli import cli
from coursec.export import Artifact, ExportContext, InProcess
from coursec.exporters.scorm import Packaging
from coursec.incremental.manifest import CACHE_DIR, MANIFEST
from coursec.options import BuildOptions
from support import settings
from support.outputs import tree_digest

FAST = ("html", "scorm12")
EPOCH = "1767225600"

THREE_MODULES_YML = COURSE_YML.replace(
    "  - modules/one.md\n", "  - modules/one.md\n  - modules/two.md\n  - modules/three.md\n"
)


def module_md(ident: str, text: str) -> str:
    return (
        MODULE_MD.replace("id: one", f"id: {ident}")
        .replace("Module one", f"Module {ident}")
        .replace("explain-widgets", f"explain-widgets-{ident}")
        .replace("Widgets and gadgets are explained here.", text)
    )


def three_modules() -> dict[str, str]:
    return {
        "modules/one.md": module_md("one", "Widgets and gadgets: see [two](two.md)."),
        "modules/two.md": module_md("two", "Widgets and gadgets, second part."),
        "modules/three.md": module_md("three", "Widgets and gadgets, last part."),
    }


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every body rendered in this process, by its first section id (`-j 1` builds only)."""
    calls: list[str] = []
    real = coursec.render.render_body

    def counting(body, urls, allow_html):  # type: ignore[no-untyped-def]
        calls.append(body.sections[0].id if body.sections else "?")
        return real(body, urls, allow_html)

    monkeypatch.setattr(coursec.render, "render_body", counting)
    return calls


def run_build(
    root: Path, out: Path, formats: tuple[str, ...] = FAST, **options: object
) -> BuildResult:
    opts: dict[str, object] = {"jobs": 1, **options}
    result = build(root, BuildOptions(formats=formats, out_dir=out, **opts))  # type: ignore[arg-type]
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


def tree_state(root: Path) -> dict[str, tuple[int, int, int]]:
    """Inode, mtime and size of the folder and everything under it."""
    entries = [root, *sorted(root.rglob("*"))]
    return {
        p.relative_to(root.parent).as_posix(): (
            p.stat().st_ino,
            p.stat().st_mtime_ns,
            p.stat().st_size,
        )
        for p in entries
    }


def page(out: Path, name: str) -> str:
    return (out / "html" / name).read_text(encoding="utf-8")


def manifest_path(out: Path) -> Path:
    return out / CACHE_DIR / MANIFEST


# --- incremental builds ---------------------------------------------------------------------


def test_noop_rebuild_renders_and_writes_nothing(
    make_course: MakeCourse, tmp_path: Path, renders: list[str]
) -> None:
    root, out = make_course(), tmp_path / "out"
    first = run_build(root, out)
    assert not first.up_to_date and first.rendered == ["one"] and len(renders) == 1
    before, listing = tree_state(out), sorted(p.name for p in tmp_path.iterdir())

    again = run_build(root, out)

    assert again.up_to_date and again.cache == "up to date"
    assert renders == ["one-widgets-and-gadgets"]  # nothing rendered the second time
    assert tree_state(out) == before  # same inodes, mtimes and sizes: not even a swap
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no staging folder either
    assert [(str(a.path), a.size) for a in again.artifacts] == [
        (str(a.path), a.size) for a in first.artifacts
    ]
    cli_run = CliRunner().invoke(
        cli, ["build", str(root), "--format", "html,scorm12", "--out", str(out)]
    )
    assert cli_run.exit_code == 0, cli_run.output
    assert f"{out} is up to date" in cli_run.output
    assert tree_state(out) == before


def test_one_changed_module_is_the_only_one_rendered(
    make_course: MakeCourse, tmp_path: Path, renders: list[str]
) -> None:
    root = make_course(course=THREE_MODULES_YML, modules=three_modules())
    out = tmp_path / "out"
    run_build(root, out)
    assert len(renders) == 3
    renders.clear()
    two = root / "modules" / "two.md"
    two.write_text(two.read_text().replace("second part", "a brand-new second part"))

    result = run_build(root, out)

    assert len(renders) == 1 and result.rendered == ["two"]
    assert result.reused == ["one", "three"]
    assert "modules/two.md changed" in result.cache
    assert "a brand-new second part" in page(out, "two.html")
    with zipfile.ZipFile(out / "demo-scorm12.zip") as archive:
        assert "a brand-new second part" in archive.read("course.html").decode()
    # the incremental output is exactly what a build from scratch writes, cache included
    fresh = tmp_path / "fresh"
    run_build(root, fresh, clean=True)
    assert tree_digest(out) == tree_digest(fresh)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The section prefix of every module body the loader parses in this process."""
    calls: list[str] = []
    real = coursec.loading.parse_body

    def counting(text, section_prefix, allow_html):  # type: ignore[no-untyped-def]
        calls.append(section_prefix)
        return real(text, section_prefix, allow_html)

    monkeypatch.setattr(coursec.loading, "parse_body", counting)
    return calls


def test_unchanged_modules_are_restored_not_parsed(
    make_course: MakeCourse, tmp_path: Path, parses: list[str]
) -> None:
    modules = three_modules()
    modules["modules/three.md"] += "\n![](../assets/pic.svg)\n"  # warning CS402: no alt text
    root = make_course(
        course=THREE_MODULES_YML, modules=modules, files={"assets/pic.svg": "<svg/>"}
    )
    out = tmp_path / "out"
    first = run_build(root, out)
    assert sorted(parses) == ["one-", "three-", "two-"]
    parses.clear()
    two = root / "modules" / "two.md"
    two.write_text(two.read_text().replace("second part", "a brand-new second part"))

    result = run_build(root, out)

    assert parses == ["two-"]  # one and three come from their records
    # the restored module still reports its warning, where it was
    assert [d.format() for d in result.diagnostics] == [d.format() for d in first.diagnostics]
    assert any(d.code == "CS402" for d in result.diagnostics)
    assert "a brand-new second part" in page(out, "two.html")
    assert 'src="media/assets/pic.svg"' in page(out, "three.html")


def test_tampered_records_are_not_used_and_the_cache_heals(
    make_course: MakeCourse, tmp_path: Path, parses: list[str]
) -> None:
    root = make_course(course=THREE_MODULES_YML, modules=three_modules())
    out = tmp_path / "out"
    run_build(root, out)
    spoilt: list[str] = []  # the modules whose records share a shard with module two's
    for shard in (out / CACHE_DIR).glob("modules-*.json"):
        text = shard.read_text()
        if "Module two" in text:
            spoilt += [Path(r["path"]).stem + "-" for r in json.loads(text).values()]
            shard.write_text(text.replace("Module two", "Module TAMPERED"))
    assert "two-" in spoilt
    course_yml = root / "course.yml"
    course_yml.write_text(THREE_MODULES_YML.replace("Demo course", "Demo course, again"))
    parses.clear()

    run_build(root, out)

    assert sorted(parses) == sorted(spoilt)  # that shard no longer matches: parsed again
    assert "TAMPERED" not in page(out, "two.html") + page(out, "index.html")
    course_yml.write_text(THREE_MODULES_YML.replace("Demo course", "Demo course, once more"))
    parses.clear()
    run_build(root, out)
    assert parses == []  # the rewritten shard is good again


def test_a_record_is_not_used_once_a_file_it_refers_to_is_gone(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    body = MODULE_MD + "\n![A red square](../assets/pic.svg)\n"
    root = make_course(modules={"modules/one.md": body}, files={"assets/pic.svg": "<svg/>"})
    out = tmp_path / "out"
    run_build(root, out)
    (root / "assets" / "pic.svg").unlink()

    result = build(root, BuildOptions(formats=FAST, out_dir=out, jobs=1))

    assert not result.ok
    assert [d.code for d in result.diagnostics if d.severity.value == "error"] == ["CS303"]
    assert (out / "html" / "one.html").exists()  # the previous output stays


@pytest.fixture
def templated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every page template rendered in this process (`-j 1` builds only)."""
    calls: list[str] = []
    real = coursec.theme.Theme.render

    def counting(self, name, **context):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(self, name, **context)

    monkeypatch.setattr(coursec.theme.Theme, "render", counting)
    return calls


def test_a_body_edit_retemplates_only_the_pages_showing_that_body(
    make_course: MakeCourse, tmp_path: Path, templated: list[str]
) -> None:
    root = make_course(course=THREE_MODULES_YML, modules=three_modules())
    out = tmp_path / "out"
    run_build(root, out)
    before = tree_state(out)
    templated.clear()
    two = root / "modules" / "two.md"
    two.write_text(two.read_text().replace("second part", "a brand-new second part"))

    run_build(root, out)

    # the site's page of module two, and the single-SCO package's one page (every body)
    assert sorted(templated) == ["course.html.j2", "module.html.j2"]
    assert "a brand-new second part" in page(out, "two.html")
    # unchanged files of the site are the previous build's, hard-linked: nothing rewritten
    after = tree_state(out)
    assert after["out/html/one.html"][0] == before["out/html/one.html"][0]
    assert after["out/html/static/course.css"][0] == before["out/html/static/course.css"][0]
    assert after["out/html/two.html"][0] != before["out/html/two.html"][0]
    templated.clear()
    two.write_text(two.read_text().replace("title: Module two", "title: Module deux"))

    run_build(root, out)

    # a title is shown on other pages (previous/next links, the index): all are made again
    assert templated.count("module.html.j2") == 3
    assert "Module deux" in page(out, "one.html") + page(out, "three.html")
    assert "Module deux" in page(out, "index.html")


@pytest.mark.parametrize("tamper", [False, True])
def test_a_tampered_piece_is_made_again(
    make_course: MakeCourse, tmp_path: Path, templated: list[str], tamper: bool
) -> None:
    root = make_course(course=THREE_MODULES_YML, modules=three_modules())
    out = tmp_path / "out"
    run_build(root, out)
    expected = tree_digest(out / "html")
    pieces = out / CACHE_DIR / "parts"
    if tamper:
        for piece in pieces.iterdir():
            piece.write_bytes(piece.read_bytes().replace(b"Widgets", b"TAMPERED"))
    (out / "html" / "two.html").unlink()  # a rebuild with the same material for every page
    templated.clear()

    run_build(root, out)

    assert templated.count("module.html.j2") == (3 if tamper else 0)
    assert tree_digest(out / "html") == expected
    assert not any(b"TAMPERED" in p.read_bytes() for p in pieces.iterdir())


def test_renaming_a_linked_module_rerenders_the_modules_linking_to_it(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root = make_course(course=THREE_MODULES_YML, modules=three_modules())
    out = tmp_path / "out"
    run_build(root, out)
    two = root / "modules" / "two.md"
    two.write_text(two.read_text().replace("id: two", "id: second"))

    result = run_build(root, out)

    assert sorted(result.rendered) == ["one", "second"]  # one links to it: its URL changed
    assert result.reused == ["three"]
    assert 'href="second.html"' in page(out, "one.html")


def test_option_and_theme_changes_rebuild_but_reuse_bodies(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    packaged = run_build(root, out, settings=settings.scorm(Packaging.MULTI_SCO))
    assert not packaged.up_to_date and packaged.cache == "the build options changed"
    assert packaged.rendered == [] and packaged.reused == ["one"]

    css = root / "templates" / "static" / "course.css"
    css.parent.mkdir(parents=True)
    css.write_text("body { color: rebeccapurple }\n")
    themed = run_build(root, out, settings=settings.scorm(Packaging.MULTI_SCO))
    assert not themed.up_to_date and themed.rendered == []
    assert "rebeccapurple" in (out / "html" / "static" / "course.css").read_text()
    assert run_build(root, out, settings=settings.scorm(Packaging.MULTI_SCO)).up_to_date


RED_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="red" width="1" height="1"/></svg>'


def built_then_retargeted(make_course: MakeCourse, module: str, link: str, out: Path) -> Path:
    """A course whose assets/<link> points at red.svg, built into `out`, then at blue.svg."""
    root = make_course(
        modules={"modules/one.md": module},
        files={"assets/red.svg": RED_SVG, "assets/blue.svg": RED_SVG.replace("red", "blue")},
    )
    symlink = root / "assets" / link
    symlink.symlink_to("red.svg")
    run_build(root, out)
    symlink.unlink()
    symlink.symlink_to("blue.svg")
    return root


def test_retargeted_symlink_is_a_change(make_course: MakeCourse, tmp_path: Path) -> None:
    body = MODULE_MD + "\n![A red square](../assets/pic.svg)\n"
    out = tmp_path / "out"
    root = built_then_retargeted(make_course, body, "pic.svg", out)

    result = run_build(root, out)

    assert not result.up_to_date and "assets/pic.svg" in result.cache
    assert 'src="media/assets/blue.svg"' in page(out, "one.html")
    assert "blue" in (out / "html" / "media" / "assets" / "blue.svg").read_text()


def test_a_hero_pointed_elsewhere_gives_what_a_clean_build_gives(
    make_course: MakeCourse, tmp_path: Path, parses: list[str]
) -> None:
    """The module file is unchanged; only the file its hero resolves to is not."""
    hero = "hero:\n  src: ../assets/hero.svg\n  alt: A square\n"
    module = MODULE_MD.replace("objectives:", hero + "objectives:")
    out = tmp_path / "out"
    root = built_then_retargeted(make_course, module, "hero.svg", out)

    run_build(root, out)

    assert 'src="media/assets/blue.svg"' in page(out, "one.html")
    run_build(root, tmp_path / "clean", clean=True)
    assert tree_digest(out) == tree_digest(tmp_path / "clean")  # the cache included
    parses.clear()
    (root / "course.yml").write_text(COURSE_YML.replace("Demo course", "Demo course, again"))
    run_build(root, out)
    assert parses == []  # the module's new record was kept, not the stale one


def test_inputs_in_folders_the_snapshot_skips_still_cache(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    body = MODULE_MD + "\n![A logo](../node_modules/brand/logo.svg)\n"
    root = make_course(
        modules={"modules/one.md": body}, files={"node_modules/brand/logo.svg": "<svg/>"}
    )
    out = tmp_path / "out"
    run_build(root, out)
    assert run_build(root, out).up_to_date


def test_a_source_edited_while_outputs_are_written_keeps_no_cache(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, out = make_course(), tmp_path / "out"
    module = root / "modules" / "one.md"
    real = coursec.site.render_index_pages

    def editing(*args, **kwargs):  # type: ignore[no-untyped-def]
        module.write_text(module.read_text() + "\nEdited during the build.\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(coursec.site, "render_index_pages", editing)
    result = run_build(root, out, ("html",))

    assert "changed while the build ran" in result.cache
    assert not manifest_path(out).exists()
    monkeypatch.undo()
    again = run_build(root, out, ("html",))
    assert not again.up_to_date and "Edited during the build." in page(out, "one.html")


# --- the cache is never trusted blindly -----------------------------------------------------


def corrupt(out: Path) -> None:
    manifest_path(out).write_text('{"cache": 1, "coursec": ')


def other_version(out: Path) -> None:
    data = json.loads(manifest_path(out).read_text())
    data["coursec"] = "0.0.1"
    manifest_path(out).write_text(json.dumps(data))


def wrong_key(out: Path) -> None:
    data = json.loads(manifest_path(out).read_text())
    data["material"]["options"]["review"] = True  # a record that no longer matches its key
    manifest_path(out).write_text(json.dumps(data))


def tampered_bodies(out: Path) -> None:
    for shard in (out / CACHE_DIR).glob("bodies-*.json"):
        bodies = json.loads(shard.read_text())
        shard.write_text(json.dumps(dict.fromkeys(bodies, "<p>TAMPERED</p>")))


def truncated_manifest(out: Path) -> None:
    manifest_path(out).write_text("[]")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (corrupt, "corrupt"),
        (other_version, "coursec 0.0.1"),
        (wrong_key, "corrupt"),
        (truncated_manifest, "corrupt"),
    ],
)
def test_a_spoilt_cache_is_ignored(
    make_course: MakeCourse,
    tmp_path: Path,
    renders: list[str],
    spoil: Callable[[Path], None],
    reason: str,
) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    expected = page(out, "one.html")
    spoil(out)
    renders.clear()

    result = run_build(root, out)

    assert reason in result.cache
    assert not result.up_to_date and result.rendered == ["one"] and len(renders) == 1
    assert page(out, "one.html") == expected
    assert run_build(root, out).up_to_date  # the rebuilt cache is good again


def test_tampered_body_is_rendered_again(
    make_course: MakeCourse, tmp_path: Path, renders: list[str]
) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    tampered_bodies(out)
    (root / "course.yml").write_text(COURSE_YML.replace("Demo course", "Demo course, again"))
    renders.clear()

    result = run_build(root, out)

    assert result.rendered == ["one"] and len(renders) == 1
    assert "TAMPERED" not in page(out, "one.html")
    assert "Widgets and gadgets are explained here." in page(out, "one.html")


@pytest.mark.parametrize("change", ["edit", "remove", "add"])
def test_changed_output_is_rebuilt(make_course: MakeCourse, tmp_path: Path, change: str) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    clean = tree_digest(out)
    target = out / "html" / "one.html"
    if change == "edit":
        target.write_text(target.read_text().replace("Widgets", "Gadgets"))
    elif change == "remove":
        (out / "demo-scorm12.zip").unlink()
    else:  # a file coursec did not write: only --force replaces it (tests/test_outdir.py)
        (out / "html" / "stray.html").write_text("not ours")

    result = run_build(root, out, force=change == "add")

    assert not result.up_to_date and result.cache.startswith("output ")
    assert result.rendered == []  # the bodies in the cache were still good
    assert tree_digest(out) == clean


def test_foreign_cache_is_ignored(make_course: MakeCourse, tmp_path: Path) -> None:
    root, out = make_course(), tmp_path / "out"
    other = tmp_path / "other"
    (other / "modules").mkdir(parents=True)
    (other / "course.yml").write_text(COURSE_YML.replace("id: demo", "id: other"))
    (other / "modules" / "one.md").write_text(MODULE_MD)
    run_build(other, out)

    result = run_build(root, out)

    assert not result.up_to_date and result.rendered == ["one"]
    assert "demo-scorm12.zip" in {p.name for p in out.iterdir()}
    assert "other-scorm12.zip" not in {p.name for p in out.iterdir()}


def test_clean_renders_everything_and_writes_a_fresh_cache(
    make_course: MakeCourse, tmp_path: Path, renders: list[str]
) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    before = tree_state(out)
    renders.clear()

    result = CliRunner().invoke(
        cli, ["build", str(root), "--format", "html,scorm12", "--out", str(out), "--clean", "-j1"]
    )

    assert result.exit_code == 0, result.output
    assert len(renders) == 1
    assert tree_state(out) != before  # swapped in anew
    assert run_build(root, out).up_to_date


def test_failed_build_keeps_output_and_cache(make_course: MakeCourse, tmp_path: Path) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    before = tree_state(out)
    module = root / "modules" / "one.md"
    good = module.read_text()
    module.write_text(good.replace("title:", "titel:"))
    failed = build(root, BuildOptions(formats=FAST, out_dir=out, jobs=1))
    assert not failed.ok and tree_state(out) == before
    module.write_text(good)

    assert run_build(root, out).up_to_date
    assert tree_state(out) == before


def test_source_edited_during_the_build_is_not_cached(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root, out = make_course(), tmp_path / "out"
    module = root / "modules" / "one.md"

    def edit_after_loading(event: BuildEvent) -> None:
        if (event.kind, event.stage) == ("finish", "load"):
            module.write_text(module.read_text().replace("explained here", "edited meanwhile"))

    first = build(root, BuildOptions(formats=FAST, out_dir=out, jobs=1), edit_after_loading)
    assert first.ok and "changed while the build read it" in first.cache
    assert not manifest_path(out).exists()

    second = run_build(root, out)
    assert not second.up_to_date and second.rendered == ["one"]
    assert "edited meanwhile" in page(out, "one.html")
    assert run_build(root, out).up_to_date


def test_strict_rebuild_of_a_course_with_warnings_fails(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    unassessed = MODULE_MD  # its objective is assessed by no question: a warning
    root, out = make_course(modules={"modules/one.md": unassessed}), tmp_path / "out"
    lenient = run_build(root, out)
    assert lenient.diagnostics
    replayed = run_build(root, out)
    assert replayed.up_to_date and replayed.diagnostics == lenient.diagnostics

    strict = build(root, BuildOptions(formats=FAST, out_dir=out, jobs=1, strict=True))
    assert not strict.ok and not strict.up_to_date


# --- parallel builds ------------------------------------------------------------------------


@pytest.mark.pdf
def test_parallel_build_is_byte_identical_to_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds of every format, in one process and across workers, give the same bytes;
    the archives are dated SOURCE_DATE_EPOCH."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    formats = ("html", "scorm12", "scorm2004", "pdf")
    serial, parallel = tmp_path / "j1", tmp_path / "j2"
    one = build(REFERENCE_COURSE, BuildOptions(formats=formats, out_dir=serial, jobs=1))
    two = build(REFERENCE_COURSE, BuildOptions(formats=formats, out_dir=parallel, jobs=2))
    assert one.ok and two.ok, two.diagnostics
    assert two.jobs == 2
    digest = tree_digest(serial)
    assert {"agai-302.pdf", "agai-302-scorm12.zip", "agai-302-scorm2004.zip"} <= set(digest)
    assert digest == tree_digest(parallel)
    with zipfile.ZipFile(serial / "agai-302-scorm12.zip") as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    assert [(a.exporter, str(a.path), a.size) for a in one.artifacts] == [
        (a.exporter, str(a.path), a.size) for a in two.artifacts
    ]


@pytest.fixture
def many_modules(make_course: MakeCourse) -> Path:
    names = [f"m{i:02d}" for i in range(12)]
    course = COURSE_YML.replace(
        "  - modules/one.md\n", "".join(f"  - modules/{n}.md\n" for n in names)
    )
    # each links to the one before, to its page and to a heading: links resolved across modules
    links = [""] + [
        f" See [part {p}]({p}.md) and [its widgets]({p}.md#widgets-and-gadgets)." for p in names
    ]
    modules = {
        f"modules/{n}.md": module_md(
            n, f"Widgets and gadgets, part {n}.{link}\n\n```python\nx = 1\n```"
        )
        for n, link in zip(names, links, strict=False)
    }
    return make_course(course=course, modules=modules)


@pytest.mark.parametrize("start_method", [None, "spawn"])
def test_worker_processes_give_the_serial_output(
    many_modules: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_method: str | None,
    parses: list[str],
) -> None:
    """Forked workers inherit the course; spawned ones get it pickled, and rebuild the theme."""
    monkeypatch.setattr(coursec.executor, "START_METHOD", start_method)
    monkeypatch.setattr(coursec.executor, "POOL_MIN", 4)  # workers load and render too
    serial = run_build(many_modules, tmp_path / "j1", ("html", "scorm12", "scorm2004"))
    assert len(parses) == 12
    parses.clear()
    parallel = run_build(many_modules, tmp_path / "j2", ("html", "scorm12", "scorm2004"), jobs=2)
    assert parses == []  # the workers loaded (and rendered) every module
    assert len(parallel.rendered) == len(serial.rendered) == 12
    assert tree_digest(tmp_path / "j1") == tree_digest(tmp_path / "j2")
    page_five = page(tmp_path / "j2", "m05.html")
    assert 'href="m04.html"' in page_five and 'href="m04.html#m04-widgets-and-gadgets"' in page_five
    # incremental rebuilds too: restored modules and kept parts travel to the workers
    m03 = many_modules / "modules" / "m03.md"
    m03.write_text(m03.read_text().replace("part m03", "part three, revised"))
    formats = ("html", "scorm12", "scorm2004")
    assert run_build(many_modules, tmp_path / "j1", formats).rendered == ["m03"]
    assert run_build(many_modules, tmp_path / "j2", formats, jobs=2).rendered == ["m03"]
    run_build(many_modules, tmp_path / "clean", formats, clean=True)
    assert tree_digest(tmp_path / "j1") == tree_digest(tmp_path / "j2")
    assert tree_digest(tmp_path / "j2") == tree_digest(tmp_path / "clean")


_WARMED: list[int] = []  # the processes where the probe's warm_up ran


def _pid_of(item: int) -> tuple[int, int, bool]:
    return item, os.getpid(), bool(_WARMED)


class _ParallelExporter:
    """Runs in the build process and hands its jobs to the workers (`ExportContext.jobs`)."""

    name = "parallel-probe"
    description = "records where its jobs ran"
    parallel = True

    def __init__(self) -> None:
        self.ran: list[tuple[int, int, bool]] = []
        self.exported_in = 0

    def warm_up(self) -> None:
        _WARMED.append(os.getpid())

    def export(self, plan: object, ctx: ExportContext) -> list[Artifact]:
        self.exported_in = os.getpid()
        self.ran = ctx.jobs.map(_pid_of, list(range(8)))
        return []


ExportInWorkers = Callable[[list[Any]], tuple[int, list[Any]]]


@pytest.fixture
def in_workers(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ExportInWorkers]:
    """Runs exporters on one course as a build with two forked workers does: (the workers
    started, the outcomes). Where the probes warmed up (`_WARMED`) starts and ends empty."""
    monkeypatch.setattr(coursec.executor, "START_METHOD", "fork")
    root = make_course()

    def export(exporters: list[Any]) -> tuple[int, list[Any]]:
        loaded = coursec.loading.load_course(root)
        assert loaded.course is not None
        plan = coursec.render.render(loaded.course)
        with coursec.executor.Executor(2, lambda: None) as executor:
            executor.start(loaded.course, plan.source_date, 0, exporters)
            done = executor.export(plan, exporters, tmp_path, {}, lambda _n: None, lambda *_: None)
        return executor.workers, done

    _WARMED.clear()
    yield export
    _WARMED.clear()


def test_parallel_exporter_runs_here_and_its_jobs_in_the_workers(
    in_workers: ExportInWorkers,
) -> None:
    probe = _ParallelExporter()
    workers, outcomes = in_workers([probe])
    assert workers == 2  # alone, it still wants them
    assert len(outcomes) == 1 and outcomes[0].diagnostics == []
    assert probe.exported_in == os.getpid()
    assert [item for item, _, _ in probe.ran] == list(range(8))  # results in the order asked
    assert {pid for _, pid, _ in probe.ran} - {os.getpid()}  # ... made by worker processes
    assert [os.getpid()] == _WARMED  # warmed up here, once, before the workers were forked
    assert all(warm for _, _, warm in probe.ran)


class _ReleasingExporter(_ParallelExporter):
    """Sends jobs away, releases the workers, then has two more jobs."""

    name = "releasing-probe"

    def __init__(self, wait: float) -> None:
        super().__init__()
        self.wait = wait
        self.workers_ended = False
        self.after: list[tuple[int, int, bool]] = []

    def export(self, plan: object, ctx: ExportContext) -> list[Artifact]:
        self.ran = ctx.jobs.map(_pid_of, list(range(8)))
        ctx.jobs.release()
        workers = {pid for _, pid, _ in self.ran} - {os.getpid()}
        self.workers_ended = _all_ended(workers, self.wait)
        self.after = ctx.jobs.map(_pid_of, [8, 9])
        return []


def _all_ended(pids: set[int], wait: float) -> bool:
    """Whether every process of `pids` ends (or is a zombie) within `wait` seconds."""

    def running(pid: int) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"

    deadline = time.monotonic() + wait
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes in /proc")
def test_released_workers_end_unless_a_later_exporter_needs_them(
    in_workers: ExportInWorkers,
) -> None:
    last = _ReleasingExporter(wait=30)
    in_workers([last])
    assert {pid for _, pid, _ in last.ran} - {os.getpid()}  # the jobs ran in workers
    assert last.workers_ended  # which ended once released, before the exporter ended
    assert {pid for _, pid, _ in last.after} == {os.getpid()}  # later jobs: in this process

    first, then = _ReleasingExporter(wait=0.5), _ParallelExporter()
    in_workers([first, then])
    assert not first.workers_ended  # the next exporter still needs them
    assert {pid for _, pid, _ in then.ran} - {os.getpid()}


def _timed(item: int) -> tuple[int, int, float, float]:
    """(item, process, start, end) of a job that takes a moment."""
    start = time.monotonic()
    time.sleep(0.5)
    return item, os.getpid(), start, time.monotonic()


class _SharingExporter(_ParallelExporter):
    """Small jobs, then two that each take most of what the workers may hold, and a small one."""

    name = "sharing-probe"

    def export(self, plan: object, ctx: ExportContext) -> list[Artifact]:
        self.small = ctx.jobs.map(_timed, [0, 1], [0.3, 0.3])
        self.large = ctx.jobs.map(_timed, [2, 3, 4], [0.7, 0.7, 0.1])
        return []


def test_jobs_whose_shares_do_not_fit_together_run_one_after_the_other_in_fresh_workers(
    in_workers: ExportInWorkers,
) -> None:
    probe = _SharingExporter()
    in_workers([probe])

    def overlap(a: tuple[int, int, float, float], b: tuple[int, int, float, float]) -> bool:
        return a[2] < b[3] and b[2] < a[3]

    assert [r[0] for r in probe.small] == [0, 1] and [r[0] for r in probe.large] == [2, 3, 4]
    assert overlap(*probe.small)  # 0.3 + 0.3: side by side
    two, three, four = probe.large
    assert not overlap(two, three)  # 0.7 + 0.7: one after the other
    assert overlap(three, four)  # 0.7 + 0.1: side by side
    small_workers = {r[1] for r in probe.small}
    assert os.getpid() not in small_workers
    # each large job in workers started afresh for it
    assert len({two[1], three[1]} - small_workers) == 2 and four[1] not in small_workers | {two[1]}


class _MeanwhileExporter(_ParallelExporter):
    """One job with something to do meanwhile, then one without."""

    name = "meanwhile-probe"

    def export(self, plan: object, ctx: ExportContext) -> list[Artifact]:
        def meanwhile(busy: Callable[[], bool]) -> None:
            start, was_busy = time.monotonic(), busy()
            while busy() and time.monotonic() < start + 10:
                time.sleep(0.01)
            self.meanwhile = (os.getpid(), start, time.monotonic(), was_busy)

        self.beside = ctx.jobs.map(_timed, [0], meanwhile=meanwhile)
        self.alone = ctx.jobs.map(_timed, [1])
        return []


def test_a_job_with_something_to_do_meanwhile_runs_in_a_worker_beside_it(
    in_workers: ExportInWorkers,
) -> None:
    probe = _MeanwhileExporter()
    in_workers([probe])
    [(item, pid, start, end)] = probe.beside
    here, began, ended, was_busy = probe.meanwhile
    assert item == 0 and pid != os.getpid() and here == os.getpid()
    assert start < ended and began < end  # side by side
    assert was_busy and end <= ended < end + 5  # `busy` said so until the job was done
    assert probe.alone[0][1] == os.getpid()  # one job with nothing beside it: here
    # in a build without workers, what is to be done meanwhile is done once the jobs are
    after: list[tuple[float, bool]] = []
    [(_, pid, _, end)] = InProcess().map(
        _timed, [2], meanwhile=lambda busy: after.append((time.monotonic(), busy()))
    )
    assert pid == os.getpid() and after[0][0] >= end and not after[0][1]


def test_failing_exporter_in_a_worker_keeps_previous_output(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    before = tree_state(out)
    (root / "modules" / "one.md").write_text(MODULE_MD.replace("Module one", "Changed"))
    monkeypatch.setattr("coursec.exporters.content_package.write_zip", _explode)
    # forked workers inherit the patch; other start methods would re-import the real one (the
    # pool picks forkserver when another test left threads running, e.g. the browser's)
    monkeypatch.setattr(coursec.executor, "START_METHOD", "fork")

    with pytest.raises(RuntimeError, match="disk on fire"):
        build(root, BuildOptions(formats=FAST, out_dir=out, jobs=2))

    assert tree_state(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "out"]


def _explode(*_args: object) -> None:
    raise RuntimeError("disk on fire")


# --- fast start -----------------------------------------------------------------------------

PROBE = """
import sys
from coursec.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="coursec")
except SystemExit:
    pass
heavy = ("weasyprint", "lxml", "rich", "pydyf", "pikepdf", "coursec.exporters.pdf.handout")
print("HEAVY=" + ",".join(m for m in heavy if m in sys.modules))
core = ("coursec.loading", "pydantic", "jinja2", "importlib.metadata")
print("CORE=" + ",".join(m for m in core if m in sys.modules))
"""


def probe(*args: str) -> dict[str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line[:6])
    return {k: [m for m in v.split(",") if m] for k, v in lines.items()}


def test_help_and_check_do_not_import_heavy_modules() -> None:
    assert probe("--help")["HEAVY"] == []
    assert probe("build", "--help")["HEAVY"] == []
    assert probe("check", str(REFERENCE_COURSE))["HEAVY"] == []


def test_up_to_date_build_does_not_load_the_course(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("build", str(REFERENCE_COURSE), "--format", "html,scorm12", "--out", str(out), "-q")
    assert os.environ["SOURCE_DATE_EPOCH"] == EPOCH  # inherited: both builds date alike
    first = probe(*args)
    assert "coursec.loading" in first["CORE"]
    second = probe(*args)
    assert second == {"HEAVY": [], "CORE": []}


@pytest.mark.skipif(os.name != "posix", reason="st_ctime is the inode change time on POSIX only")
def test_another_folder_of_the_course_built_into_the_same_output_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkouts of one course (same id, files older than the manifest) built in turn into
    one output folder, or one swapped in for the other at its path: neither is taken for the
    other because its files' status says they have not changed since the manifest was written
    (they are other files). It is read, and built."""
    from coursec.incremental import inputs

    first = write_course(tmp_path / "first")
    second = write_course(
        tmp_path / "second",
        modules={
            "modules/one.md": MODULE_MD.replace(
                "explained here",
                "EXPLAINED HERE",  # the same size
            )
        },
    )
    out = tmp_path / "out"
    run_build(first, out)
    written = manifest_path(out).stat()
    time.sleep(0.05)  # the manifest's ctime moves past both folders' files
    os.utime(manifest_path(out), ns=(written.st_atime_ns, written.st_mtime_ns))
    monkeypatch.setattr(inputs, "RACY_NS", 0)
    result = run_build(second, out)
    assert not result.up_to_date and "modules/one.md changed" in result.cache
    assert "EXPLAINED HERE" in page(out, "one.html")
    assert run_build(second, out).up_to_date
    # the first folder swapped in at the second's path: its files keep their old status
    second.rename(tmp_path / "second.old")
    first.rename(second)
    result = run_build(second, out)
    assert not result.up_to_date and "modules/one.md changed" in result.cache
    assert "explained here" in page(out, "one.html")


def test_library_versions_are_read_again_only_under_another_installation(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest written under the same installation (Python and the folders it imports from,
    unchanged) vouches for the library versions and exporters it recorded; under another one,
    they are read again, and only a real difference rebuilds."""
    from coursec.incremental import fingerprint, manifest

    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    read = fingerprint.library_versions.__wrapped__  # not this process's memo of them
    monkeypatch.setattr(fingerprint, "library_versions", lambda: pytest.fail("read again"))
    assert run_build(root, out).up_to_date
    monkeypatch.setattr(manifest, "installation", lambda: "another installation")
    monkeypatch.setattr(fingerprint, "library_versions", read)
    assert run_build(root, out).up_to_date  # read again: the same versions
    newer = {**read(), "markdown-it-py": "99.0"}
    monkeypatch.setattr(fingerprint, "library_versions", lambda: newer)
    result = run_build(root, out)
    assert not result.up_to_date and result.cache == "coursec or a library it uses changed"


# --- progress and summary -------------------------------------------------------------------


def test_plain_progress_and_summary_when_not_a_terminal(
    make_course: MakeCourse, tmp_path: Path
) -> None:
    root, out = make_course(), tmp_path / "out"
    args = ["build", str(root), "--format", "html,scorm12", "--out", str(out), "-j", "1"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0].split() == ["artifact", "format", "size", "time"]
    rows = [line.split() for line in lines[1:-1]]
    assert [r[0] for r in rows] == [str(out / "html"), str(out / "demo-scorm12.zip")]
    assert all(r[-1].endswith("s") and r[-2] in ("B", "KiB", "MiB") for r in rows)
    assert "1 of 1 modules rendered, 0 from cache" in lines[-1]
    assert "\x1b[" not in first.output  # no colours, no live display
    for stage in ("load", "render", "html", "scorm12", "write"):
        assert any(line.startswith(stage) for line in first.stderr.splitlines()), first.stderr

    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0
    assert second.stdout.splitlines()[-1].startswith(f"{out} is up to date")


def test_quiet_prints_only_problems(make_course: MakeCourse, tmp_path: Path) -> None:
    root, out = make_course(), tmp_path / "out"
    args = ["build", str(root), "--format", "html", "--out", str(out), "-q"]
    first = CliRunner().invoke(cli, args).output
    second = CliRunner().invoke(cli, args).output  # up to date: the same warnings, nothing else
    assert first == second
    assert [
        line for line in first.splitlines() if "warning" not in line and "hint" not in line
    ] == []
    broken = CliRunner().invoke(cli, [*args, "--format", "docx"])
    assert broken.exit_code == 1 and "error[CS504]" in broken.output


def test_jobs_must_be_positive(make_course: MakeCourse) -> None:
    result = CliRunner().invoke(cli, ["build", str(make_course()), "-j", "0"])
    assert result.exit_code == 2


def test_progress_events_cover_every_stage(make_course: MakeCourse, tmp_path: Path) -> None:
    events: list[BuildEvent] = []
    build(make_course(), BuildOptions(formats=FAST, out_dir=tmp_path / "o", jobs=2), events.append)
    finished = [(e.stage, e.name) for e in events if e.kind == "finish"]
    assert finished[:3] == [("check", ""), ("load", ""), ("render", "")]
    assert sorted(finished[3:5]) == [("export", "html"), ("export", "scorm12")]
    assert finished[5:] == [("write", "")]
    render = [e for e in events if e.stage == "render" and e.kind == "advance"]
    assert sum(e.count for e in render) == 1


def test_the_code_digest_covers_every_module_of_coursec() -> None:
    """An edit to any of coursec's own modules (core, subpackages, exporters) is a rebuild."""
    import coursec.exporters.html
    import coursec.exporters.pdf.join
    import coursec.exporters.scorm.package
    import coursec.incremental.cache
    import coursec.render
    from coursec.incremental import fingerprint

    dirs = fingerprint._code_dirs()
    for module in (
        coursec.render,
        coursec.incremental.cache,
        coursec.exporters.html,
        coursec.exporters.pdf.join,
        coursec.exporters.scorm.package,
    ):
        assert any(Path(str(module.__file__)).resolve().is_relative_to(d) for d in dirs), module


def test_code_fingerprint_changes_with_an_edited_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coursec's files are fingerprinted by stat (a no-op build reads none of them), and an edit
    (new size or time) is a different fingerprint; the same files give the same one."""
    from coursec.incremental import fingerprint

    code = tmp_path / "coursec"
    code.mkdir()
    module = code / "render.py"
    module.write_text("WIDTH = 1\n", encoding="utf-8")
    monkeypatch.setattr(fingerprint, "_code_dirs", lambda: [code])

    def fresh() -> str:
        fingerprint.code_digest.cache_clear()
        return fingerprint.code_digest()

    try:
        first = fresh()
        assert fresh() == first
        before = module.stat().st_mtime_ns
        module.write_text("WIDTH = 2\n", encoding="utf-8")  # same size
        os.utime(module, ns=(before + 1_000_000, before + 1_000_000))
        assert fresh() != first
    finally:
        fingerprint.code_digest.cache_clear()
        fingerprint.environment_key.cache_clear()


def count_hashing(monkeypatch: pytest.MonkeyPatch, *modules: Any) -> list[str]:
    """The names of the files `modules` hash from now on, in order."""
    from coursec.incremental import fingerprint

    hashed: list[str] = []

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return fingerprint.file_sha256(path)

    for module in modules:
        monkeypatch.setattr(module, "file_sha256", counting)
    return hashed


def edit_keeping_size_and_time(page: Path) -> None:
    """Change what `page` says, with its size and modification time as they were."""
    written = page.stat()
    page.write_text(page.read_text().replace("Widgets", "Gadgets"))
    os.utime(page, ns=(written.st_atime_ns, written.st_mtime_ns))


@pytest.mark.skipif(os.name != "posix", reason="st_ctime is the inode change time on POSIX only")
def test_up_to_date_check_hashes_only_files_changed_since_the_manifest(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stat before hashing: a file whose inode has not changed since the manifest was written is
    not read again; one that changed is, even with its old size and modification time."""
    from coursec.incremental import inputs, manifest

    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    written = manifest_path(out).stat()  # a clock tick after the outputs, as in a longer build
    time.sleep(0.05)
    os.utime(manifest_path(out), ns=(written.st_atime_ns, written.st_mtime_ns))
    monkeypatch.setattr(inputs, "RACY_NS", 0)  # the inputs' margin, so no test has to wait
    hashed = count_hashing(monkeypatch, inputs, manifest)

    assert run_build(root, out).up_to_date
    assert hashed == []

    module = root / "modules" / "one.md"
    os.utime(module)  # the same content, touched: hashed, still up to date
    assert run_build(root, out).up_to_date
    assert hashed == ["one.md"]

    edit_keeping_size_and_time(out / "html" / "one.html")
    result = run_build(root, out)
    assert not result.up_to_date and result.cache == "output html/one.html was changed"


@pytest.mark.skipif(os.name != "posix", reason="st_ctime is the inode change time on POSIX only")
def test_up_to_date_check_after_a_rebuild_hashes_no_output(
    make_course: MakeCourse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild hard-links the pages it reuses to the cached copies the old output's pages were
    linked to, so removing the old output moves those pages' inode change time past the new
    manifest's; they were still written by this build and must not be read again."""
    from coursec.incremental import manifest

    root, out = make_course(), tmp_path / "out"
    run_build(root, out)
    (out / "demo-scorm12.zip").unlink()
    rebuilt = run_build(root, out)
    assert not rebuilt.up_to_date and rebuilt.rendered == []
    assert (out / "html" / "one.html").stat().st_nlink > 1  # a page the rebuild reused
    hashed = count_hashing(monkeypatch, manifest)

    assert run_build(root, out).up_to_date
    assert hashed == []

    edit_keeping_size_and_time(out / "html" / "one.html")  # a page changed since is noticed
    result = run_build(root, out)
    assert not result.up_to_date and result.cache == "output html/one.html was changed"
