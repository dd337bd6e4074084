"""The order in which the handout's chapters are laid out, and the page numbers they print.

`chapters.lay_out_handout` with the real `Layouts` and part store, but a stand-in for WeasyPrint:
each `<p>` of a chapter is one page, and an anchor is on the page of its paragraph. The joined
"PDF" is the chapters' HTML, so every page number a chapter prints can be checked against where
its anchor landed.
"""

from __future__ import annotations

import gc
import io
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from coursec.exporters.pdf import chapters as _chapters
from coursec.exporters.pdf import layout
from coursec.exporters.pdf.chapters import Chapter, Layouts, lay_out_handout
from coursec.exporters.pdf.fetch import BuildFetcher

HEAD = "<html><head><title>Demo</title></head>"
PAGE = re.compile(r'<p( id="([^"]+)")?>')
PRINTED = re.compile(r'href="[^"#]*#([^"]+)" data-page="([^"]*)"')


class Store:
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def get(self, key: str, /) -> bytes | None:
        return self.kept.get(key)

    def put(self, key: str, data: bytes, /) -> None:
        self.kept[key] = data


def name_of(html: str) -> str:
    found = PAGE.search(html)
    return found[2] if found and found[2] else "stamp"


@pytest.fixture
def laid_out(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Each `Layouts` call's layouts, by the id of each document's first paragraph ("draft:"
    for a draft); WeasyPrint and the join are stood in for."""
    calls: list[list[str]] = []

    def lay_out(job: tuple[str, Any, str, str]) -> bytes:
        html, _files, how, _key = job
        pages = PAGE.findall(html)
        anchors = {anchor: i for i, (_, anchor) in enumerate(pages) if anchor}
        names = tuple("page" for _ in pages)
        pdf = b"" if how == "draft" else html.encode()
        laid = layout.Laid(pdf, names, tuple(True for _ in pages), anchors, (), (), ())
        return laid.to_bytes()

    def jobs_map(
        job: Callable[[Any], bytes],
        items: Sequence[Any],
        shares: Sequence[float] = (),
        meanwhile: Callable[[Callable[[], bool]], object] | None = None,
    ) -> list[bytes]:
        calls.append(
            [("draft:" if item[2] == "draft" else "") + name_of(item[0]) for item in items]
        )
        made = [job(item) for item in items]
        if meanwhile is not None:
            meanwhile(lambda: False)
        return made

    monkeypatch.setattr(_chapters, "_lay_out", lay_out)

    def join(pdfs: Sequence[bytes], *_args: Any, into: io.BytesIO) -> None:
        into.write(b"\n".join(pdfs))

    monkeypatch.setattr(_chapters, "join", join)
    monkeypatch.setattr(_chapters.InProcess, "map", staticmethod(jobs_map))
    return calls


def chapter_html(body: str) -> str:
    return f"{HEAD}<body>{body}</body></html>"


def refs(numbers: Mapping[str, str], *anchors: str) -> str:
    return "".join(f'<a href="#{a}" data-page="{numbers.get(a, "")}">{a}</a>' for a in anchors)


def check_numbers(joined: bytes) -> None:
    """Every number printed is the page its anchor is on, in the joined chapters."""
    page, where, printed = 0, {}, []
    for html in joined.decode().split("\n"):
        for anchor in PAGE.findall(html):
            page += 1
            if anchor[1]:
                where[anchor[1]] = page
        printed += PRINTED.findall(html)
    assert printed
    assert all(int(number) == where[anchor] for anchor, number in printed), (printed, where)


def handout(render: Callable[[str, Mapping[str, str]], str], numbered: set[str]) -> bytes:
    names = ["cover", "contents", "m1", "m2", "glossary", "objectives"]
    chapters = [Chapter(name, numbered=name in numbered) for name in names]
    layouts = Layouts(BuildFetcher({}), Store(), "salt")
    into = io.BytesIO()
    lay_out_handout(chapters, render, layouts).join(into)
    return into.getvalue()


def test_the_contents_is_drafted_then_each_chapter_laid_out_once_its_numbers_are_known(
    laid_out: list[list[str]],
) -> None:
    def render(name: str, numbers: Mapping[str, str]) -> str:
        bodies = {
            "cover": '<p id="cover">',
            "contents": '<p id="contents"><p>'
            + refs(numbers, "m1", "m2", "glossary", "objectives"),
            "m1": '<p id="m1"><p><p id="term">',
            "m2": '<p id="m2"><p id="goal">',
            "glossary": '<p id="glossary"><p>' + refs(numbers, "term"),
            "objectives": '<p id="objectives">' + refs(numbers, "goal"),
        }
        return chapter_html(bodies[name])

    joined = handout(render, {"contents", "glossary", "objectives"})
    assert laid_out == [
        ["draft:contents", "cover", "m1", "m2"],  # the contents' page count moves all after it
        ["glossary", "objectives"],  # their numbers are known from the draft
        ["contents", "stamp"],  # every chapter's pages are known
    ]
    check_numbers(joined)


def test_chapters_that_wait_on_one_another_are_laid_out_until_their_numbers_hold(
    laid_out: list[list[str]],
) -> None:
    """The glossary prints a page of the objectives index, which follows it: that number waits
    on the glossary's own page count. Each one laid out with placeholders gives its count."""

    def render(name: str, numbers: Mapping[str, str]) -> str:
        bodies = {
            "cover": '<p id="cover">',
            "contents": '<p id="contents">' + refs(numbers, "m1", "glossary", "objectives"),
            "m1": '<p id="m1"><p id="term">',
            "m2": '<p id="m2">',
            "glossary": '<p id="glossary"><p>' + refs(numbers, "goal", "term"),
            "objectives": '<p id="objectives"><p id="goal">' + refs(numbers, "term"),
        }
        return chapter_html(bodies[name])

    joined = handout(render, {"contents", "glossary", "objectives"})
    assert laid_out == [
        ["draft:contents", "cover", "m1", "m2"],
        ["objectives"],  # the only one whose numbers are all known
        ["contents", "glossary"],  # none is ready: laid out to learn their page counts
        ["contents", "glossary", "stamp"],  # now with every number
    ]
    check_numbers(joined)


def test_a_handout_with_no_numbered_chapter_is_stamped_once_laid_out(
    laid_out: list[list[str]],
) -> None:
    def render(name: str, _numbers: Mapping[str, str]) -> str:
        return chapter_html(f'<p id="{name}">')

    joined = handout(render, set())
    assert laid_out == [["cover", "contents", "m1", "m2", "glossary", "objectives"], ["stamp"]]
    assert joined.count(b"<p id=") == 6


def test_a_chapter_is_rendered_again_only_when_a_number_it_looks_up_changes(
    laid_out: list[list[str]],
) -> None:
    """The glossary prints the pages of two terms, known once the contents is drafted: the
    later rounds change other numbers only. The objectives index lists every number it is
    given (as a template may): it is rendered again whenever any of them changes."""
    rendered: list[str] = []

    def render(name: str, numbers: Mapping[str, str]) -> str:
        rendered.append(name)
        bodies: dict[str, Callable[[], str]] = {  # each looks up only the numbers it prints
            "cover": lambda: '<p id="cover">',
            "contents": lambda: (
                '<p id="contents"><p>' + refs(numbers, "m1", "m2", "glossary", "objectives")
            ),
            "m1": lambda: '<p id="m1"><p><p id="term">',
            "m2": lambda: '<p id="m2"><p id="goal">',
            "glossary": lambda: '<p id="glossary"><p>' + refs(numbers, "term", "goal"),
            "objectives": lambda: (
                '<p id="objectives">'
                + "".join(f'<a href="#{a}" data-page="{n}">{a}</a>' for a, n in numbers.items())
            ),
        }
        return chapter_html(bodies[name]())

    joined = handout(render, {"contents", "glossary", "objectives"})
    counts = {name: rendered.count(name) for name in ("contents", "glossary", "objectives")}
    assert counts["glossary"] == 2  # its draft, then with the numbers it prints
    assert counts["objectives"] > 2  # rounds change numbers it lists
    check_numbers(joined)
    index = joined.split(b"\n")[-1]  # the objectives index: every anchor, with its page
    assert len(PRINTED.findall(index.decode())) == len(re.findall(r'\sid="', joined.decode()))


def test_what_a_render_looks_up_says_which_numbers_would_change_it() -> None:
    numbers = {"a": "1", "b": "2"}
    looked = _chapters._LookedUp(numbers)
    assert looked.get("a") == "1" and "c" not in looked and looked.get("d") is None
    assert looked.agrees({"a": "1", "b": "5"})  # b was never looked up
    assert not looked.agrees({"a": "3", "b": "2"})
    assert not looked.agrees({"a": "1", "c": "4"})  # c was asked for, and is there now
    assert not looked.agrees({"a": "1", "d": "4"})
    counted = _chapters._LookedUp(numbers)
    assert len(counted) == 2  # a render that counts (or lists) the numbers depends on them all
    assert counted.agrees(dict(numbers)) and not counted.agrees({"a": "1", "b": "5"})


def test_only_attributes_named_id_are_anchors(laid_out: list[list[str]]) -> None:
    """A `data-id` or `data-href` holds the same letters after a dash: no anchor, no link."""

    def render(name: str, numbers: Mapping[str, str]) -> str:
        bodies: dict[str, Callable[[], str]] = {
            "cover": lambda: '<p id="cover"><b data-id="goal"></b>',
            "contents": lambda: '<p id="contents"><p>' + refs(numbers, "m1", "m2"),
            "m1": lambda: '<p id="m1"><p><b data-href="#goal"></b>',
            "m2": lambda: '<p id="m2"><p id="goal">',
            "glossary": lambda: '<p id="glossary">' + refs(numbers, "goal"),
            "objectives": lambda: '<p id="objectives">',
        }
        return chapter_html(bodies[name]())

    joined = handout(render, {"contents", "glossary"})
    check_numbers(joined)
    assert b'<b data-href="#goal">' in joined  # a link to another chapter would point away
    assert re.search(rb'href="https://coursec.invalid/part-link#goal" data-page="\d+"', joined)


def holds_text(marker: str) -> bool:
    """Whether any object the collector tracks refers to a text containing `marker` (but for
    `marker` itself)."""
    return any(
        isinstance(ref, str) and marker in ref and ref != marker
        for held in gc.get_objects()
        for ref in gc.get_referents(held)
    )


def test_the_numbered_chapters_are_laid_out_once_the_others_html_is_let_go(
    laid_out: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long course's glossary and objectives index are laid out in workers forked afresh from
    the build process: by then it holds the layouts of the other chapters, not their HTML
    (120 MiB at 800 modules, shared with those workers)."""
    marker = f"A module's own words, {uuid.uuid4()}"  # in no source line (linecache holds some)
    spy = _chapters.InProcess.map  # the fixture's
    held: dict[str, bool] = {}

    def jobs_map(
        job: Callable[[Any], bytes], items: Sequence[Any], *args: Any, **kwargs: Any
    ) -> list[bytes]:
        for item in items:
            held.setdefault(name_of(item[0]), holds_text(marker))
        return spy(job, items, *args, **kwargs)

    monkeypatch.setattr(_chapters.InProcess, "map", staticmethod(jobs_map))

    def render(name: str, numbers: Mapping[str, str]) -> str:
        bodies = {
            "cover": '<p id="cover">',
            "contents": '<p id="contents"><p>' + refs(numbers, "m1", "m2"),
            "m1": f'<p id="m1">{marker}<p id="term">',
            "m2": '<p id="m2">',
            "glossary": '<p id="glossary"><p>' + refs(numbers, "term"),
            "objectives": '<p id="objectives">',
        }
        return chapter_html(bodies[name])

    check_numbers(handout(render, {"contents", "glossary"}))
    assert held["m1"]  # what is looked for is found while it is laid out
    assert held["glossary"] is False
