"""Module bodies as HTML: module-scoped ids, named scrolling regions, callouts, figures, where
each link's URL is written, and the colours of code."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from coursec.body_text import CALLOUT_LABELS, CALLOUT_TITLES, word
from coursec.i18n import ENGLISH
from coursec.markdown import parse_body, render_body
from coursec.markdown_rules import highlight_css, on_shared_page


def render(text: str, module_id: str = "mod", allow_html: bool = False) -> str:
    """The body as an English page shows it (its interface text worded: coursec.body_text)."""
    return word(render_body(parse_body(text, f"{module_id}-", allow_html), {}, allow_html), ENGLISH)


def ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


# --- ids -------------------------------------------------------------------------------------

FOOTNOTES = """\
## Notes

Once[^a], twice[^a] and another[^b].

[^a]: The first note.
[^b]: The second note.
"""


def test_footnote_ids_are_scoped_by_the_module() -> None:
    html = render(FOOTNOTES, "joins")
    assert ids(html) == [
        "joins-notes",
        "joins--fnref1",
        "joins--fnref1-1",
        "joins--fnref2",
        "joins--fn1",
        "joins--fn2",
    ]
    refs = ["joins--fn1", "joins--fn1", "joins--fn2"]
    backrefs = ["joins--fnref1", "joins--fnref1-1", "joins--fnref2"]
    assert re.findall(r'href="#([^"]+)"', html) == [*refs, *backrefs]
    assert 'aria-label="Back to reference 1"' in html


def test_two_modules_on_one_page_share_no_id() -> None:
    body = FOOTNOTES + "\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sql\nSELECT 1;\n```\n"
    body += "\n::: tip\nHi\n:::\n"
    first, second = render(body, "one"), render(body, "two")
    assert not set(ids(first)) & set(ids(second))
    assert len(ids(first + second)) == len(set(ids(first + second)))


def test_numbered_ids_never_clash_with_a_heading_slug() -> None:
    html = render("## Fn1\n\nText[^1].\n\n## Code 1\n\n```\nx\n```\n\n[^1]: Note.\n", "m")
    assert len(ids(html)) == len(set(ids(html)))
    assert {"m-fn1", "m--fn1", "m-code-1", "m--code-1"} <= set(ids(html))


# --- tables and code scroll in named, focusable regions ---------------------------------------

WIDE = """\
## Data

| order_id | line_no | ordered_at | customer_email | customer_name |
| --- | --- | --- | --- | --- |
| 100 | 1 | 2024-04-01 | ada@example.org | Ada Lovelace |

| Key | Value |
| --- | --- |
| a | 1 |

```sql
SELECT 1;
```

```python
print("hi")
```

```text
plain words
```

    indented code

