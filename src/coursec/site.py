"""Course pages from the theme: shared by the HTML site and the SCORM packages.

Every page sits at the output root (`index.html`, `<module-id>.html`, ...), beside `static/`
and `media/`, so one rendering of a module body is valid in every output, except for its links
to other modules, which `packaged_body` rewrites for the page's packaging.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from coursec import __version__
from coursec.active_content import shipped_bytes
from coursec.i18n import N_, course_interfaces
from coursec.markdown_rules import on_shared_page
from coursec.output import OutputFile
from coursec.plan import BuildPlan, RenderedModule
from coursec.quiz import quiz_view
from coursec.render import MODULE_ATTRIBUTE

if TYPE_CHECKING:
    from coursec.export import PartStore


SCORM_RUNTIME = "static/coursec-scorm.js"  # only LMS pages load it (SCORM, and cmi5 AUs)
CMI5_RUNTIME = "static/coursec-cmi5.js"  # only cmi5 AUs load it, before the SCORM runtime
LMS_RUNTIMES = (SCORM_RUNTIME, CMI5_RUNTIME)


@dataclass(frozen=True, slots=True)
class PageMode:
    """Where pages will be shown: the plain site (the default), or packaged for an LMS.

    A packaged page has no course home, glossary or objectives page to link to. `one_page`: the
    whole course is one page (a single-SCO package); otherwise each module is a page of its
    own, which never links to another module's (the LMS launches each). `choice`: the package's
    runtime may ask the LMS to open another module (SCORM 2004's navigation requests), so a
    mention of another module carries what it needs for that. `knowledge_checks`: a module's
    knowledge check is on its page; off where the LMS gives it as a quiz of its own (a Common
    Cartridge's QTI assessment).
    """

    packaged: bool = False
    one_page: bool = False
    choice: bool = False
    knowledge_checks: bool = True


SCORM_MESSAGES: dict[str, str] = {
    "noLms": N_(
        "Progress is not being saved: this page was opened outside a learning platform (LMS)."
    ),
    "noConnect": N_(
        "Progress is not being saved: the learning platform did not accept the connection."
    ),
    "restored": N_(
        "This page was restored from the browser's history; reload it to keep saving progress."
    ),
    "useLms": N_(
        "Your learning platform did not accept that move: use its own navigation (its Next or "
        "Previous button, or its course menu)."
    ),
    "leaving": N_(
        "Your progress is saved. Your learning platform is opening the module you chose."
    ),
    "welcome": N_("Welcome back. You were last reading: %(title)s."),
    "section": N_("section %(n)s"),
    "resume": N_("Resume"),
    "restart": N_("Start from the beginning"),
    "resumeLabel": N_("Resume where you left off"),
}
"""What the SCORM runtime (static/coursec-scorm.js) says: the page's `#coursec-text`."""

CMI5_MESSAGES: dict[str, str] = {
    "cmi5Exit": N_("Exit"),
    "cmi5Reused": N_(
        "This page was already opened and closed in this session: open it again from your "
        "learning platform to keep saving progress."
    ),
}
"""What the cmi5 runtime (static/coursec-cmi5.js) says: in the same `#coursec-text`, which
every page with an SCO carries (a cmi5 AU's page is one)."""

RUNTIME_MESSAGES = {**SCORM_MESSAGES, **CMI5_MESSAGES}


def _common(plan: BuildPlan, mode: PageMode, lang: str | None = None) -> dict[str, Any]:
    """What every page shows; `lang`: the page's language when not the course's."""
    words = course_interfaces(plan.course).get(lang)
    return {
        "course": plan.course,
        "spec": plan.course.spec,
        "mode": mode,
        "generator": f"coursec {__version__}",
        "lang": words.tag,
        "course_lang": plan.course.spec.language,
        "runtime_text": words.runtime_json(RUNTIME_MESSAGES) if mode.packaged else None,
    }


# A marked link to another module (coursec.render): the attributes before the marker are
# markdown-it's href alone, those after it (a title) are kept.
_MODULE_LINK = re.compile(
    rf'<a href="([^"]*)" {MODULE_ATTRIBUTE}="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL
)
CHOICE_ATTRIBUTE = "data-coursec-choice"  # a mention the SCORM 2004 runtime may make a choice


def packaged_body(html: str, mode: PageMode, here: str | None) -> str:
    """The body with its links to other modules rewritten for where the page is shown.

    The site keeps page links. The single page of a single-SCO package links to the module's
    place on that page. A SCO of a multi-SCO package never links to another SCO (the frame
    would leave the LMS's control): such a link becomes a plain mention, which the SCORM 2004
    runtime turns into an LMS navigation request where the LMS allows it. A link to a module
    that is not published leads to the course home on the site and is a mention in a package.
    `here` is the module a multi-SCO page shows.
    """

    def rewrite(match: re.Match[str]) -> str:
        href, target, rest, inner = match.groups()
        if not mode.packaged:
            return f'<a href="{href}"{rest}>{inner}</a>'
        if target and (mode.one_page or target == here):
            fragment = href.partition("#")[2] or f"{target}-title"
            return f'<a href="#{fragment}"{rest}>{inner}</a>'
        choice = f' {CHOICE_ATTRIBUTE}="{target}"' if target and mode.choice else ""
        return f'<span class="cs-xref"{choice}{rest}>{inner}</span>'

    return _MODULE_LINK.sub(rewrite, html)


def linked_modules(html: str) -> set[str]:
    """The ids of the modules a rendered body links to: those its packaged page may mention."""
    return {target for _, target, _, _ in _MODULE_LINK.findall(html) if target}


def module_context(
    plan: BuildPlan, rendered: RenderedModule, mode: PageMode, here: str | None = None
) -> dict[str, Any]:
    course, module = plan.course, rendered.module
    return {
        "module": module,
        "module_lang": course.language_of(module),
        "body": packaged_body(rendered.html, mode, here),
        "number": course.number(module),
        "next_module": course.next_module(module),
        "previous_module": course.previous_module(module),
        "quiz": quiz_view(course, module) if mode.knowledge_checks else None,
    }


def _shared_page_context(
    plan: BuildPlan, rendered: RenderedModule, mode: PageMode
) -> dict[str, Any]:
    """`module_context` for the one page that holds every module (the single SCO): the body's
    region names say which module they belong to."""
    context = module_context(plan, rendered, mode)
    context["body"] = on_shared_page(context["body"], rendered.module.id)
    return context


def _page(
    parts: PartStore | None, path: str, key: list[Any], render: Callable[[], str]
) -> OutputFile:
    """A page from the part store when one was made from the same material, else rendered.

    `key` lists what the page shows beyond `plan.outline` and what every build shares (theme,
    options, course.yml, coursec itself: the store's part of the key).
    """
    if parts is None:
        return OutputFile(path, render().encode())
    material = json.dumps(key, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(material.encode()).hexdigest()
    data = parts.get(digest)
    if data is None:
        data = render().encode()
    parts.put(digest, data)
    return OutputFile(path, data, parts.file(digest))


def render_module_page(
    plan: BuildPlan,
    rendered: RenderedModule,
    mode: PageMode,
    sco: dict[str, Any] | None = None,
    parts: PartStore | None = None,
    runtimes: tuple[str, ...] = (SCORM_RUNTIME,),
) -> OutputFile:
    """A module's page; with `sco` (its runtime settings), loading the scripts `runtimes`, in
    that order (a cmi5 AU: the cmi5 runtime, then the SCORM runtime it serves)."""
    sco_json = json.dumps(sco, ensure_ascii=False, sort_keys=True) if sco else None
    key: list[Any] = [
        "module",
        plan.outline,
        asdict(mode),
        rendered.module.id,
        rendered.html_sha256,
        sco_json,
    ]
    if runtimes != (SCORM_RUNTIME,):
        key.append(list(runtimes))

    def render() -> str:  # only for a page the part store does not hold
        context = module_context(plan, rendered, mode, rendered.module.id)
        return plan.theme.render(
            "module.html.j2",
            **_common(plan, mode, context["module_lang"]),
            **context,
            sco_json=sco_json,
            runtime_scripts=list(runtimes),
        )

    return _page(parts, rendered.module.page, key, render)


def render_course_page(
    plan: BuildPlan, mode: PageMode, sco: dict[str, Any], parts: PartStore | None = None
) -> OutputFile:
    """The whole course on one page: the launch file of a single-SCO package."""
    sco_json = json.dumps(sco, ensure_ascii=False, sort_keys=True)
    bodies = [r.html_sha256 for r in plan.modules]
    return _page(
        parts,
        "course.html",
        ["course", plan.outline, asdict(mode), bodies, sco_json],
        lambda: plan.theme.render(
            "course.html.j2",
            **_common(plan, mode),
            modules=[_shared_page_context(plan, r, mode) for r in plan.modules],
            sco_json=sco_json,
        ),
    )


def render_index_pages(
    plan: BuildPlan, mode: PageMode, parts: PartStore | None = None
) -> list[OutputFile]:
    """Course home, glossary and objectives index."""
    common = _common(plan, mode)

    def glossary() -> str:
        terms = [(m, t) for m in plan.course.published_modules for t in m.key_terms]
        terms.sort(key=lambda mt: mt[1].label.casefold())
        return plan.theme.render("glossary.html.j2", **common, terms=terms)

    pages: list[tuple[str, Callable[[], str]]] = [
        ("index.html", lambda: plan.theme.render("index.html.j2", **common)),
        ("glossary.html", glossary),
        ("objectives.html", lambda: plan.theme.render("objectives.html.j2", **common)),
    ]
    return [
        _page(parts, name, ["index", name, plan.outline, asdict(mode)], render)
        for name, render in pages
    ]


QUIZ_FILES = ("static/coursec-quiz.js", "static/quiz.css")  # only pages with a knowledge check


def shared_files(
    plan: BuildPlan, leave_out: Collection[str] = (), runtimes: Collection[str] = (SCORM_RUNTIME,)
) -> list[OutputFile]:
    """Theme static files (less `leave_out`, and less the LMS runtimes not in `runtimes`) and
    the course's media, at their output paths."""
    unused = (set(LMS_RUNTIMES) - set(runtimes)) | set(leave_out)
    statics = [f for f in plan.theme.static_files() if f.dest not in unused]
    out = [OutputFile(f.dest, f.read()) for f in statics]
    out += [OutputFile(a.dest, shipped_bytes(a.source)) for a in plan.course.assets]
    return out
