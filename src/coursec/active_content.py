"""Active content in a course's files: SVG and CSS cleaned, scripted downloads refused.

Every output serves the course's files from its own origin: the site's, and inside an LMS the
LMS's. A file that runs script there (an SVG with `<script>`, an HTML page offered as a
download) could act as the learner in the LMS, so:

* **SVG** is shipped without scripts, event handlers, `javascript:` URLs, `<foreignObject>`,
  elements of other XML vocabularies (an XHTML `<script>` runs inside SVG too), animations
  that rewrite links, entities, and references to anything but its own fragments or inline
  raster images. An SVG with nothing to remove is shipped byte for byte as it is.
* **CSS** is shipped without `@import` and `url()`s that leave the build (remote servers,
  `javascript:`, `data:` other than images), so pages make no request elsewhere.
* **Downloads** that a browser would run as a page or script (`.html`, `.js`, ...) are refused
  (CS310) unless `allow_scripted_downloads: true`; then each is a warning.

`check_files` reports what the outputs will leave out; `shipped_bytes` is what they carry.
lxml is imported only for a file that may need cleaning: `coursec check` stays light.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from coursec.codes import Code
from coursec.diagnostics import Diagnostic, Severity, Span
from coursec.files import read_bytes

if TYPE_CHECKING:
    from coursec.model import Module

SCRIPTED_SUFFIXES = frozenset(
    {".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".hta", ".js", ".mjs"}
    | {".xml", ".xsl", ".xslt", ".swf", ".svgz"}
)
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# Metadata vocabularies editors write into SVG (Inkscape, Illustrator): inert, kept.
_INERT_NS = frozenset(
    {
        SVG_NS,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://purl.org/dc/elements/1.1/",
        "http://creativecommons.org/ns#",
        "http://web.resource.org/cc/",
        "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
        "http://www.inkscape.org/namespaces/inkscape",
    }
)
_ACTIVE_ELEMENTS = frozenset({"script", "foreignObject", "handler", "listener", "iframe"})
_ANIMATIONS = frozenset({"set", "animate", "animateTransform", "animateMotion"})
_SAFE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);", re.IGNORECASE)

# Anything an SVG could need cleaned for. A file without any of these is shipped as it is,
# without parsing it; one with any is parsed and cleaned (false alarms only cost a parse).
_SVG_SUSPECT = re.compile(
    rb"script|foreignobject|<!entity|<!doctype[^>]*\[|<\?xml-stylesheet|&#|&[a-z]"
    rb"|@import|url\s*\(\s*['\"]?(?!#)|\bon[a-z]+\s*=|<set\b|<animate|handler|listener"
    rb"|href\s*=\s*['\"](?!#)|xmlns:(?!xlink\s*=\s*['\"]http://www\.w3\.org/1999/xlink['\"])"
    rb"|iframe",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(
    r"@import\s*(?:url\(\s*)?(['\"]?)([^'\")\s;]*)\1\s*\)?[^;]*;?", re.IGNORECASE
)


class SvgError(ValueError):
    """An SVG that is not well-formed XML: browsers show nothing for it."""


@dataclass(frozen=True, slots=True)
class Cleaned:
    data: bytes
    removed: tuple[str, ...]  # what was taken out, in words; () when `data` is the input


def _safe_reference(value: str, link: bool) -> bool:
    """A fragment of the same SVG, an inline raster image, or (for `<a>`) a web address."""
    value = re.sub(r"[\x00-\x20]", "", value)
    if link and re.match(r"(https?|mailto):", value, re.IGNORECASE):
        return True
    return value.startswith("#") or bool(_SAFE_DATA.match(value))


def _leaves(url: str) -> bool:
    """Whether a CSS URL is fetched from outside the build (or runs script)."""
    compact = re.sub(r"[\x00-\x20\\]", "", url).lower()
    scheme = re.match(r"^[a-z][a-z0-9+.-]*:", compact)
    return compact.startswith("//") or (scheme is not None and not _SAFE_DATA.match(compact))


def scrub_css(text: str) -> tuple[str, list[str]]:
    """CSS without the `@import`s and `url()`s that leave the build; and what went."""
    removed: list[str] = []

    def drop(match: re.Match[str], replacement: str) -> str:
        if not _leaves(match.group(2).strip()):
            return match.group(0)
        removed.append(match.group(0).strip())
        return replacement

    cleaned = _CSS_IMPORT.sub(lambda m: drop(m, ""), text)
    return _CSS_URL.sub(lambda m: drop(m, "none"), cleaned), removed


def clean_svg(data: bytes) -> Cleaned:
    """`data` without active content (module docstring); `SvgError` if it is not XML."""
    if not _SVG_SUSPECT.search(data):
        return Cleaned(data, ())
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SvgError(str(exc)) from exc
    if etree.QName(root).text != f"{{{SVG_NS}}}svg":
        raise SvgError("its root element is not <svg> in the SVG namespace")
    removed: list[str] = []
    before = root.getprevious()
    while before is not None:  # the prolog is not serialized again: say what goes with it
        if isinstance(before, etree._ProcessingInstruction):
            removed.append("a processing instruction")
        before = before.getprevious()
    for node in list(root.iter(etree.Entity, etree.ProcessingInstruction)):
        removed.append(
            "an entity" if isinstance(node, etree._Entity) else "a processing instruction"
        )
        _drop(node)
    stack = [root]
    while stack:
        element = stack.pop()
        if _clean_element(element, removed):
            stack.extend(reversed(list(element.iterchildren(etree.Element))))
    if not removed:
        return Cleaned(data, ())
    text = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Cleaned(text, tuple(dict.fromkeys(removed)))


def _drop(node: Any) -> None:
    """Remove `node`, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _clean_element(element: Any, removed: list[str]) -> bool:
    """Clean one element's attributes, or remove it (False)."""
    from lxml import etree

    name = etree.QName(element)
    if name.namespace not in _INERT_NS:
        removed.append(f"<{name.localname}> of another vocabulary ({name.namespace})")
        _drop(element)
        return False
    if name.localname in _ACTIVE_ELEMENTS:
        removed.append(f"<{name.localname}>")
        _drop(element)
        return False
    if name.localname in _ANIMATIONS and "href" in str(element.get("attributeName", "")):
        removed.append(f"<{name.localname}> changing a link")
        _drop(element)
        return False
    link = name.localname == "a"
    for attribute, value in list(element.attrib.items()):
        local = etree.QName(attribute).localname
        compact = re.sub(r"[\x00-\x20]", "", value).lower()
        if local.lower().startswith("on"):
            removed.append(f"the {local} event handler")
            del element.attrib[attribute]
        elif local == "href" and not _safe_reference(value, link):
            removed.append(f"a reference to {value[:80]}")
            del element.attrib[attribute]
        elif "javascript:" in compact or "vbscript:" in compact:
            removed.append(f"a script URL in {local}")
            del element.attrib[attribute]
        elif local == "style":
            cleaned, dropped = scrub_css(value)
            if dropped:
                removed.extend(f"{d} in a style" for d in dropped)
                element.set(attribute, cleaned)
    if name.localname == "style" and element.text:
        cleaned, dropped = scrub_css(element.text)
        if dropped:
            removed.extend(f"{d} in <style>" for d in dropped)
            element.text = cleaned
    return True


