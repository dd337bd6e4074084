"""A Common Cartridge read the way the LMSs' own importers read it, for the tests to compare
with the course source. Each function follows the XPaths of one importer, cited on it; none of
their code is copied, and nothing here comes from coursec's exporter.

* Moodle's CC 1.1 importer: moodle/moodle ``backup/cc/cc112moodle.php`` (resource types,
  namespaces), ``backup/cc/cc2moodle.php`` (``create_instances``: the organization walk, items at
  depth 2 become sections; ``get_metadata``: the course title), and
  ``backup/cc/entity11.quiz.class.php`` (``get_questions``, ``get_question_type``,
  ``get_answers``, ``get_answers_fib``, ``get_feedback``, ``get_general_feedback``,
  ``get_score``, ``get_defaultgrade``, ``get_global_config``).
* Canvas's: instructure/canvas-lms ``lib/cc/importer/standard/org_converter.rb`` (one course
  module per ``organization > item > item``), ``lib/cc/importer/standard/quiz_converter.rb``
  (every ``imsqti`` resource's first file goes through Instructure's QTIMigrationTool,
  ``lib/imsqtiv1.py``), and ``gems/plugins/qti_exporter/lib/qti/assessment_item_converter.rb``
  (``get_feedback``: ``correct``/``incorrect`` feedback found by the feedback's name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

CC = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOMIMSCC = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
NS = {"imscc": CC, "lomimscc": LOMIMSCC, "xmlns": QTI}
QUIZ_TYPE = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"  # cc112moodle::CC_TYPE_QUIZ

# entity11.quiz.class.php get_question_type: CC profile -> Moodle question type
MOODLE_TYPES = {
    "cc.multiple_choice.v0p1": "multichoice",
    "cc.multiple_response.v0p1": "multichoice",
    "cc.true_false.v0p1": "truefalse",
    "cc.fib.v0p1": "shortanswer",
    "cc.pattern_match.v0p1": "shortanswer",
    "cc.essay.v0p1": "essay",
}


def _text(nodes: list[etree._Element]) -> str:
    return (nodes[0].text or "") if nodes else ""


@dataclass
class MoodleAnswer:
    ident: str
    text: str
    score: float
    feedback: str


@dataclass
class MoodleQuestion:
    ident: str
    name: str
    cc_type: str
    text: str
    general_feedback: str
    default_grade: int
    answers: list[MoodleAnswer] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # shortanswer: the right answers

    @property
    def moodle_type(self) -> str:
        return MOODLE_TYPES.get(self.cc_type, "")


@dataclass
class MoodleSection:
    """An item at depth 2 of the organization (cc2moodle.php ROOT_DEEP): a course section, its
    title, and its activities (identifierref -> resource type)."""

    title: str
    activities: list[tuple[str, str, str]]  # (title, resource identifier, resource type)


def moodle_course_title(manifest: etree._ElementTree) -> str:
    """cc2moodle.php get_metadata('general', 'title')."""
    path = (
        "/imscc:manifest/imscc:metadata/lomimscc:lom/lomimscc:general"
        "/lomimscc:title/lomimscc:string"
    )
    return _text(manifest.xpath(path, namespaces=NS))


def moodle_sections(manifest: etree._ElementTree) -> list[MoodleSection]:
    """cc2moodle.php create_instances: `organization/item` is depth 1; its child items (depth 2)
    are sections; their child items with an identifierref are the section's activities,
    typed by `resources/resource[@identifier=...]/@type` (get_item_cc_type)."""
    [root] = manifest.xpath(
        "/imscc:manifest/imscc:organizations/imscc:organization/imscc:item", namespaces=NS
    )
    sections = []
    for item in root.xpath("imscc:item", namespaces=NS):
        activities = []
        for child in item.xpath("imscc:item", namespaces=NS):
            ref = child.get("identifierref", "")
            kind = manifest.xpath(
                f'/imscc:manifest/imscc:resources/imscc:resource[@identifier="{ref}"]/@type',
                namespaces=NS,
            )
            activities.append(
                (
                    _text(child.xpath("imscc:title", namespaces=NS)),
                    ref,
                    str(kind[0]) if kind else "",
                )
            )
        sections.append(MoodleSection(_text(item.xpath("imscc:title", namespaces=NS)), activities))
    return sections


def moodle_quiz_file(manifest: etree._ElementTree, resource: str) -> str:
    """entities11 get_external_xml: the resource's first `file/@href`."""
    hrefs = manifest.xpath(
        f'/imscc:manifest/imscc:resources/imscc:resource[@identifier="{resource}"]/imscc:file/@href',
        namespaces=NS,
    )
    return str(hrefs[0])


def moodle_max_attempts(assessment: etree._ElementTree) -> int:
    """get_global_config(..., 'cc_maxattempts', 0, ['unlimited' => 0])."""
    fields = assessment.xpath(
        "/xmlns:questestinterop/xmlns:assessment/xmlns:qtimetadata/xmlns:qtimetadatafield",
        namespaces=NS,
    )
    value = ""
    for f in fields:
        if _text(f.xpath("xmlns:fieldlabel", namespaces=NS)).lower() == "cc_maxattempts":
            value = _text(f.xpath("xmlns:fieldentry", namespaces=NS)).strip()
    return 0 if value in ("", "unlimited") else int(value)


def _feedback_texts(item: etree._Element, conditions: list[etree._Element]) -> str:
    """The itemfeedback texts the conditions' displayfeedback elements point at, each followed
    by a space, as get_feedback and get_general_feedback join them."""
    out = ""
    for condition in conditions:
        for ref in condition.xpath("xmlns:displayfeedback/@linkrefid", namespaces=NS):
            texts = item.xpath(
                f'xmlns:itemfeedback[@ident="{ref}"]/xmlns:flow_mat/xmlns:material/xmlns:mattext',
                namespaces=NS,
            )
            out += _text(texts) + " " if _text(texts) else ""
    return out


