"""SVG for the PDF: what a browser draws, written the way WeasyPrint's SVG renderer reads it.

WeasyPrint 70 draws SVG itself and reads presentation attributes well, but CSS only in part,
and text is what suffers:
- the `font` shorthand only as "<size> <family>": `font: bold 14px sans-serif` takes "bold"
  for the size, and the text is not drawn;
- font sizes it cannot read (`large`, `smaller`, `initial`, `calc()`) as 0: invisible text;
- `font-weight: bolder` and `lighter` as normal; with `font-style: oblique 10deg` the whole
  image is left out;
- no rule inside `@media`, no custom property (`var()`), no `initial` or `unset`.

`printable_svg` resolves the cascade at build time the way a browser does (presentation
attributes, then `<style>` rules by specificity and order, then `style` attributes, then
`!important`; `@media` as for print; custom properties) and writes the result as presentation
attributes with values WeasyPrint reads. What it cannot make WeasyPrint draw is reported
(`Printable.lost`), never dropped silently. Only the PDF is served this form: the HTML outputs
ship the SVG as the author wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import cssselect2
import tinycss2
from lxml import etree
from tinycss2.ast import FunctionBlock

from coursec.active_content import SVG_NS

_SVG = f"{{{SVG_NS}}}"
_TEXT = frozenset({"text", "tspan", "textPath", "a"})
_FONT_STYLES = frozenset({"normal", "italic", "oblique"})
_FONT_STRETCH = frozenset(
    {"ultra-condensed", "extra-condensed", "condensed", "semi-condensed", "semi-expanded"}
    | {"expanded", "extra-expanded", "ultra-expanded"}
)
# CSS Fonts 4 absolute sizes (medium = 16px); relative sizes scale by 1.2
_FONT_SIZES = {
    "xx-small": "9px",
    "x-small": "10px",
    "small": "13px",
    "medium": "16px",
    "large": "18px",
    "x-large": "24px",
    "xx-large": "32px",
    "xxx-large": "48px",
    "smaller": "0.8333em",
    "larger": "1.2em",
}
_SYSTEM_FONTS = frozenset({"caption", "icon", "menu", "message-box", "small-caption", "status-bar"})
# What WeasyPrint's `size()` reads: a number with one of these units (lower case), or none.
_READABLE_SIZE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(px|pt|pc|in|cm|mm|q|em|rem|ex|%)?")
# Initial values of the properties that matter for drawing; `initial` elsewhere means "unset".
_INITIAL = {
    "fill": "black",
    "stroke": "none",
    "font-size": "16px",
    "font-weight": "400",
    "font-style": "normal",
    "text-anchor": "start",
    "visibility": "visible",
    "display": "inline",
    "opacity": "1",
    "fill-opacity": "1",
    "stroke-opacity": "1",
}
_CSS_WIDE = frozenset({"initial", "unset", "revert", "revert-layer"})
_MEDIA_FEATURES_IN_PRINT = frozenset({"prefers-color-scheme:light", "color"})
# Presentation attributes WeasyPrint misreads; the others it reads as a browser does.
_FONT = frozenset({"font", "font-size", "font-weight", "font-style"})
# A property name that may become an attribute (never an event handler or a link).
_PROPERTY = re.compile(r"(?!on)(?!href$)[a-z][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class Printable:
    data: bytes
    lost: tuple[str, ...]  # what the PDF still cannot draw as a browser does, in words


@dataclass(slots=True)
class _Declaration:
    name: str
    value: str


@dataclass(slots=True)
class _Cascade:
    """The rules of the SVG's `<style>` elements, and what resolving them found."""

    normal: cssselect2.Matcher = field(default_factory=cssselect2.Matcher)
    important: cssselect2.Matcher = field(default_factory=cssselect2.Matcher)
    kept: list[str] = field(default_factory=list)  # at-rules left to WeasyPrint (@font-face)
    lost: list[str] = field(default_factory=list)
    changed: bool = False


