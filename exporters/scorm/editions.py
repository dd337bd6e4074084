"""What differs between SCORM 1.2 and SCORM 2004 4th Edition, one object per edition.

The manifest's layout (coursec.exporters.scorm.manifest) is the same for both; an edition
supplies what the content package says in its own terms: the IMS CP namespace and the other
schemas, the metadata schema version and binding, how a resource is marked as a SCO or an
asset, and what a SCO's item carries (1.2: `adlcp:masteryscore`; 2004: `imsss:sequencing` with
its objectives and mastery, flow and choice on the organization and the cluster).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from ..content_package import Attributes, Node
from ..lom import IEEE_LOM, IMS_MD_1_2_1, Described, lom_record

if TYPE_CHECKING:
    from coursec.questions.interactions import Edition

ScormType = Literal["sco", "asset"]

# SCORM 1.2
CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = IMS_MD_1_2_1.namespace

# SCORM 2004 4th Edition
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = IEEE_LOM.namespace


class ScormEdition(ABC):
    """One SCORM edition, as the manifest and the runtime settings need it."""

    name: ClassVar[Edition]  # as pages and the runtime call it
    namespace: ClassVar[str]  # the IMS CP namespace of the manifest
    prefixes: ClassVar[tuple[tuple[str, str], ...]]  # the other namespaces, declared on the root
    schema_locations: ClassVar[tuple[tuple[str, str], ...]]
    schemaversion: ClassVar[str]
    organization_attributes: ClassVar[Attributes] = ()
    parent_extensions: ClassVar[tuple[Node, ...]] = ()  # on the organization and a cluster item
    choice_navigation: ClassVar[bool]  # a SCO may ask the LMS for another SCO's item by its id

    @abstractmethod
    def metadata(self, about: Described) -> Node:
        """The package's metadata record, after schema and schemaversion."""

    @abstractmethod
    def resource_attributes(self, kind: ScormType) -> Attributes:
        """What marks a resource as a SCO or an asset."""

    @abstractmethod
    def sco_extensions(
        self, mastery_score: int | None, primary_objective: str, objectives: tuple[str, ...]
    ) -> tuple[Node, ...]:
        """What a SCO's item carries: its pass mark (0..100, None without a knowledge check)
        and its objectives' global ids (`primary_objective`: the module as a whole)."""


class Scorm12(ScormEdition):
    name = "1.2"
    namespace = CP12
    prefixes = (("adlcp", ADLCP12), ("imsmd", IMSMD))
    schema_locations = (
        (CP12, "imscp_rootv1p1p2.xsd"),
        (IMSMD, "imsmd_rootv1p2p1.xsd"),
        (ADLCP12, "adlcp_rootv1p2.xsd"),
    )
    schemaversion = "1.2"
    choice_navigation = False

    def metadata(self, about: Described) -> Node:
        return lom_record(IMS_MD_1_2_1, about)

    def resource_attributes(self, kind: ScormType) -> Attributes:
        return ((f"{{{ADLCP12}}}scormtype", kind),)

    def sco_extensions(
        self, mastery_score: int | None, primary_objective: str, objectives: tuple[str, ...]
    ) -> tuple[Node, ...]:
        # 1.2 has no sequencing: objectives are only what the runtime reports
        del primary_objective, objectives
        if mastery_score is None:
            return ()
        return (Node(f"{{{ADLCP12}}}masteryscore", str(mastery_score)),)


def _seq(name: str, text: str | None = None, *children: Node, **attributes: str) -> Node:
    return Node(f"{{{IMSSS}}}{name}", text, tuple(attributes.items()), children)


def _mapped(name: str, objective: str, *children: Node, **attributes: str) -> Node:
    """An objective read from and written to the global objective of the same id."""
    # Reading stays at its default (true); writing is off by default and must be enabled.
    mapping = _seq(
        "mapInfo",
        targetObjectiveID=objective,
        writeSatisfiedStatus="true",
        writeNormalizedMeasure="true",
    )
    return _seq(name, None, *children, mapping, objectiveID=objective, **attributes)


class Scorm2004(ScormEdition):
    name = "2004"
    namespace = CP
    prefixes = (("adlcp", ADLCP), ("adlseq", ADLSEQ), ("adlnav", ADLNAV), ("imsss", IMSSS))
    schema_locations = (
        (CP, "imscp_v1p1.xsd"),
        (ADLCP, "adlcp_v1p3.xsd"),
        (ADLSEQ, "adlseq_v1p3.xsd"),
        (ADLNAV, "adlnav_v1p3.xsd"),
        (IMSSS, "imsss_v1p0.xsd"),
        (LOM, "lom.xsd"),
    )
    schemaversion = "2004 4th Edition"
    organization_attributes = ((f"{{{ADLSEQ}}}objectivesGlobalToSystem", "false"),)
    # Flow (Continue/Previous in course order) and choice (the menu tree stays clickable) on the
    # parent of the modules, and on every ancestor too, or the LMS's Start request cannot
    # descend to the first module.
    parent_extensions = (_seq("sequencing", None, _seq("controlMode", choice="true", flow="true")),)
    choice_navigation = True

    def metadata(self, about: Described) -> Node:
        return lom_record(IEEE_LOM, about, declare=True)  # inline: the root does not bind LOM

    def resource_attributes(self, kind: ScormType) -> Attributes:
        return ((f"{{{ADLCP}}}scormType", kind),)

    def sco_extensions(
        self, mastery_score: int | None, primary_objective: str, objectives: tuple[str, ...]
    ) -> tuple[Node, ...]:
        """imsss:sequencing, children in the order imsss_v1p0.xsd requires."""
        sequencing: list[Node] = []
        if mastery_score is None:
            # No knowledge check: the module's satisfaction (if the SCO reports one at all)
            # and its absent score must not decide or dilute the course's pass state.
            sequencing.append(
                _seq("rollupRules", rollupObjectiveSatisfied="false", objectiveMeasureWeight="0")
            )
            primary = _mapped("primaryObjective", primary_objective, satisfiedByMeasure="false")
        else:
            measure = format(Decimal(mastery_score) / Decimal(100), "f")
            primary = _mapped(
                "primaryObjective",
                primary_objective,
                _seq("minNormalizedMeasure", measure),
                satisfiedByMeasure="true",
            )
        others = [_mapped("objective", objective) for objective in objectives]
        sequencing.append(_seq("objectives", None, primary, *others))
        sequencing.append(
            _seq("deliveryControls", completionSetByContent="true", objectiveSetByContent="true")
        )
        return (_seq("sequencing", None, *sequencing),)


EDITIONS: dict[str, ScormEdition] = {e.name: e for e in (Scorm12(), Scorm2004())}


def edition_named(name: str) -> ScormEdition:
    try:
        return EDITIONS[name]
    except KeyError:
        raise ValueError(f"unknown SCORM edition {name!r}; expected '1.2' or '2004'") from None