def moodle_questions(assessment: etree._ElementTree) -> list[MoodleQuestion]:
    """entity11.quiz.class.php get_questions, for an assessment (not a question bank)."""
    questions = []
    items = assessment.xpath(
        "/xmlns:questestinterop/xmlns:assessment/xmlns:section/xmlns:item", namespaces=NS
    )
    for item in items:
        cc_type = ""
        for f in item.xpath(
            "xmlns:itemmetadata/xmlns:qtimetadata/xmlns:qtimetadatafield", namespaces=NS
        ):
            if _text(f.xpath("xmlns:fieldlabel", namespaces=NS)) == "cc_profile":
                cc_type = _text(f.xpath("xmlns:fieldentry", namespaces=NS))
        grade = 1
        weights = item.xpath(
            './/xmlns:qtimetadatafield[xmlns:fieldlabel="cc_weighting"]/xmlns:fieldentry',
            namespaces=NS,
        )
        if weights and 0 <= int(weights[0].text) <= 99:
            grade = int(weights[0].text)
        conditions = item.xpath("xmlns:resprocessing/xmlns:respcondition", namespaces=NS)
        general = [c for c in conditions if c.get("continue", "").lower() == "yes"]
        question = MoodleQuestion(
            ident=item.get("ident", ""),
            name=item.get("title", ""),
            cc_type=cc_type,
            text=_text(
                item.xpath("xmlns:presentation/xmlns:material/xmlns:mattext", namespaces=NS)
            ),
            general_feedback=_feedback_texts(item, general),
            default_grade=grade,
        )
        if cc_type == "cc.fib.v0p1":
            right = item.xpath(
                'xmlns:resprocessing/xmlns:respcondition/xmlns:setvar[text()="100"]/..',
                namespaces=NS,
            )
            question.accepted = [
                v.text
                for v in right[0].xpath("xmlns:conditionvar/xmlns:varequal", namespaces=NS)
                if v.text
            ]
        else:
            question.answers = _moodle_answers(item, cc_type, conditions)
        questions.append(question)
    return questions


def _moodle_answers(
    item: etree._Element, cc_type: str, conditions: list[etree._Element]
) -> list[MoodleAnswer]:
    """get_answers for choice questions: each response_label, its feedback (conditions whose
    first varequal names it) and its score (get_score; multiple response: 1/n for each choice
    that a SCORE=100 condition requires with case='Yes', outside a `not`)."""
    labels = item.xpath(
        "xmlns:presentation/xmlns:response_lid/xmlns:render_choice/xmlns:response_label",
        namespaces=NS,
    )
    required: set[str] = set()
    if cc_type == "cc.multiple_response.v0p1":
        nodes = item.xpath(
            ".//xmlns:setvar[@varname='SCORE'][.=100]/../xmlns:conditionvar//xmlns:varequal[@case='Yes'][not(parent::xmlns:not)]",
            namespaces=NS,
        )
        required = {n.text for n in nodes}
    answers = []
    for label in labels:
        ident = label.get("ident", "")
        mine = [
            c
            for c in conditions
            if _text(c.xpath("xmlns:conditionvar/xmlns:varequal", namespaces=NS)).lower()
            == ident.lower()
        ]
        score = 0.0
        for c in mine:
            setvar = _text(c.xpath("xmlns:setvar", namespaces=NS))
            if setvar not in ("", "0"):  # PHP empty(): "" and "0" are empty
                score = 1.0
        if cc_type == "cc.multiple_response.v0p1":
            score = round(1 / len(required), 7) if ident in required else score
        text = _text(label.xpath("xmlns:material/xmlns:mattext", namespaces=NS))
        answers.append(MoodleAnswer(ident, text, score, _feedback_texts(item, mine)))
    return answers


def canvas_modules(manifest: etree._ElementTree) -> list[tuple[str, list[str]]]:
    """org_converter.rb convert_organizations: `organizations organization > item > item`, each
    a module titled by its first `title`, with the identifierrefs of its items."""
    modules = []
    for node in manifest.xpath(
        "//imscc:organizations/imscc:organization/imscc:item/imscc:item", namespaces=NS
    ):
        title = _text(node.xpath("imscc:title", namespaces=NS))
        refs = [str(r) for r in node.xpath(".//imscc:item/@identifierref", namespaces=NS)]
        modules.append((title, refs))
    return modules


def canvas_quiz_files(manifest: etree._ElementTree) -> list[str]:
    """quiz_converter.rb convert_quizzes: resources whose type contains "imsqti", by `href` or
    else their first file."""
    files = []
    for res in manifest.xpath(
        "//imscc:resources/imscc:resource[contains(@type, 'imsqti')]", namespaces=NS
    ):
        first = res.xpath("imscc:file/@href", namespaces=NS)
        files.append(res.get("href") or str(first[0]))
    return files


def canvas_question_feedback(item: etree._Element) -> dict[str, str]:
    """assessment_item_converter.rb get_feedback: feedback named like /wrong|incorrect/ is the
    question's incorrect comment, then /correct/ its correct comment."""
    found: dict[str, str] = {}
    for fb in item.xpath("xmlns:itemfeedback", namespaces=NS):
        ident = fb.get("ident", "").lower()
        text = _text(fb.xpath("xmlns:flow_mat/xmlns:material/xmlns:mattext", namespaces=NS))
        if "wrong" in ident or "incorrect" in ident:
            found["incorrect"] = text
        elif "correct" in ident:
            found["correct"] = text
    return found


def read(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