def shipped_bytes(path: Path) -> bytes:
    """The bytes every output carries for a course or theme file: SVG and CSS cleaned.

    An SVG that is not well-formed is shipped as it is (`check_files` made it an error).
    """
    data = read_bytes(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        try:
            return clean_svg(data).data
        except SvgError:
            return data
    if suffix == ".css":
        text = data.decode("utf-8", errors="surrogateescape")
        cleaned, removed = scrub_css(text)
        if removed:
            return cleaned.encode("utf-8", errors="surrogateescape")
    return data


def is_scripted(path: str) -> bool:
    return PurePosixPath(path.lower()).suffix in SCRIPTED_SUFFIXES


def check_files(
    modules: Iterable[Module], theme_dir: Path, allow_scripted: bool
) -> list[Diagnostic]:
    """What the outputs refuse or leave out of the course's files, as diagnostics."""
    found: list[Diagnostic] = []
    svgs: dict[Path, None] = {}
    for module in modules:
        for reference in module.body.references:
            dest = module.urls.get(reference.url, "")
            if not dest.startswith("media/"):
                continue
            span = Span(module.path, module.line_of(reference.line), reference.col)
            if is_scripted(dest.partition("#")[0]):
                found.append(_scripted(reference.url, span, allow_scripted))
        for asset in (*module.assets, *([module.hero] if module.hero else [])):
            if asset.source.suffix.lower() == ".svg":
                svgs[asset.source] = None
    for path in svgs:
        found.extend(_svg_diagnostics(path))
    if theme_dir.is_dir():
        for css in sorted(theme_dir.rglob("*.css")):
            found.extend(_css_diagnostics(css))
    return found


def _scripted(url: str, span: Span, allowed: bool) -> Diagnostic:
    if allowed:
        return Diagnostic(
            Severity.WARNING,
            Code.CS310,
            f'"{url}" runs as a page or script in the LMS (allowed by allow_scripted_downloads)',
            span,
            "anything it does, it does as the learner signed in to the LMS",
        )
    return Diagnostic(
        Severity.ERROR,
        Code.CS310,
        f'"{url}" would run as a page or script in the site and in the LMS',
        span,
        "offer it as a .zip or .txt, or set `allow_scripted_downloads: true` in course.yml "
        "if you trust it with the learner's LMS session",
    )


def _svg_diagnostics(path: Path) -> list[Diagnostic]:
    try:
        cleaned = clean_svg(read_bytes(path))
    except OSError:
        return []  # the loader reported why it cannot be read
    except SvgError as exc:
        return [
            Diagnostic(
                Severity.ERROR,
                Code.CS312,
                f"{path.name} is not a well-formed SVG: {exc}",
                Span(path, 0, 0),
                "open and save it again in an SVG editor; browsers show nothing for it",
            )
        ]
    if not cleaned.removed:
        return []
    return [
        Diagnostic(
            Severity.WARNING,
            Code.CS311,
            f"{path.name}: the outputs leave out " + _listing(cleaned.removed),
            Span(path, 0, 0),
            "images may not run script or load from elsewhere; remove these from the file",
        )
    ]


def _listing(items: tuple[str, ...] | list[str], shown: int = 5) -> str:
    more = len(items) - shown
    return "; ".join(items[:shown]) + (f"; and {more} more" if more > 0 else "")


def _css_diagnostics(path: Path) -> list[Diagnostic]:
    try:
        text = read_bytes(path).decode("utf-8", errors="replace")
    except OSError:
        return []
    _, removed = scrub_css(text)
    if not removed:
        return []
    return [
        Diagnostic(
            Severity.WARNING,
            Code.CS308,
            f"{path.name} loads from outside the course: " + _listing(removed, 3),
            Span(path, 0, 0),
            "the outputs leave it out; copy the file into the theme's static/ folder instead",
        )
    ]
