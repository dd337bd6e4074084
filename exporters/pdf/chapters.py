"""The course handout laid out in chapters, kept in the part store, and joined into one PDF.

Chapters: the cover, the contents, each module, and each back-matter chapter (glossary, objectives
index, answer key). The cover, a module or the answer key prints no page number of anything, so
its layout depends on its own HTML only and an edit elsewhere never lays it out again (the build
date is on the cover alone, and the PDF's dates come from the cover's `<head>`: it is laid out
with the day, and the join gives the PDF the date to the second). Page numbers
come later:
- "Page X of Y" in the margins: the chapters are laid out without the margin boxes that show page
  numbers, and a *stamp* of empty pages, named like the handout's, draws just those boxes for
  every page of the whole (documents of a few hundred pages each, laid out side by side: see
  `stamp`); it changes only when the page count or the page names do;
- the contents, glossary and objectives index print where anchors of other chapters land
  (`numbered` chapters), with the numbers written into their HTML (`data-page`). A numbered
  chapter is laid out once every number it prints is known, side by side with the others then
  ready. The first one's page count moves nearly every anchor, so it is first laid out with
  placeholder numbers but not written (a *draft*: its page names and where its anchors land, at
  about 60 % of a layout's cost). Their own page counts move the anchors after them, so this is
  repeated until the numbers they print and the page counts agree.

The layouts of a step are laid out together, across the build's workers (`ExportContext.jobs`):
every chapter that prints no page number with the draft; then, for the handout, the glossary and
objectives index; then the contents, with the stamp of the pages as they are then known (it
holds when the contents' page count does). Long layouts that would hold too much memory side by
side (a long course's glossary and objectives index) are laid out one after the other, in
workers started afresh (`_SIDE_BY_SIDE`, `Jobs.map`'s shares).

Every layout is keyed by the digest of its HTML, the files it may load and the versions of the
renderer and of pikepdf: the output is the same whatever came from the store. A chapter whose
HTML is known by a digest of all it shows (`Chapter.key`: in coursec's own template, every
chapter but the cover, which prints the date) has its HTML kept too, so that an edit renders
only the chapters it changed (the numbered ones again with their numbers). A chapter is kept as
made ready to join (`prepare`), with what the join reads of its fonts (`fonts.read_ahead`); the
join (`join`) runs at every build. While workers lay out what changed, the build process opens
and reads the chapters the store held, the join's first steps (`objects.OpenedAhead`). A
document laid out whole (a module's own PDF) has what its margin boxes draw made an artifact, as
a chapter has (`prepare.margins_as_artifacts`).

Long because the numbering rounds and the store and workers they lay out through are one
algorithm, read in one place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import BinaryIO

from coursec.collector import give_back
from coursec.export import InProcess, Jobs, PartStore

from . import layout, stamp
from .fetch import BuildFetcher
from .fonts import read_ahead
from .join import Stamp, join
from .objects import OpenedAhead, open_pdf
from .prepare import LINK_ORIGIN, margins_as_artifacts, prepare

FORMAT = "coursec-pdf-part/11"
_ROUNDS = 3  # numbered layouts agree after a round or two; more would mean they never do
# WeasyPrint holds 300-450 MiB per million characters of HTML while it lays a long chapter out
# (an 800-module course's glossary: 1.1 million, 475 MiB; its objectives index: 1.5 million):
# layouts run side by side while their HTML sums to at most this many characters (~600 MiB)
_SIDE_BY_SIDE = 1_600_000
# attributes, once `_attribute` finds whitespace before them: `re` finds a pattern that starts
# with a literal many times faster than one that starts with `\s` (14 MB of chapters at 800 modules)
_ID = re.compile(r'id="([^"]*)"')
_HREF = re.compile(r'href="#([^"]*)"')


@dataclass(frozen=True, slots=True)
class Chapter:
    name: str  # "cover", "contents", "module:<id>", "glossary", "objectives:<n>", "answers:<n>"
    numbered: bool  # prints page numbers of anchors in other chapters
    # a digest of all the chapter's HTML shows (before any page number), when that is known
    # without rendering it: its HTML is then kept in the store, and rendered only when new
    key: str | None = None


# Renders a chapter's HTML, given the page number (or a placeholder) of every anchor elsewhere.
Render = Callable[[str, Mapping[str, str]], str]


@dataclass(frozen=True, slots=True)
class _Got:
    digest: bytes  # of the HTML laid out (`_digest`): the HTML itself is not held
    laid: layout.Laid


def _digest(html: str) -> bytes:
    return hashlib.sha256(html.encode()).digest()


# A layout to make: (HTML, the files it may load, `Margins` value or "draft", its key).
_Job = tuple[str, Mapping[str, Path | bytes], str, str]
_DRAFT = "draft"


def _lay_out(job: _Job) -> bytes:
    """One layout, as the store keeps it: a `Laid` (a chapter made ready to join, or a draft).
    Runs in a worker: everything it needs comes in `job`."""
    html, files, how, key = job
    fetcher = BuildFetcher(files)
    if how == _DRAFT:
        return layout.draft(html, fetcher).to_bytes()
    margins = layout.Margins(how)
    laid = layout.lay_out(html, fetcher, margins)
    if margins is layout.Margins.TEXT:
        pdf = prepare(laid.pdf, key)
        opened = open_pdf(pdf)
        laid = replace(laid, pdf=pdf, fonts=read_ahead(opened), objects=len(opened.objects))
    elif margins is layout.Margins.ALL:
        laid = replace(laid, pdf=margins_as_artifacts(laid.pdf))
    return laid.to_bytes()


@dataclass(slots=True)
class Layouts:
    """Layouts of one build, each from the store when it holds it, else laid out (and kept)."""

    files: BuildFetcher
    store: PartStore
    salt: str  # what every layout depends on besides its HTML
    jobs: Jobs = field(default_factory=InProcess)  # where layouts not in the store are made
    # the chapters and stamps from the store, opened while the others are laid out
    opened: OpenedAhead = field(default_factory=OpenedAhead)
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

    def html(self, key: str | None, render: Callable[[], str]) -> str:
        """`render()`, or the HTML it gave in an earlier build, when `key` is a digest of all
        that HTML shows."""
        stored = self.store.get(key) if key is not None else None
        html = stored.decode() if stored is not None else render()  # checked by its digest
        if key is not None:
            self.store.put(key, html.encode())
        return html

    def _key(self, how: str, html: str) -> str:
        return hashlib.sha256(json.dumps([self.salt, how, html]).encode()).hexdigest()

    def get(self, html: str, margins: layout.Margins) -> _Got:
        """`html` laid out; a chapter of the handout (`Margins.TEXT`) is made ready to join."""
        return self.get_many([(html, margins)])[0]

    def get_many(self, wanted: Sequence[tuple[str, layout.Margins]]) -> list[_Got]:
        """Each (HTML, margins) laid out, as `get` does; those not in the store side by side."""
        return self.get_and_draft(wanted, [])[0]

    def get_and_draft(
        self, wanted: Sequence[tuple[str, layout.Margins]], drafted: Sequence[str]
    ) -> tuple[list[_Got], list[layout.Laid]]:
        """`get_many(wanted)` and a draft of each of `drafted` (`layout.draft`), laid out side
        by side, the drafts first (the longest, so no worker is left with one at the end); what
        is made is kept in the store."""
        asked = [(html, _DRAFT) for html in drafted]
        asked += [(html, margins.value) for html, margins in wanted]
        keys = [self._key(how, html) for html, how in asked]
        found: dict[str, tuple[bytes, layout.Laid]] = {}
        joinable: list[bytes] = []  # what the store held of chapters and stamps, to join
        todo: dict[str, _Job] = {}
        for (html, how), key in zip(asked, keys, strict=True):
            if key in self._seen or key in found or key in todo:
                continue
            stored = self.store.get(key)
            laid = layout.Laid.from_bytes(stored) if stored is not None else None
            if stored is not None and laid is not None:
                found[key] = (stored, laid)
                if how != _DRAFT:
                    joinable.append(laid.pdf)
            else:
                todo[key] = (html, self.files.files, how, key)
        jobs = list(todo.values())
        shares = [len(html) / _SIDE_BY_SIDE for html, *_ in jobs]
        # what the store held, to join, is opened while the rest is laid out, unless the
        # layouts are too long to run side by side: then memory goes to them
        meanwhile = None
        if sum(shares) > 1:
            self.opened.clear()
        elif joinable:
            meanwhile = functools.partial(self.opened.open, joinable)
        made = self.jobs.map(_lay_out, jobs, shares, meanwhile=meanwhile) if jobs else []
        for key, data in zip(todo, made, strict=True):
            laid = layout.Laid.from_bytes(data)
            if laid is None:
                raise ValueError(f"PDF layout {key} is unreadable")  # made just now: a bug
            found[key] = (data, laid)
        got: list[_Got] = []
        for (html, _how), key in zip(asked, keys, strict=True):
            if key not in self._seen:
                data, laid = found[key]
                self.store.put(key, data)
                self._seen[key] = _Got(_digest(html), laid)
            got.append(self._seen[key])
        return got[len(drafted) :], [g.laid for g in got[: len(drafted)]]


_NONE = _Got(b"", layout.Laid(b"", (), (), {}, (), (), ()))  # no layout yet


@dataclass(frozen=True, slots=True)
class Handout:
    """A handout laid out, to be joined (`join`, in the build process: no worker needed)."""

    chapters: tuple[layout.Laid, ...]
    stamp: tuple[tuple[int, layout.Laid], ...]  # its chunks, each with its first page's index
    identifier: bytes
    opened: OpenedAhead = field(default_factory=OpenedAhead)  # some of them, opened ahead

    @property
    def laid(self) -> tuple[layout.Laid, ...]:
        """The layouts the handout is made of, in page order."""
        return (*self.chapters, *(laid for _, laid in self.stamp))

    def join(self, into: BinaryIO, dated: tuple[str, str] | None = None) -> None:
        """Write the handout `into` a file; `dated`: the date the cover was laid out with, and
        the handout's."""
        join(
            [laid.pdf for laid in self.chapters],
            [Stamp(laid.pdf, laid.numbered, first) for first, laid in self.stamp],
            self.identifier,
            [laid.fonts for laid in self.chapters],
            self.opened,
            dated,
            sum(len(laid.page_names) for laid in self.chapters),
            sum(laid.objects for laid in self.chapters),
            into=into,
        )


