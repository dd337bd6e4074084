"""A module body as the handout prints it: links made to fit one paged document, headings
numbered, and in review mode each section's source `file:line` and numbered code lines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html
from lxml.etree import _Element

from coursec.export import PartStore
from coursec.model import Course, Module
from coursec.plan import BuildPlan, RenderedModule

from .fetch import RefusedURL as RefusedURL
from .tables import fit_tables

_EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})
_SITE_PAGES = {
    "index.html": "contents",
    "glossary.html": "glossary",
    "objectives.html": "objectives",
}
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_KEPT = "coursec-print-body/1"  # what a prepared body is kept as in the part store


# --- the module bodies, adapted to one paged document ---------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    id: str
    text: str


@dataclass(slots=True)
class _Links:
    in_pdf: Mapping[str, Module]  # page name -> module, for modules in this PDF
    whole_course: bool
    renamed: dict[str, str] = field(default_factory=dict)


def relative_source(course: Course, path: Path) -> str:
    try:
        return path.resolve().relative_to(course.root.resolve()).as_posix()
    except ValueError:
        return path.name


def prepare_body(
    plan: BuildPlan,
    rendered: RenderedModule,
    in_pdf: Mapping[str, Module],
    whole_course: bool,
    review: bool,
) -> tuple[str, tuple[Heading, ...]]:
    """Adapt a module's site HTML to the handout.

    Links between site pages become links inside the PDF (or plain text when their target is
    not in it: `in_pdf` maps the page of each module the PDF prints to the module); ids that
    are not already module-scoped (footnotes) get the module id as a prefix, since every module
    shares one document; tables are marked with the room they need
    (`tables`). In review mode each section starts with its source `file:line`, and code
    blocks get their source line numbers.
    """
    module = rendered.module
    if not rendered.html.strip():
        return "", ()
    root = lxml_html.fragment_fromstring(rendered.html, create_parent="div")
    links = _Links(in_pdf, whole_course)
    prefix = f"{module.id}-"
    for element in root.iter():
        old = element.get("id")
        if old and not old.startswith(prefix):
            links.renamed[old] = f"{module.id}--{old}"
            element.set("id", links.renamed[old])
    for anchor in list(root.iter("a")):
        _rewrite_link(anchor, links)
    fit_tables(root, review)

    headings: list[Heading] = []
    lines = {s.id: s.line for s in module.sections}
    source = relative_source(plan.course, module.path)
    for section in root.findall("section"):  # the body's top-level sections
        sid = section.get("id", "")
        first = section[0] if len(section) else None
        if first is not None and first.tag in _HEADINGS:
            headings.append(Heading(sid, " ".join(first.text_content().split())))
        if review and sid in lines:
            ref = lxml_html.Element("span", {"class": "cs-srcref"})
            ref.text = f"{source}:{module.line_of(lines[sid])}"
            section.insert(0, ref)
    if review:
        _number_code_lines(root, module)
    html = (root.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )
    return html, tuple(headings)


def prepared_bodies(
    plan: BuildPlan,
    modules: Sequence[RenderedModule],
    in_pdf: Mapping[str, Module],
    whole_course: bool,
    review: bool,
    store: PartStore,
) -> list[tuple[str, tuple[Heading, ...]]]:
    """`prepare_body` of each of `modules`, kept in `store` from one build to the next: a body
    is prepared again only when its HTML, or what it is prepared with, changed (an edit to one
    module of 800 prepares one body, not 800). The bodies are kept as one part: reading and
    writing one file costs less than a file per module."""
    pages = sorted((page, module.id) for page, module in in_pdf.items())
    part = json.dumps([_KEPT, whole_course, review, pages])
    earlier = _from_kept(store.get(part))
    kept: dict[str, object] = {}
    prepared = []
    for rendered in modules:
        module = rendered.module
        own: list[object] = [module.id, rendered.html_sha256]
        if review:  # the source lines it prints
            own += [
                relative_source(plan.course, module.path),
                [[s.id, module.line_of(s.line)] for s in module.sections],
                _code_start_lines(module),
            ]
        key = json.dumps(own)
        body, headings = earlier.get(key) or prepare_body(
            plan, rendered, in_pdf, whole_course, review
        )
        kept[key] = [body, [[h.id, h.text] for h in headings]]
        prepared.append((body, headings))
    store.put(part, json.dumps(kept).encode())
    return prepared


def _from_kept(data: bytes | None) -> dict[str, tuple[str, tuple[Heading, ...]]]:
    """The prepared bodies `prepared_bodies` kept, by key; none if `data` does not hold them."""
    try:
        kept = json.loads(data) if data is not None else {}
        found = {
            key: (body, tuple(Heading(i, text) for i, text in headings))
            for key, (body, headings) in kept.items()
        }
    except (ValueError, TypeError, AttributeError):
        return {}
    texts = [body for body, _ in found.values()]
    texts += [x for _, headings in found.values() for h in headings for x in (h.id, h.text)]
    return found if all(isinstance(x, str) for x in texts) else {}


def _rewrite_link(anchor: _Element, links: _Links) -> None:
    href = anchor.get("href")
    if href is None:
        return
    parts = urlsplit(href)
    if parts.scheme in _EXTERNAL_SCHEMES:
        anchor.set("class", ((anchor.get("class") or "") + " cs-external").strip())
        return
    target: str | None = None
    if not parts.scheme and not parts.netloc:
        if not parts.path and parts.fragment:
            target = links.renamed.get(parts.fragment, parts.fragment)
        elif parts.path in links.in_pdf:
            linked = links.in_pdf[parts.path]
            target = parts.fragment or f"{linked.id}-title"
        elif parts.path in _SITE_PAGES and links.whole_course:
            target = _SITE_PAGES[parts.path]
    if target is not None:
        anchor.set("href", f"#{target}")
        return
    # a page that is not in this PDF, or a downloadable file: keep the words, name the file
    del anchor.attrib["href"]
    if parts.path.startswith("media/"):
        anchor.set("class", ((anchor.get("class") or "") + " cs-file").strip())
        anchor.set("data-file", unquote(parts.path.removeprefix("media/")))


def _code_start_lines(module: Module) -> list[int]:
    """The module-file line of the first code line of each code block, in body order."""
    starts = []
    for token in module.body.tokens:
        if token.type in ("fence", "code_block") and token.map:
            first = module.line_of(token.map[0] + 1)
            starts.append(first + 1 if token.type == "fence" else first)
    return starts


def _number_code_lines(root: _Element, module: Module) -> None:
    """Wrap each line of every code block in a `.cs-line` span numbered by a CSS counter.

    Numbers are the module file's lines when every `<pre>` comes from a Markdown code block
    (raw HTML may add others); otherwise each block counts from 1.
    """
    blocks = list(root.iter("pre"))
    starts = _code_start_lines(module)
    if len(starts) != len(blocks):
        starts = [1] * len(blocks)
    for pre, start in zip(blocks, starts, strict=True):
        code = pre.find("code")
        holder = code if code is not None else pre
        segments: list[tuple[str, str | None]] = []
        if holder.text:
            segments.append((holder.text, None))
        for child in holder:
            segments += [(str(text), child.get("class")) for text in child.itertext()]
            if child.tail:
                segments.append((child.tail, None))
        lines: list[list[tuple[str, str | None]]] = [[]]
        for text, css in segments:
            for i, piece in enumerate(text.split("\n")):
                if i:
                    lines.append([])
                if piece:
                    lines[-1].append((piece, css))
        if len(lines) > 1 and not lines[-1]:
            lines.pop()
        for child in list(holder):
            holder.remove(child)
        holder.text = None
        for line in lines:
            span = lxml_html.Element("span", {"class": "cs-line"})
            last: _Element | None = None
            for text, css in line:
                if css is None:
                    if last is None:
                        span.text = (span.text or "") + text
                    else:
                        last.tail = (last.tail or "") + text
                else:
                    last = lxml_html.Element("span", {"class": css})
                    last.text = text
                    span.append(last)
            holder.append(span)
        pre.set("class", ((pre.get("class") or "") + " cs-numbered").strip())
        pre.set("style", f"counter-reset: cs-line {start - 1}")


# --- knowledge checks ------------------------------------------------------------------------
