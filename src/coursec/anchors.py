"""The ids a `#fragment` link may name on a module's page, and what a fragment resolves to.

A module's page has an id for each section (`<module-id>-<heading-slug>`), each objective
(`objective-<objective-id>`), and its key-terms and objectives boxes when it has them. A link
may name any of them exactly, or a section by its heading's slug (`#mitigations`). The body,
knowledge-check texts and links from other modules all resolve fragments here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coursec.markdown import Section
from coursec.markdown_rules import slugify
from coursec.schema import ModuleSpec


@dataclass(frozen=True, slots=True)
class PageAnchors:
    """The ids of one page that links may name."""

    prefix: str = ""  # `#slug` means `#<prefix><slug>` when that is one of `sections`
    sections: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()  # the page's other ids a link may name exactly

    def resolve(self, fragment: str) -> str | None:
        """The id `#fragment` names on the page, or None when the page has no such anchor."""
        if fragment in self.sections or fragment in self.ids:
            return fragment
        section = f"{self.prefix}{slugify(fragment)}"
        return section if section in self.sections else None


def page_anchors(spec: ModuleSpec, sections: Sequence[Section]) -> PageAnchors:
    """The anchors of a module's page."""
    ids = [f"objective-{o.id}" for o in spec.objectives]
    if spec.key_terms:
        ids.append(f"{spec.id}-terms")
    if spec.objectives:
        ids.append(f"{spec.id}-objectives")
    return PageAnchors(f"{spec.id}-", frozenset(s.id for s in sections), frozenset(ids))