def printable_svg(data: bytes) -> Printable:
    """`data` with its styling resolved into attributes; unchanged when nothing needs it."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return Printable(data, ())  # the loader reports it (CS312)
    if root.tag != f"{_SVG}svg":
        return Printable(data, ())
    cascade = _Cascade()
    for style in list(root.iter(f"{_SVG}style")):
        if style.get("type", "text/css").strip().lower() == "text/css":
            _add_rules(cascade, style.text or "")
        style.getparent().remove(style)
        cascade.changed = True
    if cascade.kept:
        kept = etree.Element(f"{_SVG}style")
        kept.text = "\n".join(cascade.kept)
        root.insert(0, kept)
    wrapper = cssselect2.ElementWrapper.from_xml_root(root)
    _resolve(wrapper, cascade, _Inherited({}, 400.0, "none"))
    if not cascade.changed:
        return Printable(data, tuple(dict.fromkeys(cascade.lost)))
    text = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Printable(text, tuple(dict.fromkeys(cascade.lost)))


# --- the style sheet -------------------------------------------------------------------------


def _add_rules(cascade: _Cascade, css: str) -> None:
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    for rule in _applicable(rules, cascade):
        normal, important = _declarations(rule.content)
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:
            continue  # a browser drops the rule too
        for selector in selectors:
            if selector.pseudo_element is not None or selector.never_matches:
                continue  # :hover, ::before ... draw nothing on paper
            if normal:
                cascade.normal.add_selector(selector, normal)
            if important:
                cascade.important.add_selector(selector, important)


def _applicable(rules: list[Any], cascade: _Cascade) -> Iterator[Any]:
    """The qualified rules that apply in print, `@media` blocks opened."""
    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media":
            if _in_print(rule.prelude) and rule.content is not None:
                inner = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                yield from _applicable(inner, cascade)
        elif rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            cascade.kept.append(tinycss2.serialize([rule]))


def _in_print(prelude: list[Any]) -> bool:
    """Whether a media query list matches a printed page (unknown features do not)."""
    queries: list[list[Any]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            queries.append([])
        elif token.type not in ("whitespace", "comment"):
            queries[-1].append(token)
    return any(_query_in_print(query) for query in queries)


def _query_in_print(tokens: list[Any]) -> bool:
    words = [t.lower_value for t in tokens if t.type == "ident"]
    if "not" in words or ("screen" in words and "print" not in words):
        return False
    if any(w not in ("only", "all", "print", "and") for w in words):
        return False
    for block in (t for t in tokens if t.type == "() block"):
        feature = "".join(tinycss2.serialize(block.content).split()).lower()
        if feature not in _MEDIA_FEATURES_IN_PRINT:
            return False
    return bool(tokens)


def _declarations(content: list[Any] | str) -> tuple[list[_Declaration], list[_Declaration]]:
    normal: list[_Declaration] = []
    important: list[_Declaration] = []
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration":
            continue
        value = tinycss2.serialize(item.value).strip()
        name = item.name if item.name.startswith("--") else item.lower_name
        (important if item.important else normal).append(_Declaration(name, value))
    return normal, important


# --- resolving each element ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Inherited:
    custom: Mapping[str, str]  # custom properties (`--name`)
    weight: float  # the computed font weight, for `bolder` and `lighter`
    decoration: str  # text-decoration, which reaches the text of descendants


def _resolve(wrapper: Any, cascade: _Cascade, inherited: _Inherited) -> None:
    """Write the element's resolved styling as attributes, then do its children."""
    element = wrapper.etree_element
    if not isinstance(element.tag, str) or not element.tag.startswith(_SVG):
        return  # another vocabulary's metadata (Inkscape, RDF): not drawn
    # presentation attributes come first: the ones WeasyPrint misreads are read again here
    declarations = [
        _Declaration(name, value) for name, value in element.attrib.items() if name in _FONT
    ]
    css = [d for match in cascade.normal.match(wrapper) for d in match[3]]
    style = element.get("style")
    inline_normal, inline_important = _declarations(style) if style else ([], [])
    css += inline_normal
    css += [d for match in cascade.important.match(wrapper) for d in match[3]]
    css += inline_important
    declarations += [d for d in css if _PROPERTY.fullmatch(d.name) or d.name.startswith("--")]
    if style is not None:
        del element.attrib["style"]
        cascade.changed = True

    custom = dict(inherited.custom)
    custom.update((d.name, d.value) for d in declarations if d.name.startswith("--"))
    resolved: dict[str, str | None] = {}  # None: no attribute, the value is inherited
    for d in declarations:
        if d.name.startswith("--"):
            continue
        value = _substitute(d.value, custom) if "var(" in d.value.lower() else d.value
        if d.name == "font":
            resolved.update((_font_longhands(value) if value is not None else None) or {})
        else:
            resolved[d.name] = value  # None: invalid at computed-value time, as `unset`
    resolved.pop("font", None)
    if "font" in element.attrib:
        del element.attrib["font"]  # WeasyPrint reads this attribute only as "<size> <family>"
        cascade.changed = True
    for name, value in resolved.items():
        final = _readable(name, value, inherited.weight, cascade)
        if final == element.get(name):
            continue
        cascade.changed = True
        if final is None:
            element.attrib.pop(name, None)
        else:
            element.set(name, final)

    weight = inherited.weight
    if element.get("font-weight") is not None:
        weight = _weight_number(element.get("font-weight", ""), inherited.weight)
    decoration = element.get("text-decoration", "").strip().lower() or inherited.decoration
    local = element.tag[len(_SVG) :]
    if local in _TEXT and decoration != "none" and (element.text or "").strip():
        cascade.lost.append(f'text with text-decoration "{decoration}" is printed without it')
    passed = _Inherited(custom, weight, decoration)
    for child in wrapper.iter_children():
        _resolve(child, cascade, passed)


