"""Module bodies: where each link's and image's URL is written, so diagnostics point at it;
the colours of code."""

from __future__ import annotations

from coursec.markdown import highlight_css, parse_body

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
    assert light != dark
    assert dark.splitlines()[0].startswith(".cs-code [class] { color: inherit;")
    assert ".cs-code {" not in light and ".cs-code {" not in dark  # the theme sets the background
