"""A translation written where its source was: Markdown text in a body's lines (list markers
and `> ` kept, `|` escaped in a table cell, `{#id}` added to a heading whose words would change
its section id) and YAML values (plain, folded or double-quoted, each checked by reading the
file back).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from coursec import codes
from coursec.diagnostics import CoursecError, Diagnostic, Severity, Span
from coursec.markdown_rules import inline_text, slugify
from coursec.sources import load_yaml_data, split_front_matter
from coursec.translate.inline import Code, Node, Paired, Ref, TargetNode
from coursec.translate.units import SourceFile, Unit


def _escape_title(title: str, delimiter: str) -> str:
    closing = {"(": ")"}.get(delimiter, delimiter)
    return re.sub(rf"(?<!\\){re.escape(closing)}", lambda _m: "\\" + closing, title)


def target_markdown(
    nodes: Sequence[TargetNode], source: Mapping[str, Code], titles: Mapping[str, str]
) -> str:
    """The Markdown of a translation: its text, and each code's Markdown from the source."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        code = source[node.copy_of or node.id]
        if node.content is None:
            out.append(code.start)
            continue
        end = code.end
        if code.title is not None and code.id in titles:
            a, b = code.title
            end = end[:a] + _escape_title(titles[code.id], end[a - 1]) + end[b:]
        out.append(code.start + target_markdown(node.content, source, titles) + end)
    return "".join(out)


FIGURE_TEXTS = frozenset({"paragraph", "callout paragraph", "list item", "quotation", "definition"})


def figure_target(unit: Unit, target: Sequence[TargetNode]) -> tuple[TargetNode, ...] | None:
    """A figure is a titled image alone in its paragraph (`coursec.markdown_rules.figures`):
    when a translation of one puts text around the image, which would make it an image in a
    paragraph and lose its caption, the translation with that text inside the image's alt
    text. None when the unit is no figure or the translation keeps it one."""
    image = _figure_image(unit.nodes) if unit.what in FIGURE_TEXTS else None
    refs = [node for node in target if isinstance(node, Ref)]
    ref = refs[0] if len(refs) == 1 else None
    if image is None or ref is None or ref.id != image.id or ref.content is None:
        return None
    at = list(target).index(ref)
    before = "".join(str(node) for node in target[:at]).lstrip()
    after = "".join(str(node) for node in target[at + 1 :]).rstrip()
    if not before and not after:
        return None
    content = tuple(n for n in (before, *ref.content, after) if n != "")
    return (Ref(ref.id, ref.kind, ref.line, ref.col, ref.copy_of, content),)


def _figure_image(nodes: Sequence[Node]) -> Code | None:
    if len(nodes) != 1 or not isinstance(nodes[0], Paired):
        return None
    code = nodes[0].code
    return code if code.type == "image" and code.title is not None else None


@cache
def _heading_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"typographer": False}).enable(["strikethrough"])


def heading_slug(text: str) -> str:
    """The slug coursec gives a heading of these words (`coursec.markdown_rules`)."""
    tokens = _heading_parser().parseInline(text, {})
    return slugify(inline_text(tokens[0]).strip()) if tokens else slugify(text)


# --- writing values back ----------------------------------------------------------------------


def _plain_ok(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value or re.search(r" #|: ", value):
        return False
    if value[0] in "!&*%@`'\"|>-?:":
        return False
    try:
        return bool(load_yaml_data(f"v: {value}\n") == {"v": value})
    except Exception:  # noqa: BLE001
        return False


def yaml_scalar(value: str, written: str, quoted: bool) -> str:
    """`value` written as a YAML scalar in place of `written`: plain when it can be, else in
    double quotes (`quoted`, or when plain would read back as something else)."""
    tail = written[len(written.rstrip("\n")) :] if written[:1] in "|>" else ""
    lines = written.split("\n")
    if not quoted and written[:1] == ">" and len(lines) > 1 and "\n" not in value:
        indent = lines[1][: len(lines[1]) - len(lines[1].lstrip())]
        wrapped = textwrap.fill(
            value,
            100,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        return f"{lines[0]}\n{wrapped}{tail}"
    if not quoted and _plain_ok(value):
        return value + tail
    return json.dumps(value, ensure_ascii=False) + tail


def _value_at(data: Any, loc: Sequence[str | int]) -> Any:
    for key in loc:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _yaml_data(path: Path, text: str, front_matter: bool) -> Any:
    try:
        if front_matter:
            return split_front_matter(text, path).front_matter.data
        return load_yaml_data(text)
    except Exception:  # noqa: BLE001
        return None


@dataclass(slots=True)
class Edit:
    start: int
    end: int
    text: str
    yaml_value: str | None = None  # a YAML value: what it must read back as
    loc: tuple[str | int, ...] = ()


def apply(text: str, edits: Sequence[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def rewrite(source: SourceFile, edits: list[Edit]) -> str:
    """The file with its edits, YAML values in double quotes where plain ones read back wrong."""
    front_matter = source.name != "course.yml"
    for _attempt in range(3):
        text = apply(source.text, edits)
        data = _yaml_data(source.path, text, front_matter)
        wrong = [
            e
            for e in edits
            if e.yaml_value is not None and (data is None or _value_at(data, e.loc) != e.yaml_value)
        ]
        if not wrong:
            return text
        for edit in wrong:
            written = source.text[edit.start : edit.end]
            edit.text = yaml_scalar(edit.yaml_value or "", written, quoted=True)
    raise CoursecError(
        [
            Diagnostic(
                Severity.ERROR,
                codes.Code.CS726,
                "a translated value cannot be written back as YAML",
                Span(source.path, 0, 0),
                "this is a bug in coursec; please report it with the translation",
            )
        ]
    )


def body_text(markdown_text: str, unit: Unit) -> str:
    place = unit.place
    assert place is not None
    if place.more is None:
        return re.sub(r"[ \t]*\n[ \t]*", " ", markdown_text)
    lines = markdown_text.split("\n")
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        out.append((place.breaks[i] if i < len(place.breaks) else place.more) + line)
    return "\n".join(out)


def cell_text(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def set_language(text: str, language: str) -> str:
    """course.yml with `language:` set to `language` (added after `title:` if missing)."""
    found = re.search(r"^language:[ \t]*(?P<value>[^\n#]*?)[ \t]*(?:#.*)?$", text, re.MULTILINE)
    if found:
        return text[: found.start("value")] + language + text[found.end("value") :]
    title = re.search(r"^title:.*\n", text, re.MULTILINE)
    at = title.end() if title else 0
    return text[:at] + f"language: {language}\n" + text[at:]
