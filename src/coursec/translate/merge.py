"""Write a translated course folder from a course and its XLIFF translation.

Each translated unit's text replaces its source at the place it was written (`Place`); every
other byte of every file stays as it was, and the course's other files (images, downloads,
templates) are copied. A text whose translation is missing, unfinished or made for another
version of its source keeps its source (a warning says which); a translation whose inline
codes do not fit the source is an error at its place in the .xlf file. A heading whose
translated words would give its section another id gets `{#id}`, so section ids, and what
refers to them (objectives' `sections`, links, learners' bookmarks), stay as they were.

The folder is written like a build's output (`coursec.outdir`): staged, checked with
`coursec check`'s rules, then swapped in; a folder coursec did not write is never replaced.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coursec.codes import Code
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.loading import load_course
from coursec.outdir import OutputClaims, Staging, absolute
from coursec.schema import LANGUAGE_TAG
from coursec.translate.extract import extract
from coursec.translate.inline import TargetNode, as_target, codes, markdown
from coursec.translate.units import Extraction, SourceFile, Unit, yaml_value
from coursec.translate.write_back import (
    Edit,
    body_text,
    cell_text,
    figure_target,
    heading_slug,
    rewrite,
    set_language,
    target_markdown,
    yaml_scalar,
)
from coursec.translate.xliff_reader import XliffDocument, XliffUnit, read_xliff
from coursec.translate.xliff_writer import signature


@dataclass(slots=True)
class MergeResult:
    texts: dict[Path, str] = field(default_factory=dict)  # rewritten files, by source path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    translated: int = 0
    kept: int = 0  # units left in the source language

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def _diag(
    severity: Severity,
    code: Code,
    message: str,
    path: Path,
    line: int,
    col: int = 1,
    hint: str | None = None,
) -> Diagnostic:
    return Diagnostic(severity, code, message, Span(path, line, col), hint)


def check_codes(unit: Unit, xunit: XliffUnit, path: Path) -> list[Diagnostic]:
    """What is wrong with the inline codes of a translation (CS724), at their place in `path`."""
    assert xunit.target is not None
    source = {code.id: code for code in codes(unit.nodes)}
    problems: list[Diagnostic] = []
    seen: Counter[str] = Counter()

    def error(message: str, line: int, col: int, hint: str) -> None:
        problems.append(_diag(Severity.ERROR, Code.CS724, message, path, line, col, hint))

    def walk(nodes: Sequence[TargetNode]) -> None:
        for node in nodes:
            if isinstance(node, str):
                continue
            original = node.copy_of or node.id
            code = source.get(original)
            if code is None:
                error(
                    f'unit {unit.id}: the source has no code "{original}"',
                    node.line,
                    node.col,
                    "keep only the source's codes (copy them from <source>)",
                )
            elif code.kind != node.kind:
                error(
                    f'unit {unit.id}: code "{original}" is a <{code.kind}> in the source, '
                    f"not a <{node.kind}>",
                    node.line,
                    node.col,
                    f"write it as <{code.kind}>, as in <source>",
                )
            elif node.copy_of and not code.can_copy:
                error(
                    f'unit {unit.id}: code "{original}" may not be copied (canCopy="no")',
                    node.line,
                    node.col,
                    "use it once, without copyOf",
                )
            elif not node.copy_of:
                seen[original] += 1
                if seen[original] == 2:
                    error(
                        f'unit {unit.id}: code "{original}" is used twice',
                        node.line,
                        node.col,
                        'a copy needs an id of its own and copyOf="'
                        + original
                        + '" (when the code allows copies)',
                    )
            if node.content is not None:
                walk(node.content)

    walk(xunit.target)
    for code in source.values():
        if not code.can_delete and not seen[code.id]:
            what = {"link": "link", "image": "image"}.get(code.type, code.disp or code.start)
            error(
                f'unit {unit.id}: the translation leaves out code "{code.id}" ({what}), which '
                'may not be deleted (canDelete="no")',
                xunit.target_line,
                xunit.target_col,
                f'put <{code.kind} id="{code.id}"{"/" if code.kind == "ph" else ""}> back '
                "where it belongs in the translation",
            )
    return problems


class _Merger:
    def __init__(self, extraction: Extraction, doc: XliffDocument) -> None:
        self.extraction, self.doc = extraction, doc
        self.result = MergeResult(diagnostics=list(doc.diagnostics))
        self.markdown: dict[str, str] = {}  # unit id → translated Markdown (translated ones)

    def warn(self, code: Code, message: str, line: int, col: int, hint: str | None) -> None:
        self.result.diagnostics.append(
            _diag(Severity.WARNING, code, message, self.doc.path, line, col, hint)
        )

    def translation(self, unit: Unit, source_file: SourceFile) -> tuple[TargetNode, ...] | None:
        """The unit's translation, if it has a usable one (warnings say why not)."""
        xunit = self.doc.units.get(unit.id)
        if xunit is None:
            self.result.diagnostics.append(
                _diag(
                    Severity.WARNING,
                    Code.CS723,
                    f"unit {unit.id} is not in the XLIFF file: it stays in the source language",
                    source_file.path,
                    unit.line,
                    1,
                    "extract again with --update to add the course's new texts to the file",
                )
            )
            return None
        if signature(xunit.source) != signature(unit.nodes):
            self.warn(
                Code.CS725,
                f"unit {unit.id}: the source text changed since this file was "
                "extracted; the text stays in the source language",
                xunit.line,
                xunit.col,
                "extract again with --update: the unit is marked for translators to redo",
            )
            return None
        if not xunit.target or xunit.state == "initial":
            if xunit.target is None:
                why = "has no <target>"
            elif not xunit.target:
                why = "has an empty <target>"
            else:
                why = 'is in state "initial"'
            self.warn(
                Code.CS723,
                f"unit {unit.id} {why}: it stays in the source language",
                xunit.line,
                xunit.col,
                'translate it and set the segment\'s state="translated"',
            )
            return None
        problems = check_codes(unit, xunit, self.doc.path)
        if problems:
            self.result.diagnostics.extend(problems)
            return None
        return xunit.target

    def run(self) -> MergeResult:
        course = self.extraction.course
        if course is not None and self.doc.course and self.doc.course != course.id:
            self.warn(
                Code.CS722,
                f'this file was extracted from the course "{self.doc.course}", not "{course.id}"',
                2,
                1,
                "merge it with the course it came from",
            )
        known = {unit.id for _f, unit in self.extraction.units()}
        for xunit in self.doc.units.values():
            if xunit.id not in known:
                self.warn(
                    Code.CS722,
                    f"unit {xunit.id} is not in the course: it is ignored",
                    xunit.line,
                    xunit.col,
                    "was the file extracted from another version "
                    "of the course? extract again with --update",
                )
        for source_file in self.extraction.files:
            self._file(source_file)
        return self.result

    def _file(self, source_file: SourceFile) -> None:
        targets: dict[str, tuple[TargetNode, ...]] = {}
        for unit in source_file.units:
            target = self.translation(unit, source_file)
            if target is None:
                self.result.kept += 1
            else:
                self.result.translated += 1
                targets[unit.id] = self._figure(unit, target)
        titles: dict[str, dict[str, str]] = {}
        for unit in source_file.units:
            if unit.parent[0] and unit.id in targets:
                text = target_markdown(targets[unit.id], {}, {})
                titles.setdefault(unit.parent[0], {})[unit.parent[1]] = text
        edits: list[Edit] = []
        for unit in source_file.units:
            place = unit.place
            if place is None or (unit.id not in targets and unit.id not in titles):
                continue
            source_codes = {code.id: code for code in codes(unit.nodes)}
            nodes = targets.get(unit.id) or as_target(unit.nodes)
            text = target_markdown(nodes, source_codes, titles.get(unit.id, {}))
            if place.yaml:
                written = source_file.text[place.start : place.end]
                if text == yaml_value(written):
                    continue  # the same words: the same bytes
                edits.append(
                    Edit(place.start, place.end, yaml_scalar(text, written, False), text, place.loc)
                )
                continue
            if place.more is None and place.section == "" and not place.breaks:
                text = cell_text(text) if self._in_table(source_file, place.start) else text
            text = body_text(text, unit)
            if place.section and heading_slug(text) != heading_slug(markdown(unit.nodes)):
                text += f" {{#{place.section}}}"
            edits.append(Edit(place.start, place.end, text))
        if edits:
            self.result.texts[source_file.path] = rewrite(source_file, edits)

    def _figure(self, unit: Unit, target: tuple[TargetNode, ...]) -> tuple[TargetNode, ...]:
        folded = figure_target(unit, target)
        if folded is None:
            return target
        xunit = self.doc.units[unit.id]
        self.warn(
            Code.CS728,
            f"unit {unit.id} is a figure, an image alone in its paragraph: the text around "
            "the image is put into its alt text, or the figure would lose its caption",
            xunit.target_line,
            xunit.target_col,
            "keep the whole translation inside the image's <pc>",
        )
        return folded

    @staticmethod
    def _in_table(source_file: SourceFile, offset: int) -> bool:
        line_start = source_file.text.rfind("\n", 0, offset) + 1
        line_end = source_file.text.find("\n", offset)
        return "|" in source_file.text[line_start : line_end if line_end >= 0 else None]