class _LookedUp(Mapping[str, str]):
    """The page numbers given to a render, noting what it looks up in them: another render
    given numbers that agree on all of it (`agrees`) makes the same HTML. A render that lists
    or counts them depends on them all."""

    __slots__ = ("_got", "_had", "_listed", "_numbers")

    def __init__(self, numbers: dict[str, str]) -> None:
        self._numbers = numbers
        self._got: dict[str, str | None] = {}  # a key's number as looked up (None: it has none)
        self._had: dict[object, bool] = {}  # whether a key has a number, as asked
        self._listed = False

    def __getitem__(self, key: str) -> str:
        value = self._got[key] = self._numbers.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        found = self._had[key] = key in self._numbers
        return found

    def __iter__(self) -> Iterator[str]:
        self._listed = True
        return iter(self._numbers)

    def __len__(self) -> int:
        self._listed = True
        return len(self._numbers)

    def agrees(self, numbers: dict[str, str]) -> bool:
        if self._listed:
            return numbers == self._numbers
        return all(numbers.get(k) == v for k, v in self._got.items()) and all(
            (k in numbers) == found for k, found in self._had.items()
        )


def _linked(html: str, chapter: str, where: Mapping[str, str]) -> str:
    """`html` with its links to anchors of other chapters pointing at `LINK_ORIGIN`."""

    def one(match: re.Match[str]) -> str:
        target = match[1]
        if where.get(target, chapter) == chapter or not _attribute(match):
            return match[0]
        return f'href="{LINK_ORIGIN}#{target}"'

    return _HREF.sub(one, html)