def _readable(name: str, value: str | None, parent_weight: float, cascade: _Cascade) -> str | None:
    """`value` as WeasyPrint reads it for property `name`; None for no attribute (inherit)."""
    if value is None:
        return None
    keyword = value.strip().lower()
    if keyword in _CSS_WIDE:
        return _INITIAL.get(name) if keyword == "initial" else None
    if name == "font-size":
        if keyword in _FONT_SIZES:
            return _FONT_SIZES[keyword]
        if keyword == "inherit" or _READABLE_SIZE.fullmatch(keyword):
            return keyword
        cascade.lost.append(f'text with font-size "{value}" is printed at the size it inherits')
        return None
    if name == "font-weight" and keyword in ("bolder", "lighter"):
        return str(int(_weight_number(keyword, parent_weight)))
    if name == "font-style":
        first = keyword.split()[0] if keyword else "normal"
        return first if first in _FONT_STYLES or first == "inherit" else "normal"
    return value


def _weight_number(value: str, parent: float) -> float:
    """A font weight as a number; `bolder` and `lighter` relative to the parent's."""
    keyword = value.strip().lower()
    if keyword == "bold":
        return 700.0
    if keyword == "bolder":
        return 400.0 if parent < 350 else 700.0 if parent < 550 else 900.0
    if keyword == "lighter":
        return 100.0 if parent < 550 else 400.0 if parent < 750 else 700.0
    if keyword == "inherit":
        return parent
    try:
        return float(keyword)
    except ValueError:
        return 400.0


def _font_longhands(value: str) -> dict[str, str | None] | None:
    """The `font` shorthand as its longhands, or None when it is not valid (then ignored)."""
    every = tinycss2.parse_component_value_list(value, skip_comments=True)
    tokens = [(n, t) for n, t in enumerate(every) if t.type != "whitespace"]
    if len(tokens) == 1 and getattr(tokens[0][1], "lower_value", None) in _SYSTEM_FONTS:
        return {"font-style": "normal", "font-weight": "400", "font-size": "13px",
                "font-family": "sans-serif"}  # fmt: skip
    longhands: dict[str, str | None] = {"font-style": "normal", "font-weight": "400"}
    i = keywords = 0
    while i < len(tokens) and keywords < 4:  # style, variant, weight, stretch: any order
        token = tokens[i][1]
        word = token.lower_value if token.type == "ident" else None
        if word in _FONT_STYLES:
            longhands["font-style"] = word
            if word == "oblique" and i + 1 < len(tokens) and tokens[i + 1][1].type == "dimension":
                i += 1  # the angle of `oblique 10deg`
        elif word in ("bold", "bolder", "lighter"):
            longhands["font-weight"] = word
        elif token.type == "number" and 1 <= token.value <= 1000:
            longhands["font-weight"] = token.representation
        elif word != "normal" and word != "small-caps" and word not in _FONT_STRETCH:
            break  # (`normal`, small caps and stretch are drawn alike by WeasyPrint)
        i += 1
        keywords += 1
    if i >= len(tokens):
        return None
    size = tokens[i][1]
    if size.type == "ident" and size.lower_value in _FONT_SIZES:
        longhands["font-size"] = size.lower_value
    elif size.type in ("dimension", "percentage", "function"):
        longhands["font-size"] = tinycss2.serialize([size])
    else:
        return None
    i += 1
    if i < len(tokens) and tokens[i][1] == "/":
        i += 2  # the line height: nothing to do in SVG
    family = tinycss2.serialize(every[tokens[i][0] :]).strip() if i < len(tokens) else ""
    if not family:
        return None
    longhands["font-family"] = family
    return longhands


def _substitute(value: str, custom: Mapping[str, str]) -> str | None:
    """`value` with every `var(--name, fallback)` replaced; None if one cannot be (a missing
    property without fallback, or properties that refer to each other in a loop)."""

    def walk(tokens: list[Any], seen: frozenset[str]) -> list[Any] | None:
        out: list[Any] = []
        for token in tokens:
            if token.type != "function":
                out.append(token)
                continue
            if token.lower_name != "var":
                inner = walk(token.arguments, seen)
                if inner is None:
                    return None
                out.append(FunctionBlock(token.source_line, token.source_column, token.name, inner))
                continue
            args = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
            if not args or args[0].type != "ident" or args[0].value in seen:
                return None
            name = args[0].value
            commas = [n for n, t in enumerate(token.arguments) if t == ","]
            if name in custom:
                replaced = walk(tinycss2.parse_component_value_list(custom[name]), seen | {name})
            elif commas:
                replaced = walk(token.arguments[commas[0] + 1 :], seen)
            else:
                return None
            if replaced is None:
                return None
            out += replaced
        return out

    result = walk(tinycss2.parse_component_value_list(value), frozenset())
    return None if result is None else tinycss2.serialize(result).strip()