def merge_texts(root: Path, xlf: Path) -> tuple[Extraction, XliffDocument, MergeResult]:
    """The translated text of every file a translation changes (nothing is written)."""
    extraction = extract(root)
    doc = read_xliff(xlf)
    if any(d.severity is Severity.ERROR for d in [*extraction.diagnostics, *doc.diagnostics]):
        result = MergeResult(diagnostics=[*extraction.diagnostics, *doc.diagnostics])
        return extraction, doc, result
    result = _Merger(extraction, doc).run()
    result.diagnostics[:0] = [d for d in extraction.diagnostics if d.code != Code.CS720]
    return extraction, doc, result


def _copy_course(root: Path, dest: Path) -> None:
    """The course's files, but for hidden ones (`.git`, caches) and links leading out of it."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            continue
        target = dest / relative
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def merge(
    root: Path, xlf: Path, out: Path, force: bool = False, strict: bool = False
) -> MergeResult:
    """Write the translated course folder `out`; nothing is written when there are errors
    (or, `strict`, warnings)."""
    root = root.resolve()
    extraction, doc, result = merge_texts(root, xlf)
    if strict and result.diagnostics:
        return result
    language = doc.trg_lang
    if result.ok and not LANGUAGE_TAG.match(language or ""):
        result.diagnostics.append(
            _diag(
                Severity.ERROR,
                Code.CS721,
                f'the target language "{language}" is not a BCP 47 tag',
                xlf,
                2,
                1,
                'set trgLang on <xliff>, e.g. trgLang="fr"',
            )
        )
    if not result.ok or extraction.course is None:
        return result
    target = absolute(out)
    if target.resolve().is_relative_to(root) or root.is_relative_to(target.resolve()):
        raise CoursecError(
            [
                Diagnostic(
                    Severity.ERROR,
                    Code.CS603,
                    f"coursec will not write the translation into {target}: it is, holds or "
                    "is inside the course folder",
                    None,
                    f"choose a folder beside the course, e.g. --out {root.name}-{language}",
                )
            ]
        )
    with contextlib.ExitStack() as stack:
        claims = OutputClaims(root, force, stack)
        claims.claim(target)
        with Staging(target, root, force) as staging:
            _copy_course(root, staging.path)
            for path, text in result.texts.items():
                (staging.path / path.relative_to(root)).write_text(text, encoding="utf-8")
            course_file = staging.path / "course.yml"
            course_file.write_text(
                set_language(course_file.read_text(encoding="utf-8"), language), encoding="utf-8"
            )
            checked = load_course(staging.path)
            errors = [d for d in checked.diagnostics if d.severity is Severity.ERROR]
            if errors:
                result.diagnostics.append(
                    Diagnostic(
                        Severity.ERROR,
                        Code.CS726,
                        "the translated course does not pass `coursec check`; nothing was written",
                        None,
                        "the errors below are in the translated files: fix the translations "
                        "they come from",
                    )
                )
                result.diagnostics += [_moved(d, staging.path, target) for d in errors]
                return result
            staging.swap(extraction.course.id)
    return result


def _moved(diagnostic: Diagnostic, staging: Path, target: Path) -> Diagnostic:
    span = diagnostic.span
    if span is None or not span.path.is_relative_to(staging):
        return diagnostic
    moved = Span(
        target / span.path.relative_to(staging), span.line, span.col, span.end_line, span.end_col
    )
    return Diagnostic(
        diagnostic.severity, diagnostic.code, diagnostic.message, moved, diagnostic.hint
    )
