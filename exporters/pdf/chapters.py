"""The course handout laid out in chapters, kept in the part store, and joined into one PDF.

Chapters: the cover, the contents, each module, and each back-matter chapter (glossary, objectives
index, answer key). The cover, a module or the answer key prints no page number of anything, so
its layout depends on its own HTML only and an edit elsewhere never lays it out again (the build
date is on the cover alone, and the PDF's dates come from the cover's `<head>`). Page numbers
come later:
- "Page X of Y" in the margins: the chapters are laid out without the margin boxes that show page
  numbers, and one *stamp* document of empty pages, named like the handout's, draws just those
  boxes for every page of the whole (see `layout`); it changes only when the page count or
  the page names do;
- the contents, glossary and objectives index print where anchors of other chapters land
  (`numbered` chapters): they are laid out once the other chapters' page counts are known, with the
  numbers written into their HTML (`data-page`). Their own page counts move the anchors after
  them (the contents' move nearly every page), so they are laid out until the numbers they print
  and the page counts agree; the contents' pages are counted first (laid out with placeholder
  numbers, not written), before the rest is numbered.

The layouts that do not wait on one another (every chapter that prints no page number, with the
count of the contents) are laid out together, across the build's workers (`ExportContext.jobs`);
the numbered chapters and the stamp follow here, one after another, as each needs the last.

Every layout is keyed by the digest of its HTML, the files it may load and the versions of the
renderer and of pikepdf: the output is the same whatever came from the store. A chapter is kept as
made ready to join (`prepare`); the join (`join`) runs at every build.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path

from coursec.export import InProcess, Jobs, PartStore

from . import layout
from .fetch import BuildFetcher
from .join import Stamp, join
from .prepare import LINK_ORIGIN, prepare

FORMAT = "coursec-pdf-part/3"
_ROUNDS = 4  # numbered layouts agree after one or two rounds; more would mean they never do
_ID = re.compile(r'\sid="([^"]*)"')
_HREF = re.compile(r'(\shref=")#([^"]*)"')


@dataclass(frozen=True, slots=True)
class Chapter:
    name: str  # "cover", "contents", "module:<id>", "glossary", "objectives", "answers"
    numbered: bool  # prints page numbers of anchors in other chapters


# Renders a chapter's HTML, given the page number (or a placeholder) of every anchor elsewhere.
Render = Callable[[str, Mapping[str, str]], str]


@dataclass(frozen=True, slots=True)
class _Got:
    html: str
    laid: layout.Laid


# A layout to make: (HTML, the files it may load, `Margins` value or "count", its key).
_Job = tuple[str, Mapping[str, Path | bytes], str, str]
_COUNT = "count"


def _lay_out(job: _Job) -> bytes:
    """One layout, as the store keeps it: a `Laid` (a chapter made ready to join), or a page
    count. Runs in a worker: everything it needs comes in `job`."""
    html, files, how, key = job
    fetcher = BuildFetcher(files)
    if how == _COUNT:
        return b"%d" % layout.count_pages(html, fetcher)
    margins = layout.Margins(how)
    laid = layout.lay_out(html, fetcher, margins)
    if margins is layout.Margins.TEXT:
        laid = replace(laid, pdf=prepare(laid.pdf, key))
    return laid.to_bytes()


@dataclass(slots=True)
class Layouts:
    """Layouts of one build, each from the store when it holds it, else laid out (and kept)."""

    files: BuildFetcher
    store: PartStore
    salt: str  # what every layout depends on besides its HTML
    jobs: Jobs = field(default_factory=InProcess)  # where layouts not in the store are made
    _seen: dict[str, _Got] = field(default_factory=dict)

    @classmethod
    def for_build(cls, files: BuildFetcher, store: PartStore, jobs: Jobs | None = None) -> Layouts:
        digest = hashlib.sha256()
        for name in sorted(files.files):
            data = files.served(name)
            digest.update(b"%d:%s%d:" % (len(name), name.encode(), len(data)) + data)
        versions = [version(name) for name in ("weasyprint", "pydyf", "pikepdf")]
        salt = json.dumps([FORMAT, *versions, digest.hexdigest()])
        return cls(files, store, salt, jobs or InProcess())

    def _key(self, how: str, html: str) -> str:
        return hashlib.sha256(json.dumps([self.salt, how, html]).encode()).hexdigest()

    def get(self, html: str, margins: layout.Margins) -> _Got:
        """`html` laid out; a chapter of the handout (`Margins.TEXT`) is made ready to join."""
        return self.get_many([(html, margins)])[0]

    def get_many(self, wanted: Sequence[tuple[str, layout.Margins]]) -> list[_Got]:
        """Each (HTML, margins) laid out, as `get` does; those not in the store side by side."""
        return self.get_and_count(wanted, None)[0]

    def count(self, html: str) -> int:
        """The page count of `html` laid out as a chapter (from the store when it has it)."""
        return self.get_and_count([], html)[1]

    def get_and_count(
        self, wanted: Sequence[tuple[str, layout.Margins]], counted: str | None
    ) -> tuple[list[_Got], int]:
        """`get_many(wanted)` and the page count of `counted` (0 if None), laid out side by side;
        what is made is kept in the store, in the order asked."""
        asked = [(html, margins.value) for html, margins in wanted]
        asked += [(counted, _COUNT)] if counted is not None else []
        keys = [self._key(how, html) for html, how in asked]
        found: dict[str, bytes] = {}
        todo: dict[str, _Job] = {}
        for (html, how), key in zip(asked, keys, strict=True):
            if key in self._seen or key in found or key in todo:
                continue
            stored = self.store.get(key)
            if stored is not None and (
                stored.isdigit() if how == _COUNT else layout.Laid.from_bytes(stored) is not None
            ):
                found[key] = stored
            else:
                todo[key] = (html, self.files.files, how, key)
        made = self.jobs.map(_lay_out, list(todo.values())) if todo else []
        found.update(zip(todo, made, strict=True))
        got: list[_Got] = []
        pages = 0
        for (html, how), key in zip(asked, keys, strict=True):
            if key in self._seen:
                got.append(self._seen[key])
                continue
            data = found[key]
            self.store.put(key, data)
            if how == _COUNT:
                pages = int(data)
                continue
            laid = layout.Laid.from_bytes(data)
            if laid is None:
                raise ValueError(f"PDF layout {key} is unreadable")  # made just now: a bug
            got.append(self._seen.setdefault(key, _Got(html, laid)))
        return got, pages


_NONE = _Got("", layout.Laid(b"", (), (), {}, (), (), ()))  # no layout yet


@dataclass(frozen=True, slots=True)
class Handout:
    pdf: bytes
    laid: tuple[layout.Laid, ...]  # the layouts the handout is made of, in page order


def _linked(html: str, chapter: str, where: Mapping[str, str]) -> str:
    """`html` with its links to anchors of other chapters pointing at `LINK_ORIGIN`."""

    def one(match: re.Match[str]) -> str:
        target = match[2]
        if where.get(target, chapter) == chapter:
            return match[0]
        return f'{match[1]}{LINK_ORIGIN}#{target}"'

    return _HREF.sub(one, html)


def build_handout(chapters: Sequence[Chapter], render: Render, layouts: Layouts) -> Handout:
    """Lay out (or reuse) every chapter, number them, stamp the page numbers and join them."""
    drafts = {p.name: render(p.name, {}) for p in chapters}
    where: dict[str, str] = {}
    for p in chapters:
        for anchor in _ID.findall(drafts[p.name]):
            where.setdefault(anchor, p.name)
    by_part: dict[str, list[str]] = {p.name: [] for p in chapters}
    for anchor, chapter in where.items():
        by_part[chapter].append(anchor)

    def pages(counts: Mapping[str, int]) -> dict[str, str]:
        """Each anchor's page number; a placeholder as wide while a page count is unknown."""
        placeholder = "8" * len(str(sum(counts.values()) + len(chapters)))
        start, numbers, unknown = 1, {}, False
        for p in chapters:
            here = got.get(p.name)
            for anchor in by_part[p.name]:
                if unknown or here is None:
                    numbers[anchor] = placeholder
                elif anchor in here.laid.anchors:
                    numbers[anchor] = str(start + here.laid.anchors[anchor])
            unknown = unknown or p.name not in counts
            start += counts.get(p.name, 0)
        return numbers

    got: dict[str, _Got] = {}
    counts: dict[str, int] = {}
    numbered = [p for p in chapters if p.numbered]
    # the first numbered chapter's page count moves the anchors after it: when there are others
    # after it, it is counted first (with placeholder numbers), and laid out last
    lead = numbered[0] if (numbered and not chapters[-1].numbered) or len(numbered) > 1 else None
    before = chapters[: chapters.index(lead)] if lead is not None else chapters
    for group in (before, chapters[len(before) :]):  # what the count needs, then the rest
        plain = [p for p in group if not p.numbered]
        texts = [(_linked(drafts[p.name], p.name, where), layout.Margins.TEXT) for p in plain]
        if group is before:
            got.update(zip((p.name for p in plain), layouts.get_many(texts), strict=True))
            continue
        if lead is not None:
            counting = _linked(render(lead.name, pages({})), lead.name, where)
            laid, counts[lead.name] = layouts.get_and_count(texts, counting)
        else:
            laid = layouts.get_many(texts)
        got.update(zip((p.name for p in plain), laid, strict=True))
    counts.update({name: len(g.laid.page_names) for name, g in got.items()})
    if lead is not None:
        numbered.remove(lead)
        numbered.append(lead)
    for _ in range(_ROUNDS):
        # A guess, laid out side by side: each numbered chapter but the last, with the counts
        # known now. The checks below, in order, keep a guess only if its HTML is what that
        # chapter then renders to (so the output does not depend on the guess); a chapter
        # printing no page of an anchor after the chapters before it is guessed right.
        guesses = [_linked(render(p.name, pages(counts)), p.name, where) for p in numbered[:-1]]
        fresh = [
            html
            for p, html in zip(numbered[:-1], guesses, strict=True)
            if got.get(p.name, _NONE).html != html
        ]
        if len(fresh) > 1:
            layouts.get_many([(html, layout.Margins.TEXT) for html in fresh])
        changed = False
        for p in numbered:
            html = _linked(render(p.name, pages(counts)), p.name, where)
            if p.name not in got or got[p.name].html != html:
                got[p.name] = layouts.get(html, layout.Margins.TEXT)
                counts[p.name] = len(got[p.name].laid.page_names)
                changed = True
        if not changed:
            break
    ordered = [got[p.name] for p in chapters]
    names = [name for g in ordered for name in g.laid.page_names]
    head = ordered[-1].html.split("<body", 1)[0]  # not the cover's: it has the build date
    stamp = layouts.get(layout.stamp_html(head, names), layout.Margins.NUMBERS)
    identifier = hashlib.sha256(layouts.salt.encode())
    for g in (*ordered, stamp):
        identifier.update(hashlib.sha256(g.html.encode()).digest())
    pdf = join(
        [g.laid.pdf for g in ordered],
        Stamp(stamp.laid.pdf, stamp.laid.numbered),
        identifier.hexdigest()[:32].encode(),
    )
    return Handout(pdf, (*(g.laid for g in ordered), stamp.laid))
