"""A package's LOM metadata record (title, language, description, keywords, version), in the
binding a profile uses: IEEE LOM (SCORM 2004), Common Cartridge 1.1's manifest profile of it
(`lomimscc`: the same shape in its own namespace, and no version), or IMS Learning Resource
Meta-data 1.2.1 (SCORM 1.2).

Only free-text elements are used, so lom.xsd's strict, loose and custom vocabularies all accept
the record alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .content_package import Node

XML_NS = "http://www.w3.org/XML/1998/namespace"


@dataclass(frozen=True, slots=True)
class LomBinding:
    """How one binding spells the record: its namespace, its language-tagged string element,
    the attribute that tags the language, and the life-cycle element that holds the version
    (None: the binding has no place for it)."""

    namespace: str
    string: str
    language: str  # attribute name, Clark notation when namespaced
    lifecycle: str | None


IEEE_LOM = LomBinding("http://ltsc.ieee.org/xsd/LOM", "string", "language", "lifeCycle")
CC_MANIFEST_LOM = LomBinding(
    "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest", "string", "language", None
)  # ccv1p1_lommanifest_v1p0.xsd: its lifeCycle holds contributions only
IMS_MD_1_2_1 = LomBinding(
    "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", "langstring", f"{{{XML_NS}}}lang", "lifecycle"
)


class Described(Protocol):
    """What the record says about the package (a SCORM ManifestSpec, for one)."""

    @property
    def title(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def version(self) -> str: ...
    @property
    def languages(self) -> tuple[str, ...]:
        """Every language of the package, its own first (empty: just `language`)."""


def lom_record(binding: LomBinding, about: Described, declare: bool = False) -> Node:
    """The `lom` element; `declare`: bind its namespace as the default one on it (when the
    manifest's root does not declare it)."""
    ns = binding.namespace

    def tag(name: str) -> str:
        return f"{{{ns}}}{name}"

    def text(name: str, value: str, language: str | None) -> Node:
        tagged = ((binding.language, language),) if language is not None else ()
        return Node(tag(name), children=(Node(tag(binding.string), value, tagged),))

    # a record may list every language of the package (general.language is 0..10 in both
    # bindings)
    languages = about.languages or (about.language,)
    general = [text("title", about.title, about.language)]
    general += [Node(tag("language"), language) for language in languages[:10]]
    if about.description.strip():
        general.append(text("description", about.description, about.language))
    general += [text("keyword", keyword, about.language) for keyword in about.keywords]
    record = [Node(tag("general"), children=tuple(general))]
    if about.version and binding.lifecycle is not None:
        version = text("version", about.version, None)
        record.append(Node(tag(binding.lifecycle), children=(version,)))
    return Node(tag("lom"), children=tuple(record), namespaces=((None, ns),) if declare else ())