def _attribute(match: re.Match[str]) -> bool:
    """Whether `match` is an attribute: whitespace comes before it."""
    start = match.start()
    return start > 0 and match.string[start - 1].isspace()


def lay_out_handout(chapters: Sequence[Chapter], render: Render, layouts: Layouts) -> Handout:
    """Lay out (or reuse) every chapter, number them and stamp the page numbers."""
    drafts = {p.name: layouts.html(p.key, functools.partial(render, p.name, {})) for p in chapters}
    where: dict[str, str] = {}
    for p in chapters:
        for anchor in (m[1] for m in _ID.finditer(drafts[p.name]) if _attribute(m)):
            where.setdefault(anchor, p.name)
    by_part: dict[str, list[str]] = {p.name: [] for p in chapters}
    for anchor, chapter in where.items():
        by_part[chapter].append(anchor)
    known: dict[str, layout.Laid] = {}  # each chapter's latest layout, or its draft
    plain = [p for p in chapters if not p.numbered]
    numbered = [p for p in chapters if p.numbered]

    def pages(digit: str = "8") -> dict[str, str]:
        """Each anchor's page number; a placeholder as wide while a page count is unknown."""
        total = sum(len(laid.page_names) for laid in known.values())
        placeholder = digit * len(str(total + len(chapters)))
        start, numbers, unknown = 1, {}, False
        for p in chapters:
            here = known.get(p.name)
            for anchor in by_part[p.name]:
                if unknown or here is None:
                    numbers[anchor] = placeholder
                elif anchor in here.anchors:
                    numbers[anchor] = str(start + here.anchors[anchor])
            unknown = unknown or here is None
            start += len(here.page_names) if here is not None else 0
        return numbers

    made: dict[str, list[tuple[_LookedUp, str]]] = {p.name: [] for p in numbered}

    def rendered(p: Chapter, numbers: dict[str, str]) -> tuple[_LookedUp, str]:
        """A numbered chapter's HTML with `numbers`, and what its render looked up in them: it
        is rendered again only when a number it looked up changed (each round asks for it
        again, and for it with other placeholders, most of which it does not print)."""
        for looked, text in made[p.name]:
            if looked.agrees(numbers):
                return looked, text
        looked = _LookedUp(numbers)
        text = _linked(render(p.name, looked), p.name, where)
        made[p.name] = [*made[p.name][-1:], (looked, text)]
        return looked, text

    head = drafts[chapters[-1].name].split("<body", 1)[0]  # not the cover's: it has the date

    def stamps() -> list[tuple[int, str]]:
        names = [n for p in chapters for n in known[p.name].page_names]
        return stamp.stamps(head, names, layouts.files)

    got: dict[str, _Got] = {}
    # the first numbered chapter's page count moves every anchor after it: it is drafted with
    # the chapters that print no page number, so that those after it can be numbered
    lead = numbered[:1] if numbered and numbered[0] is not chapters[-1] else []
    numbers = pages()
    texts = [(_linked(drafts[p.name], p.name, where), layout.Margins.TEXT) for p in plain]
    # the chapters that print no page number are known by their layouts from here on: their
    # HTML (120 MiB at 800 modules) goes before workers are forked for the long layouts left
    drafts.clear()
    laid, sketched = layouts.get_and_draft(texts, [rendered(p, numbers)[1] for p in lead])
    del texts
    give_back()
    got.update(zip((p.name for p in plain), laid, strict=True))
    known.update((p.name, g.laid) for p, g in zip(plain, laid, strict=True))
    known.update(zip((p.name for p in lead), sketched, strict=True))
    for _ in range(_ROUNDS + len(numbered)):
        # Laid out side by side: the numbered chapters that print no placeholder (their HTML is
        # the same whatever digit stands for an unknown number) and whose numbers changed, and
        # the stamp once every chapter's pages are known (it holds if their counts do). When
        # none is ready, those not laid out yet are, to learn their page counts.
        numbers = pages()
        drawn = {p.name: rendered(p, numbers) for p in numbered}
        now = {name: text for name, (_, text) in drawn.items()}
        ready = numbered
        if len(known) < len(chapters):  # some numbers are placeholders
            unsure = pages("9")
            ready = [
                p
                for p in numbered
                if drawn[p.name][0].agrees(unsure) or now[p.name] == rendered(p, unsure)[1]
            ]
        fresh = [p for p in ready if got.get(p.name, _NONE).digest != _digest(now[p.name])]
        if not fresh:
            fresh = [p for p in numbered if p.name not in got]
            if not fresh:
                break
        wanted = [(now[p.name], layout.Margins.TEXT) for p in fresh]
        if len(known) == len(chapters):
            wanted += [(html, layout.Margins.NUMBERS) for _, html in stamps()]
        laid = layouts.get_many(wanted)
        got.update(zip((p.name for p in fresh), laid, strict=False))
        known.update((p.name, g.laid) for p, g in zip(fresh, laid, strict=False))
    ordered = [got[p.name] for p in chapters]
    chunks = stamps()
    stamped = layouts.get_many([(html, layout.Margins.NUMBERS) for _, html in chunks])
    identifier = hashlib.sha256(layouts.salt.encode())
    for g in (*ordered, *stamped):
        identifier.update(g.digest)
    return Handout(
        tuple(g.laid for g in ordered),
        tuple((first, g.laid) for (first, _), g in zip(chunks, stamped, strict=True)),
        identifier.hexdigest()[:32].encode(),
        layouts.opened,
    )