```nosuchlanguage
whatever
```
"""


def regions(html: str) -> list[tuple[str, str, str]]:
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    found = []
    for div in root.iter("div"):
        if div.get("role") == "region":
            assert div.get("tabindex") == "0"
            inner = div[0].tag
            found.append((str(div.get("id")), str(div.get("aria-label")), inner))
    return found


def test_tables_and_code_blocks_scroll_in_named_focusable_regions() -> None:
    assert regions(render(WIDE, "orders")) == [
        ("orders--table-1", "Table 1: order_id, line_no, ordered_at and 2 more columns", "table"),
        ("orders--table-2", "Table 2: Key, Value", "table"),
        ("orders--code-1", "Code 1: SQL", "pre"),
        ("orders--code-2", "Code 2: Python", "pre"),
        ("orders--code-3", "Code 3", "pre"),
        ("orders--code-4", "Code 4", "pre"),
        ("orders--code-5", "Code 5: nosuchlanguage", "pre"),
    ]


def test_on_a_shared_page_a_region_is_also_named_by_its_module() -> None:
    html = render(WIDE, "orders") + render(WIDE, "customers")
    shared = on_shared_page(on_shared_page(html, "orders"), "customers")
    labelled = re.findall(r'id="([^"]+)" role="region"[^>]*aria-labelledby="([^"]+)"', shared)
    assert len(labelled) == 14
    for rid, names in labelled:
        module = rid.partition("--")[0]
        assert names == f"{rid} {module}-title"  # its own label, then its module's title
    assert on_shared_page(html, "other") == html


def test_sanitizer_keeps_coursecs_roles_and_nothing_else() -> None:
    raw = (
        '<div role="banner" tabindex="3" aria-label="x">a</div>\n\n'
        '<div role="region" tabindex="0">b</div>\n\n<aside role="alert">c</aside>\n'
    )
    html = render(raw, allow_html=True)
    assert 'role="banner"' not in html and 'tabindex="3"' not in html
    assert 'role="alert"' not in html
    assert '<div role="region" tabindex="0">b</div>' in html


# --- callouts --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(CALLOUT_TITLES))
def test_a_callout_is_a_note_named_with_its_kind(kind: str) -> None:
    html = render(f"::: {kind}\nBody.\n:::\n\n::: {kind} Own title\nBody.\n:::\n", "m")
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    default, titled = root.findall(".//aside")
    for aside, name in (
        (default, CALLOUT_TITLES[kind]),
        (titled, f"{CALLOUT_LABELS[kind]}: Own title"),
    ):
        assert aside.get("role") == "note"
        assert aside.get("class") == f"cs-callout cs-callout--{kind}"
        [title] = root.xpath(f'//*[@id="{aside.get("aria-labelledby")}"]')
        assert title.getparent() is aside
        text = " ".join(title.text_content().split())
        assert text == name
        assert CALLOUT_LABELS[kind].lower() in text.lower()
    assert default.get("aria-labelledby") == "m--callout-1"
    assert titled.get("aria-labelledby") == "m--callout-2"


def test_an_unknown_callout_kind_still_renders_as_a_note() -> None:
    html = render("::: caution Mind the gap\nBody.\n:::\n")
    assert 'class="cs-callout cs-callout--note"' in html
    assert "Note:</span> Mind the gap" in html


def test_a_callout_title_is_text_not_markup() -> None:
    html = render("::: warning <b>Bold</b> & co\nBody.\n:::\n")
    assert "Warning:</span> &lt;b&gt;Bold&lt;/b&gt; &amp; co</p>" in html


# --- figures ---------------------------------------------------------------------------------


def test_a_titled_image_alone_in_its_paragraph_is_a_captioned_figure() -> None:
    html = render('Text.\n\n![A diagram](d.svg "Figure 1: How it works.")\n\nMore.\n')
    assert (
        '<figure class="cs-figure"><img src="d.svg" alt="A diagram">'
        "<figcaption>Figure 1: How it works.</figcaption>\n</figure>"
    ) in html
    assert 'title="' not in html  # the caption is said once, not again as a tooltip


@pytest.mark.parametrize(
    "text",
    [
        "![A diagram](d.svg)\n",  # no title: no caption
        'See ![A diagram](d.svg "Caption") here.\n',  # not alone in its paragraph
        '- ![A diagram](d.svg "Caption")\n',  # a list item
    ],
)
def test_other_images_stay_images(text: str) -> None:
    html = render(text)
    assert "<figure" not in html and "<img" in html


def test_a_figure_caption_is_escaped_text() -> None:
    html = render('![A](d.svg "<script>x</script> & *not emphasis*")\n')
    assert "<figcaption>&lt;script&gt;x&lt;/script&gt; &amp; *not emphasis*</figcaption>" in html


def test_a_figures_image_is_still_a_reference() -> None:
    body = parse_body('## S\n\n![A diagram](../assets/d.svg "Caption")\n', "m-", False)
    [ref] = body.references
    assert (ref.kind, ref.url, ref.alt, ref.line, ref.col) == (
        "image",
        "../assets/d.svg",
        "A diagram",
        3,
        14,
    )
    rendered = render_body(body, {"../assets/d.svg": "media/assets/d.svg"}, False)
    assert '<img src="media/assets/d.svg" alt="A diagram"><figcaption>Caption' in rendered


# --- where each URL is written ---------------------------------------------------------------


def test_references_point_at_their_url() -> None:
    text = (
        "Intro line.\n"
        "See [a](#x) and [b](#x), then [x.md](x.md).\n"
        "A [link whose words\n"
        "wrap](y.md#part) and ![img](<my file.png>).\n"
        "\n"
        "| a | b |\n"
        "|---|---|\n"
        "| [c](z.md) | ok |\n"
    )
    refs = parse_body(text, "m-", False).references
    assert [(r.url, r.line, r.col) for r in refs] == [
        ("#x", 2, 9),
        ("#x", 2, 21),  # the second of two equal URLs on a line
        ("x.md", 2, 38),  # the URL, not the same words in the link's text
        ("y.md#part", 4, 7),  # the line the URL is on
        ("my%20file.png", 4, 30),  # found as written, before percent-encoding
        ("z.md", 8, 7),
    ]


def test_raw_html_images_are_located_too() -> None:
    text = 'Look: <img src="pic.png" alt="A picture"> here.\n'
    [ref] = parse_body(text, "m-", True).references
    assert (ref.url, ref.line, ref.col) == ("pic.png", 1, 17)


# --- code colours ----------------------------------------------------------------------------


def test_dark_code_colours_first_undo_the_light_ones() -> None:
    light, dark = highlight_css(), highlight_css(dark=True)
    assert ".cs-code .k { color:" in light
    first, *others = dark.splitlines()
    assert first.startswith(":root .cs-code [class] { color: inherit;")
    # more specific than the light rules, wherever the two stylesheets are linked
    assert ":root .cs-code .k { color:" in dark
    assert not any(line.startswith(".cs-code") for line in others)
    assert ".cs-code {" not in light and ":root .cs-code {" not in dark  # the theme's background


def test_a_heading_may_set_its_section_id() -> None:
    """`## Titre {#slug}` (what a translated course writes): the section keeps its id, and
    `{#slug}` is not part of the heading's words."""
    body = parse_body(
        "## Convergence instrumentale {#instrumental-convergence}\n\nTexte.\n", "m-", False
    )
    assert [(s.id, s.title) for s in body.sections] == [
        ("m-instrumental-convergence", "Convergence instrumentale")
    ]
    html = render_body(body, {}, False)
    assert "<h2>Convergence instrumentale</h2>" in html and "{#" not in html
    plain = parse_body("## Sizes {#not an id}\n", "m-", False)
    assert plain.sections[0].title == "Sizes {#not an id}"
